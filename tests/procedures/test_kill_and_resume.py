"""SIGKILL the runner in the middle of the DMM verification, then ``metrolab resume``.

The simulated bench runs in its own process (as a real bench outlives the runner), on a
virtual clock that a thread moves forward quickly so the calibrator settles. The runner
runs as ``metrolab run`` in another process; the bench holds the calibrator's reply when
point 4 starts and says so, and the runner is killed there, three points in the journal;
``metrolab resume JOURNAL`` finishes the run and the sealed record holds every point
exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from metrolab.runner.register import Standard, dumps_register
from metrolab.store import open_record, read_journal

SERVE_BENCH = textwrap.dedent('''
    import json, sys, threading
    from metrolab.clock import VirtualClock
    from metrolab.drivers.bench import SimulatedBench

    HOLD_AT = int(sys.argv[1])  # the calibrator hangs when point HOLD_AT + 1 sets its output
    clock = VirtualClock()
    done, release = threading.Event(), threading.Event()

    def run_clock():  # simulated time runs 100 times faster than the wall clock
        while not done.wait(0.005):
            clock.advance(0.5)

    bench = SimulatedBench(seed=7, clock=clock)
    handle, outputs = bench.calibrator.handle, []

    def hold_a_point(message):
        if message.lstrip().upper().startswith("OUT "):
            outputs.append(message)
            if len(outputs) == HOLD_AT + 1:
                print("held", flush=True)
                release.wait()
        # the runner polls ISR? every 0.1 s of its own virtual clock: the calibrator's time
        # moves as much per message, so it settles however fast the exchanges run
        clock.advance(0.1)
        return handle(message)

    bench.calibrator.handle = hold_a_point
    threading.Thread(target=run_clock, daemon=True).start()
    with bench.serve() as resources:
        print(json.dumps(resources), flush=True)
        sys.stdin.readline()  # the test kept the runner from going on, and killed it
        release.set()
        sys.stdin.read()  # until the test closes stdin
    done.set()
''')

POINTS = ["--points", "ZERO-DCV-*", "--points", "DCV-*"]
N_POINTS = 11
#: points completed before the kill: the calibrator hangs as the next one starts
HOLD_AT = 3


@dataclass
class BenchProcess:
    """The simulated bench served by another process, and its role -> resource map."""

    process: subprocess.Popen[str]
    resources: dict[str, str]

    def wait_until_held(self) -> None:
        """Block until the calibrator hangs at the start of point HOLD_AT + 1."""
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "held\n"

    def release(self) -> None:
        """Let the calibrator answer again."""
        assert self.process.stdin is not None
        self.process.stdin.write("go on\n")
        self.process.stdin.flush()


@pytest.fixture
def bench_process() -> Iterator[BenchProcess]:
    process = subprocess.Popen([sys.executable, "-c", SERVE_BENCH, str(HOLD_AT)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield BenchProcess(process, json.loads(process.stdout.readline()))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def metrolab(*args: str) -> list[str]:
    return [sys.executable, "-m", "metrolab", *args]


def results_in(out: Path) -> int:
    journals = list(out.glob("*.journal"))
    if not journals:
        return 0
    return sum(e.kind == "point_result" for e in read_journal(journals[0]))


@pytest.mark.slow
@pytest.mark.timeout(400)  # a full run; a loaded CI box needs more than the default 120 s
def test_sigkill_then_resume_records_every_point_once(tmp_path: Path,
                                                      bench_process: BenchProcess) -> None:
    register = tmp_path / "register.toml"
    register.write_text(dumps_register([Standard(
        "CAL-1", "calibrator", "FLUKE", "5522A", "1972905", "C-1", date(2025, 1, 1),
        date(2099, 1, 1))]))
    out = tmp_path / "out"
    runner = subprocess.Popen(metrolab(
        "run", "dmm-34401a-verification", "--dut", bench_process.resources["dut"],
        "--standard", f"calibrator={bench_process.resources['calibrator']}",
        "--standard", f"hygrometer={bench_process.resources['hygrometer']}",
        "--register", str(register), "--out", str(out), "--yes", "--virtual-clock",
        "--readings", "4", "--timeout", "5", *POINTS),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bench_process.wait_until_held()  # no sleep: the bench says when point HOLD_AT + 1 starts
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    bench_process.release()
    (journal,) = out.glob("*.journal")
    before = results_in(out)
    assert before == HOLD_AT
    assert not [e for e in read_journal(journal) if e.kind == "run_ended"]

    resumed = subprocess.run(metrolab("resume", str(journal), "--yes"), capture_output=True,
                             text=True, timeout=200)
    assert resumed.returncode == 0, resumed.stderr
    record = open_record(out / journal.with_suffix(".h5").name)
    assert record.run["status"] == "completed"
    ids = [p.point_id for p in record.points]
    assert len(ids) == len(set(ids)) == N_POINTS
    assert all(p.readings.shape == (4,) for p in record.points)
    assert all(p.decision["statement"] == "pass" for p in record.points)
    kinds = [e.data["type"] for e in read_journal(journal) if e.kind == "event"]
    assert "resume" in kinds
