"""A run whose process died goes on where its journal ends: over the wire after a SIGKILL
(``metrolab daq resume``), and in this process after a crash in the middle of a sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metrolab import daq
from metrolab.cli import main
from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation import serve_tcp
from metrolab.store import read_journal
from metrolab.units import ureg

from .test_crash import _wait_for_samples


@pytest.fixture
def served_dmm() -> Iterator[str]:
    """Yield the TCP resource of a simulated 34465A served by this process."""
    from metrolab.drivers.keysight.simulator import Keysight34465ASimulator

    with serve_tcp(Keysight34465ASimulator(seed=3, clock=VirtualClock())) as server:
        yield server.resource


def test_a_killed_log_resumes_over_the_wire(tmp_path: Path, served_dmm: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out, journal = tmp_path / "log.h5", tmp_path / "log.daqjournal"
    process = subprocess.Popen(
        [sys.executable, "-m", "metrolab", "log", f"dmm={served_dmm}", "--every", "1s",
         "--for", "10min", "--read", "dmm=DCV 10V nplc=0.2", "--virtual-clock", "--flush",
         "0s", "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_samples(journal, 25, process)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
    before = [e.data["step"] for e in read_journal(journal) if e.kind == "samples"]
    assert before == list(range(len(before)))

    main(["daq", "resume", str(journal)])

    assert "completed: 600 rows" in capsys.readouterr().out
    with daq.load(out) as data:
        assert data.attrs["status"] == "completed"
        assert data.step.values.tolist() == list(range(600))  # each tick once
        seconds = data.time.values.astype("datetime64[ns]").astype(np.int64) / 1e9
        assert np.all(np.diff(seconds) > 0)
    kinds = [e.data["type"] for e in read_journal(journal) if e.kind == "event"]
    assert kinds == ["resume"]


class Crash(Exception):
    """Stands for the process dying (a bug, a power cut) in the middle of a sweep."""


def test_a_sweep_interrupted_mid_way_resumes_at_the_next_setpoint(bench: Any,
                                                                  tmp_path: Path) -> None:
    r = bench.resources
    calls = {"n": 0}

    def read(dmm: Any, count: int) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            raise Crash("the lights went out")
        return dmm.read_many(count)

    readable = daq.Readable("dmm", read=read, unit="V",
                            setup=lambda d: d.configure(Function.DCV, ureg.Quantity(10, "V")))
    axis = daq.Axis("calibrator", np.linspace(1, 6, 6) * ureg.V, settle="1 s")
    with pytest.raises(Crash):
        daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]}, axis, read=[readable],
                  readings=2, out=tmp_path / "s.h5", clock=bench.clock)
    journal = tmp_path / "s.daqjournal"
    assert [e.kind for e in read_journal(journal)][-1] == "event"  # the fault; no run_ended

    with pytest.raises(daq.DaqInputError, match="give the same Readable again"):
        daq.resume(journal)
    result = daq.resume(journal, readables=(readable,),
                        session=daq.Session(clock=bench.clock))
    assert (result.status, result.rows) == ("completed", 12)
    with daq.load(result.path) as data:
        np.testing.assert_allclose(data.dmm.mean("reading").values, np.linspace(1, 6, 6),
                                   rtol=1e-4)
    steps = [e.data["step"] for e in read_journal(journal) if e.kind == "samples"]
    assert steps == [0, 1, 2, 3, 4, 5]  # step 3 was not journalled before the crash
    assert result.stats["dmm"].count == 12  # statistics over the whole run


def test_resume_refuses_another_instrument(bench: Any, tmp_path: Path) -> None:
    r = bench.resources

    def crash(dmm: Any, count: int) -> Any:
        raise Crash("gone")

    with pytest.raises(Crash):
        daq.log({"dmm": r["dut"]}, every=1, duration=10, out=tmp_path / "x.h5",
                read=[daq.Readable("dmm", read=crash, unit="V")], clock=bench.clock)
    with pytest.raises(daq.DaqInputError, match="reconnect the same instrument"):
        daq.resume(tmp_path / "x.daqjournal", instruments={"dmm": r["calibrator"]},
                   readables=(daq.Readable("dmm", read=crash, unit="V"),),
                   session=daq.Session(clock=bench.clock))
