"""The run journal: durable appends, checksums, torn tails, locking, disk-full errors."""

from __future__ import annotations

import errno
import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.clock import VirtualClock
from metrolab.store import durable
from metrolab.store.errors import (
    JournalCorruptError,
    JournalError,
    JournalLockedError,
    JournalWriteError,
)
from metrolab.store.journal import Journal, read_journal


def _reading(index: int) -> dict[str, object]:
    return {"point_id": "p", "phase": "as_found", "index": index, "time": 1.0 * index,
            "value": 1.0 + index, "unit": "V"}


def test_entries_come_back_in_order_with_sequence_numbers(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1", clock=VirtualClock(0.0)) as journal:
        assert journal.append("reading", _reading(0)) == 1
        assert journal.append_many([("reading", _reading(1)), ("reading", _reading(2))]) == [2, 3]
        assert journal.append("event", {"type": "note", "value": float("nan")}) == 4
    contents = read_journal(path)
    assert contents.run_id == "R1"
    assert contents.problem is None
    assert [e.seq for e in contents] == [1, 2, 3, 4]
    assert [e.data["value"] for e in contents[:3]] == [1.0, 2.0, 3.0]
    assert contents[0].time == "1970-01-01T00:00:00+00:00"
    assert contents[3].data["value"] != contents[3].data["value"]  # NaN survives


def test_a_torn_last_line_is_ignored_and_moved_aside_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1") as journal:
        journal.append("reading", _reading(0))
    good = path.read_bytes()
    with open(path, "ab") as handle:
        handle.write(b'0123 {"seq":2,"ki')
    contents = read_journal(path)
    assert len(contents) == 1
    assert contents.problem is not None and "torn" in contents.problem
    with Journal.open_for_append(path) as journal:
        assert journal.append("reading", _reading(1)) == 2
    assert path.read_bytes().startswith(good)
    assert [e.seq for e in read_journal(path)] == [1, 2]
    assert (tmp_path / "run.journal.torn").read_bytes() == b'0123 {"seq":2,"ki\n'


def test_a_changed_line_stops_the_read_and_is_refused_for_appending(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1") as journal:
        for index in range(3):
            journal.append("reading", _reading(index))
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"value":2.0', b'"value":2.5')
    path.write_bytes(b"\n".join(lines))
    contents = read_journal(path)
    assert [e.seq for e in contents] == [1]
    assert contents.problem is not None
    assert "checksum" in contents.problem and "1 complete line(s) after it" in contents.problem
    with pytest.raises(JournalCorruptError, match="damage"):
        Journal.open_for_append(path)


def test_a_dropped_line_breaks_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1") as journal:
        for index in range(3):
            journal.append("reading", _reading(index))
    lines = path.read_bytes().split(b"\n")
    del lines[2]
    path.write_bytes(b"\n".join(lines))
    assert [e.seq for e in read_journal(path)] == [1]


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1"), pytest.raises(JournalLockedError, match="another process"):
        Journal.open_for_append(path)


def test_create_refuses_an_existing_journal_and_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    Journal.create(path, "R1").close()
    with pytest.raises(JournalError, match="already exists"):
        Journal.create(path, "R2")
    with pytest.raises(JournalError, match="run ID"):
        Journal.create(tmp_path / "other.journal", "")
    with Journal.open_for_append(path) as journal:
        with pytest.raises(JournalError, match="unknown entry kind 'readings'"):
            journal.append("readings", {})
        with pytest.raises(JournalError, match="not JSON-safe"):
            journal.append("event", {"bad": object()})
        assert journal.append("event", {"type": "note"}) == 1


def test_a_file_that_is_not_a_journal_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(JournalError, match="not a metrolab journal"):
        read_journal(path)
    with pytest.raises(JournalError, match="cannot read journal"):
        read_journal(tmp_path / "missing.journal")


@pytest.mark.parametrize("failing", ["write", "sync"])
def test_disk_full_leaves_the_journal_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             failing: str) -> None:
    path = tmp_path / "run.journal"
    journal = Journal.create(path, "R1")
    journal.append("reading", _reading(0))
    journal.append("point_result", {"point_id": "p", "phase": "as_found"})
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))  # part of the line reaches the file
        raise OSError(errno.ENOSPC, "No space left on device")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(durable.os, "write", half_then_full)
    else:
        monkeypatch.setattr(durable, "sync", no_space)
    with pytest.raises(JournalWriteError) as caught:
        journal.append("reading", _reading(1))
    monkeypatch.undo()
    message = str(caught.value)
    assert f"journal {path}: could not write entry 3 (reading 1 of point p (as_found))" in message
    assert "the disk is full (ENOSPC" in message and "NOT recorded" in message
    assert (f"Kept: entries 1-2 of {path} are on disk, the last acknowledged reading is "
            "reading 0 of point p (as_found), the last completed point is p (as_found)") in message
    assert f"free space on the disk that holds {tmp_path}" in message
    assert f"`metrolab resume {path}`" in message and f"`metrolab recover {path}`" in message
    assert "\n" not in message
    assert path.read_bytes() == before
    with pytest.raises(JournalWriteError) as again:  # not "closed; reopen it"
        journal.append("reading", _reading(1))
    assert str(again.value) == message
    with Journal.open_for_append(path) as reopened:
        assert reopened.append("reading", _reading(1)) == 3


@pytest.mark.parametrize(("number", "cause"), [
    (errno.EACCES, "permission was denied (EACCES)"),
    (errno.EPERM, "immutable or append-only"),
    (errno.EROFS, "the file system is read-only (EROFS)"),
    (errno.EIO, "input/output error occurred (EIO)"),
])
def test_every_cause_is_named_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              number: int, cause: str) -> None:
    path = tmp_path / "run.journal"
    journal = Journal.create(path, "R1")

    def fail(fd: int, data: bytes) -> None:
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(durable, "write_all", fail)
    with pytest.raises(JournalWriteError) as caught:
        journal.append("reading", _reading(0))
    message = str(caught.value)
    assert cause in message and f"Kept: {path} holds its header only" in message
    assert "To do: " in message and "closed" not in message


def test_permission_denied_on_create_says_which_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(durable.os, "open", denied)
    with pytest.raises(JournalWriteError,
                       match=r"cannot create journal .*permission was denied \(EACCES\)"):
        Journal.create(tmp_path / "run.journal", "R1")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_creating_leaves_no_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable, "sync", no_space)
    with pytest.raises(JournalWriteError, match=r"the disk is full .*no file was left behind"):
        Journal.create(tmp_path / "run.journal", "R1")
    assert list(tmp_path.iterdir()) == []


def test_a_journal_on_a_read_only_disk_cannot_be_reopened_and_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1") as journal:
        journal.append("reading", _reading(0))
    real_open = durable.open_file

    def read_only(target: Path, flags: int, mode: int = 0o644) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(target, flags, mode)

    monkeypatch.setattr(durable, "open_file", read_only)
    with pytest.raises(JournalWriteError) as caught:
        Journal.open_for_append(path)
    message = str(caught.value)
    assert f"cannot open journal {path} for writing: the file system is read-only" in message
    assert f"Kept: {path} with its 1 entries, unchanged" in message
    monkeypatch.undo()
    with Journal.open_for_append(path) as reopened:  # the lock was given back
        assert reopened.last_seq == 1


def test_appends_from_several_threads_keep_one_unbroken_chain(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    with Journal.create(path, "R1") as journal, ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(lambda i: journal.append("reading", _reading(i)), range(80)))
    assert sorted(numbers) == list(range(1, 81))
    contents = read_journal(path)
    assert contents.problem is None
    assert sorted(e.data["index"] for e in contents) == list(range(80))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.text(max_size=8), _json_values, max_size=5))
def test_any_json_safe_data_comes_back_unchanged(tmp_path: Path, data: dict[str, object]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.journal"
    with Journal.create(path, "R1") as journal:
        journal.append("event", data)
    assert read_journal(path)[0].data == data


def _rechained(path: Path, bodies: list[bytes]) -> None:
    """Rewrite the journal's entry lines with ``bodies`` and correct checksums."""
    header = path.read_bytes().split(b"\n")[0]
    prev, lines = header[:64], [header]
    for body in bodies:
        prev = hashlib.sha256(prev + b" " + body).hexdigest().encode()
        lines.append(prev + b" " + body)
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_lines_with_right_checksums_are_judged_by_their_json(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    Journal.create(path, "R1", clock=VirtualClock(0.0)).close()
    entry = b'{"data":{"v":1},"kind":"event","seq":%d,"time":"t"}'
    _rechained(path, [entry % 1, b" " + entry % 2 + b" ", b'{"data":[["v",3]],"kind":"event",'
                      b'"seq":"3","time":"t"}', entry % 4 + b"{}", entry % 5])
    contents = read_journal(path)
    assert [(e.seq, e.data) for e in contents] == [(1, {"v": 1}), (2, {"v": 1}), (3, {"v": 3})]
    assert contents.problem is not None
    assert contents.problem.startswith("line 5 (byte ") and "unreadable JSON" in contents.problem
    assert contents.trailing_lines == 1
