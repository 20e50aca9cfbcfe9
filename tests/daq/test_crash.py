"""Killing a run (SIGKILL, at a random moment) loses only rows the journal had not
acknowledged: the file left behind holds a prefix of the journal's rows, and
``metrolab daq recover`` rebuilds the file with every journalled row, exactly."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from metrolab import daq
from metrolab.cli import main
from metrolab.daq.rows import RowBlock
from metrolab.store import read_journal


def _wait_for_samples(journal: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    """Return once ``journal`` holds ``count`` samples entries (the run is another process:
    its progress can only be watched)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        if journal.exists() and journal.read_bytes().count(b'"kind":"samples"') >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"the run did not journal {count} steps in 90 s")


def _journalled(journal: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    entries = [e for e in read_journal(journal) if e.kind == "samples"]
    blocks = [RowBlock.from_entry(e.data, ("dmm", "env")) for e in entries]
    values = {name: np.concatenate([b.values[name] for b in blocks])
              for name in ("dmm", "env")}
    return values, np.concatenate([b.times() for b in blocks])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_log_is_recovered_with_every_acknowledged_row(tmp_path: Path,
                                                               seed: int) -> None:
    out, journal = tmp_path / "weekend.h5", tmp_path / "weekend.daqjournal"
    process = subprocess.Popen(
        [sys.executable, "-m", "metrolab", "log", "dmm=34465A", "env=HMT330", "--every", "1s",
         "--for", "48h", "--read", "dmm", "--read", "env=temperature", "--flush", "0s",
         "--simulate", "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_samples(journal, random.Random(seed).randint(3, 120), process)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
    values, times = _journalled(journal)
    try:  # what the killed writer left: readable or not, never more than the journal
        with h5py.File(out, "r", swmr=True) as handle:
            left = handle["entry/data/dmm"][()]
    except OSError:
        left = None
    if left is not None:
        assert left.size <= values["dmm"].size
        np.testing.assert_array_equal(left, values["dmm"][:left.size])

    main(["daq", "recover", str(journal)])

    with daq.load(out) as data:
        assert data.attrs["status"] == "interrupted"
        assert data.sizes["time"] == values["dmm"].size
        np.testing.assert_array_equal(data.dmm.values, values["dmm"])
        np.testing.assert_array_equal(data.env.values, values["env"])
        seconds = data.time.values.astype("datetime64[ns]").astype(np.int64) / 1e9
        np.testing.assert_allclose(seconds, times, atol=1e-6)
        assert np.all(np.diff(data.step.values) == 1)
    again = daq.recover(journal)
    assert again.action == "already complete"


def test_recover_refuses_a_live_run_and_a_calibration_journal(tmp_path: Path) -> None:
    from metrolab.store import Journal
    from metrolab.store.errors import JournalLockedError

    with Journal.create(tmp_path / "live.daqjournal", "R") as journal:
        journal.append("run_started", {"run_id": "R"})
        with pytest.raises(JournalLockedError, match="running acquisition"):
            daq.recover(tmp_path / "live.daqjournal")
    with pytest.raises(daq.DaqFileError, match="calibration run's"):
        daq.recover(tmp_path / "live.daqjournal")


def test_the_calibration_recover_refuses_an_acquisition_journal(
        bench: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = daq.log({"dmm": bench.resources["dut"]}, every=1, count=3,
                     out=tmp_path / "d.h5", clock=bench.clock)
    (tmp_path / "d.h5").unlink()  # even with its file gone, no calibration record is made
    with pytest.raises(SystemExit) as exit_info:
        main(["recover", str(result.journal)])
    assert exit_info.value.code == 1
    assert "metrolab daq recover" in capsys.readouterr().err
    assert not (tmp_path / "d.h5").exists()
