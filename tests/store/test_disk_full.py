"""Disk full (and denied, read-only, immutable, failing) at every step loses nothing acknowledged.

The crash tests (test_crash.py) kill writers; these make the disk fail under them. A
run (journal created, readings appended one by one, run ended, record sealed, audit
entry written) is first run cleanly while :class:`~metrolab.testing.faults.DiskFaults`
counts its durable-write calls (open, write, sync, truncate, publish, directory sync);
then, for every k, the same run meets ``OSError`` at its k-th call. Each time the error
must be a named store error that says the cause in one line, no temporary file and no
half-written record may be left, and recovery (``metrolab recover``, or resuming the
journal and sealing) must yield a verifying record holding every acknowledged reading
exactly once, in order.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.store import Journal, open_record, read_journal, seal, verify
from metrolab.store.errors import StoreError
from metrolab.store.verification import content_problems
from metrolab.testing.faults import DiskFaults

READINGS = 4
CAUSES = {
    errno.ENOSPC: "the disk is full (ENOSPC",
    errno.EACCES: "permission was denied (EACCES)",
    errno.EPERM: "immutable or append-only",
    errno.EROFS: "the file system is read-only (EROFS)",
    errno.EIO: "an input/output error occurred (EIO)",
    errno.EDQUOT: "the disk quota is used up (EDQUOT)",
}


def write_run(directory: Path, run_id: str, acknowledged: list[int]) -> None:
    """Journal a run of READINGS readings (or go on with its journal) and seal it.

    Every reading index is added to ``acknowledged`` once its append has returned.
    """
    path = directory / f"{run_id}.journal"
    entries = read_journal(path) if path.exists() else []
    journal = Journal.open_for_append(path) if path.exists() else Journal.create(path, run_id)
    try:
        kinds = {entry.kind for entry in entries}
        if "run_started" not in kinds:
            journal.append("run_started", {"run_id": run_id,
                                           "procedure": {"name": "disk", "version": "1"}})
        if "point_started" not in kinds:
            journal.append("point_started", {"point_id": "p1", "phase": "as_found",
                                             "function": "DCV",
                                             "nominal": {"value": 1.0, "unit": "V"}})
        done = [entry.data["index"] for entry in entries if entry.kind == "reading"]
        for index in range(done[-1] + 1 if done else 0, READINGS):
            journal.append("reading", {"point_id": "p1", "phase": "as_found", "index": index,
                                       "value": float(index), "unit": "V"})
            acknowledged.append(index)
        if "run_ended" not in kinds:
            journal.append("run_ended", {"status": "completed", "reason": ""})
    finally:
        journal.close()
    seal(path)


def count_calls(tmp_path: Path) -> list[str]:
    """Return the durable-write calls of one clean run, in order."""
    scratch = tmp_path / "clean"
    scratch.mkdir()
    with DiskFaults() as counting:
        write_run(scratch, "R", [])
    return counting.calls


def fail_and_recover(directory: Path, k: int, number: int, *, persistent: bool,
                     resume: bool, capsys: pytest.CaptureFixture[str]) -> str:
    """Run with a fault at call k, check what is left, recover; return the error message."""
    directory.mkdir()
    acknowledged: list[int] = []
    with DiskFaults(fail_at=k, number=number, persistent=persistent) as faults, \
            pytest.raises(StoreError) as caught:
        write_run(directory, "R", acknowledged)
    message = str(caught.value)
    where = f"call {k} ({faults.failed})"
    assert CAUSES[number] in message, f"{where}: {message}"
    assert "\n" not in message and "closed" not in message, where
    assert "To do: " in message or "; " in message, where
    assert not list(directory.glob(".*.tmp")), f"{where} left a temporary file"
    for record in directory.glob("*.h5"):  # whole (sealed before the audit entry failed)
        assert content_problems(record) == [], f"{where} left a half-written record"
    journal = directory / "R.journal"
    written_again = False
    if not journal.exists():  # failed while creating the journal: nothing recorded, start again
        assert acknowledged == [] and "Nothing was recorded" in message, where
        write_run(directory, "R", acknowledged)
        written_again = True
    elif resume and all(entry.kind != "run_ended" for entry in read_journal(journal)):
        write_run(directory, "R", acknowledged)  # go on where it stopped, then seal
        written_again = True
    with pytest.raises(SystemExit) as done:
        main(["recover", str(directory)])
        raise SystemExit(0)
    assert done.value.code in (0, None), f"{where}: {capsys.readouterr().err}"
    record = directory / "R.h5"
    report = verify(record)
    assert report.ok, f"{where}: {report.problems}"
    points = open_record(record).points
    values = points[0].readings.magnitude.tolist() if points else []
    assert values == [float(i) for i in range(len(values))], f"{where}: gap or duplicate"
    assert set(map(float, acknowledged)) <= set(values), f"{where} lost acknowledged readings"
    if written_again:
        assert values == [float(i) for i in range(READINGS)], where
    return message


@pytest.mark.parametrize("persistent", [False, True], ids=["once", "stays-full"])
def test_a_full_disk_at_every_write_loses_nothing_acknowledged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], persistent: bool) -> None:
    calls = count_calls(tmp_path)
    assert {"open_file", "write_all", "sync", "publish", "sync_directory"} <= set(calls)
    assert len(calls) > 2 * READINGS  # every reading is written and synced
    messages = [fail_and_recover(tmp_path / f"k{k}", k, errno.ENOSPC, persistent=persistent,
                                 resume=k % 2 == 0, capsys=capsys)
                for k in range(1, len(calls) + 1)]
    assert any("could not write entry" in m and "reading" in m for m in messages)
    assert any(m.startswith("cannot write record") and "metrolab recover" in m
               for m in messages)
    assert any("not yet in the audit log" in m for m in messages)


@pytest.mark.slow
@pytest.mark.parametrize("number", [errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO,
                                    errno.EDQUOT], ids=errno.errorcode.get)
def test_every_other_cause_at_every_write_loses_nothing_acknowledged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], number: int) -> None:
    calls = count_calls(tmp_path)
    for k in range(1, len(calls) + 1):
        fail_and_recover(tmp_path / f"k{k}", k, number, persistent=False, resume=k % 2 == 1,
                         capsys=capsys)


def test_a_disk_that_fails_while_cutting_back_leaves_a_torn_line_that_resume_moves_aside(
        tmp_path: Path) -> None:
    path = tmp_path / "R.journal"
    acknowledged: list[int] = []
    with Journal.create(path, "R") as journal:
        journal.append("reading", {"point_id": "p1", "phase": "as_found", "index": 0,
                                   "value": 0.0, "unit": "V"})
        acknowledged.append(0)
        with DiskFaults(fail_at=1, number=errno.EIO, persistent=True), \
                pytest.raises(StoreError) as caught:
            journal.append("reading", {"point_id": "p1", "phase": "as_found", "index": 1,
                                       "value": 1.0, "unit": "V"})
    assert "a torn line after entry 1 is left" in str(caught.value)
    assert read_journal(path).problem is not None  # half a line is in the file
    with Journal.open_for_append(path) as reopened:
        assert reopened.last_seq == 1
    assert path.with_name("R.journal.torn").exists()
    assert [e.data["index"] for e in read_journal(path)] == acknowledged
