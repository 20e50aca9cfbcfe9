"""A disk that fails under a run: the operator reads the cause, what was kept, what to do.

A one-point run of the DMM verification on simulators is first run cleanly while
:class:`~metrolab.testing.faults.DiskFaults` counts its durable-write calls; then runs
meet ``OSError(ENOSPC)`` at calls spread over the run (journal entries, the seal, the
audit entry). Each failure must be one named line with the cause and the journal, never
"journal ... is closed"; resuming (or recovering) must give one completed, verifying
record, and the journal must still start with every entry acknowledged before.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator
from rich.console import Console

from metrolab.cli import main
from metrolab.clock import VirtualClock
from metrolab.errors import MetrolabError
from metrolab.instrument.simulation.server import serve_tcp
from metrolab.runner.config import RunConfig
from metrolab.runner.engine import RunSettings
from metrolab.runner.lifecycle import RunInputs, resume_run, start_run
from metrolab.runner.operator import Operator
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.register import Standard, dumps_register
from metrolab.store import open_record, read_journal, recover, verify
from metrolab.testing.faults import DiskFaults

PROCEDURE = "dmm-34401a-verification"


@pytest.fixture
def clock() -> VirtualClock:
    """The simulators' clock, also given to the runs (their waits pass on the bench)."""
    return VirtualClock()


@pytest.fixture
def bench(clock: VirtualClock) -> Iterator[dict[str, str]]:
    """A 34401A measuring a 5522A, served on 127.0.0.1."""
    calibrator = Fluke5522ASimulator(seed=3, clock=clock)
    dmm = Keysight34401ASimulator(seed=3, clock=clock, source=calibrator)
    with serve_tcp(calibrator) as cal_server, serve_tcp(dmm) as dmm_server:
        yield {"dut": dmm_server.resource, "calibrator": cal_server.resource}


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """A register holding the simulated 5522A, in date."""
    path = tmp_path / "register.toml"
    path.write_text(dumps_register([Standard(
        "CAL-1", "calibrator", "FLUKE", "5522A", "1972905", "C-1", date(2020, 1, 1),
        date(2099, 1, 1))], {"name": "Test Lab", "country": "GB"}))
    return path


def config(bench: dict[str, str], register: Path, out: Path) -> RunConfig:
    """Return the config of a virtual-clock run of the DCV-10V point only."""
    return RunConfig(procedure=PROCEDURE, resources=bench, out_dir=str(out),
                     register=str(register), settings=RunSettings(points=("DCV-10V",)),
                     virtual_clock=True)


def inputs(clock: VirtualClock) -> RunInputs:
    """Return unattended run inputs on the simulators' clock, printing nothing."""
    return RunInputs(Operator(yes=True, interactive=False),
                     ProgressReporter(Console(quiet=True)), clock=clock)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Return the exit code and stderr of ``metrolab ARGS``."""
    with pytest.raises(SystemExit) as done:
        main(args)
    return int(done.value.code or 0), capsys.readouterr().err


def one_error_line(err: str) -> str:
    """Return the only line of ``err``; fail unless it is one ``error: ...`` line."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_full_disk_anywhere_in_a_run_is_named_and_nothing_acknowledged_is_lost(
        tmp_path: Path, bench: dict[str, str], register: Path, clock: VirtualClock) -> None:
    with DiskFaults() as counting:
        assert start_run(config(bench, register, tmp_path / "clean"),
                         inputs(clock)).status.status == "completed"
    total = len(counting.calls)
    assert total > 20  # every journal entry (or batch of readings) is a write and a sync
    for k in sorted({7, 8, total // 3, total // 2, 2 * total // 3, total - 8, total - 3, total}):
        out = tmp_path / f"k{k}"
        with DiskFaults(fail_at=k) as faults, pytest.raises(MetrolabError) as caught:
            start_run(config(bench, register, out), inputs(clock))
        message, where = str(caught.value), f"call {k} of {total} ({faults.failed})"
        assert "the disk is full (ENOSPC" in message, f"{where}: {message}"
        assert "closed" not in message and "\n" not in message, where
        journal = next(out.glob("*.journal"))
        assert str(journal) in message and "Kept: " in message, f"{where}: {message}"
        kept = journal.read_bytes()
        assert read_journal(journal).problem is None, where  # the failed entry was cut off
        kinds = {entry.kind for entry in read_journal(journal)}
        if "run_ended" in kinds:
            assert f"`metrolab recover {journal}`" in message, where
            record = recover(journal).path
        elif "run_started" in kinds:
            assert f"`metrolab resume {journal}`" in message, where
            result = resume_run(journal, inputs(clock))
            assert result.status.status == "completed", where
            record = result.record
        else:  # the run's preamble is one batch: all of it or nothing
            assert ("holds its header only" in message and "start again" in message) or \
                message.startswith(f"cannot open journal {journal} for writing"), where
            result = start_run(config(bench, register, out / "again"), inputs(clock))
            record = result.record
        assert journal.read_bytes().startswith(kept), f"{where}: acknowledged entries lost"
        assert verify(record).ok, f"{where}: {verify(record).problems}"
        opened = open_record(record)
        assert opened.status == "completed", where
        assert [p.point_id for p in opened.points] == ["DCV-10V"], where
        assert not list(out.glob(".*.tmp")), where


def test_a_journal_that_fails_mid_run_is_reported_by_the_command_line(
        tmp_path: Path, bench: dict[str, str], register: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", PROCEDURE, "--dut", bench["dut"], "--standard",
            f"calibrator={bench['calibrator']}", "--register", str(register), "--out",
            str(tmp_path), "--virtual-clock", "--points", "DCV-10V"]
    # checking --out takes 1 call, creating and opening the journal 6; the 8th writes the
    # run's preamble in one batch
    with DiskFaults(fail_at=8, number=errno.EIO):
        code, err = run_cli(args, capsys)
    line = one_error_line(err)
    journal = next(tmp_path.glob("*.journal"))
    assert code == 1
    assert f"error: journal {journal}: could not write entries 1-4 (a run_started " in line
    assert "an input/output error occurred (EIO)" in line
    assert f"Kept: {journal} holds its header only" in line
    assert "then start again: nothing was recorded in it" in line
    assert read_journal(journal).last_seq == 0


def test_run_into_a_read_only_folder_is_refused_before_any_instrument_is_opened(
        tmp_path: Path, register: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "records"
    with DiskFaults(fail_at=1, number=errno.EROFS):
        code, err = run_cli(["run", PROCEDURE, "--dut", "TCPIP0::192.0.2.1::5025::SOCKET",
                             "--standard", "calibrator=TCPIP0::192.0.2.1::5026::SOCKET",
                             "--register", str(register), "--out", str(out)], capsys)
    assert code == 1
    line = one_error_line(err)
    assert line == (f"error: cannot write files in the output folder (--out) {out}: the file "
                    f"system is read-only (EROFS); remount the disk that holds {out} "
                    "read-write, or use a folder on a writable disk")


def test_resume_on_a_read_only_disk_says_so_in_one_line(
        tmp_path: Path, bench: dict[str, str], register: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # no --yes and no terminal: the run stops at its first prompt, journal left open
    code, err = run_cli(["run", PROCEDURE, "--dut", bench["dut"], "--standard",
                         f"calibrator={bench['calibrator']}", "--register", str(register),
                         "--out", str(tmp_path), "--virtual-clock", "--points", "DCV-10V"],
                        capsys)
    assert code == 2 and "has no answer" in err
    journal = next(tmp_path.glob("*.journal"))
    before = journal.read_bytes()
    with DiskFaults(fail_at=1, number=errno.EROFS, persistent=True):
        code, err = run_cli(["resume", str(journal), "--yes"], capsys)
    assert code == 1
    line = one_error_line(err)
    assert line.startswith(f"error: cannot open journal {journal} for writing: the file system "
                           "is read-only (EROFS). Kept: ")
    assert journal.read_bytes() == before
