"""The run journal: append-only, checksummed, fsync'd; the record of truth during a run.

File format (UTF-8 text, one entry per line)::

    <sha256 hex> <canonical JSON>\\n

The JSON object is ``{"seq", "time", "kind", "data"}``. Line 0 is a header of kind
``journal`` whose data names the format, its version and the run ID. The checksum of
each line is ``SHA-256(previous checksum + " " + JSON)``, with 64 zeros before line 0,
so a changed, dropped or reordered line breaks every checksum after it.

Durability: :meth:`Journal.append` writes one whole line with a single ``write`` on an
``O_APPEND`` descriptor, then syncs it (:func:`metrolab.store.durable.sync`: ``fdatasync``,
``F_FULLFSYNC`` on macOS, ``fsync`` elsewhere) before it returns the sequence number.
A returned sequence number is therefore on disk. :meth:`Journal.append_many` writes
several lines with one ``write`` and one sync: none of them is acknowledged before all
are durable. A crash can only leave a torn last line, which readers ignore and
:meth:`Journal.open_for_append` moves aside to ``<journal>.torn``.

A write that fails (disk full, permission, read-only or immutable file, I/O error) is
cut back off and raises :class:`JournalWriteError` naming the cause, what is kept (the
last acknowledged entry, reading and point) and what to do; the journal then refuses
further appends with the same explanation.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store import durable
from metrolab.store.durable import canonical_json, sha256_hex
from metrolab.store.errors import (
    JournalCorruptError,
    JournalError,
    JournalLockedError,
    JournalWriteError,
)
from metrolab.store.journal_batch import plan_lines
from metrolab.store.journal_read import (
    FORMAT,
    GENESIS,
    JournalContents,
    JournalEntry,
    read_journal,
)
from metrolab.store.locking import FileLock, lock_path

__all__ = ["ENTRY_KINDS", "FORMAT", "FORMAT_VERSION", "GENESIS", "Journal", "JournalContents",
           "JournalEntry", "describe_entry", "read_journal"]

#: 2: runs of readings may be journalled as ``readings`` lines (metrolab.store.journal_batch);
#: a version 1 journal, resumed, goes on one reading per line
FORMAT_VERSION = 2
BATCH_VERSION = 2

#: the entry kinds of docs/interfaces.md, section "Store" (``samples``: a block of rows of a
#: data-acquisition run, metrolab.daq)
ENTRY_KINDS: frozenset[str] = frozenset(
    {"run_started", "instrument", "environment", "point_started", "reading",
     "point_result", "event", "run_ended", "samples"}
)


def _encode(prev_hash: str, seq: int, time: str, kind: str, data: Mapping[str, Any]) -> tuple[
    bytes, str
]:
    text = canonical_json({"seq": seq, "time": time, "kind": kind, "data": data})
    checksum = sha256_hex(f"{prev_hash} {text}".encode())
    return f"{checksum} {text}\n".encode(), checksum


def describe_entry(kind: str, data: Mapping[str, Any]) -> str:
    """Return a few words naming a journal entry for an operator (``reading 4 of point ...``)."""
    where = f"point {data.get('point_id')} ({data.get('phase')})" if "point_id" in data else ""
    if kind == "reading":
        return f"reading {data.get('index')} of {where}"
    if kind == "point_result":
        return f"the result of {where}"
    if kind == "point_started":
        return f"the start of {where}"
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} entry"


class Journal:
    """An open journal that one process appends to; use :meth:`create` or :meth:`open_for_append`.

    Holds an exclusive lock (:class:`~metrolab.store.locking.FileLock`) while open, so a
    second writer is refused; appends are thread-safe. Usable as a context manager
    (closes on exit).
    """

    def __init__(self, path: Path, fd: int, lock: FileLock, contents: JournalContents,
                 clock: Clock) -> None:
        self.path = path
        self.run_id = contents.run_id
        self._fd: int | None = fd
        self._file_lock = lock
        self._clock = clock
        self._last_hash = contents.last_hash
        self._seq = contents.last_seq
        self._size = contents.valid_size
        # readings in bulk (``readings`` lines) only where the header says readers know them
        self._batch = contents.version >= BATCH_VERSION
        self._lock = threading.Lock()  # appends from several threads keep their order
        self._failure: JournalWriteError | None = None
        self._last_reading: Mapping[str, Any] | None = next(
            (e.data for e in reversed(contents) if e.kind == "reading"), None)
        self._last_point: Mapping[str, Any] | None = next(
            (e.data for e in reversed(contents) if e.kind == "point_result"), None)

    @property
    def last_seq(self) -> int:
        """Return the sequence number of the last durable entry (0 if none)."""
        return self._seq

    @classmethod
    def create(cls, path: str | os.PathLike[str], run_id: str, *,
               clock: Clock | None = None) -> Journal:
        """Create a new journal for ``run_id`` at ``path`` and return it open for appending.

        The header is written to a temporary file, synced and published under ``path``
        without replacing anything, so the journal either does not exist or has a whole
        header. Refuses an existing file (:class:`JournalError`); a write that fails
        raises :class:`JournalWriteError` with its cause and leaves no file behind.
        """
        path = Path(path)
        clock = clock or WallClock()
        if not run_id or not isinstance(run_id, str):
            raise JournalError(f"a run ID (non-empty text) is needed to create {path}")
        line, _ = _encode(GENESIS, 0, isoformat(clock.now()), "journal",
                          {"format": FORMAT, "version": FORMAT_VERSION, "run_id": run_id})
        try:
            durable.write_file(path, line, overwrite=False)
        except FileExistsError as exc:
            raise JournalError(f"journal {path} already exists: resume it with "
                               "`metrolab resume` or choose a new file name") from exc
        except OSError as exc:
            failure = durable.explain(exc, path)
            raise JournalWriteError(
                f"cannot create journal {path}: {failure.cause}. Nothing was recorded and no "
                f"file was left behind. To do: {failure.remedy}, then start again") from exc
        return cls.open_for_append(path, clock=clock)

    @classmethod
    def open_for_append(cls, path: str | os.PathLike[str], *,
                        clock: Clock | None = None) -> Journal:
        """Open an existing journal to continue a run; return it.

        A torn last line (never acknowledged) is moved to ``<journal>.torn`` and cut off.
        Raises :class:`JournalLockedError` if another process is writing it,
        :class:`JournalCorruptError` if a bad line is followed by more lines and
        :class:`JournalWriteError` (with the cause) if it cannot be opened for writing.
        """
        path = Path(path)
        lock = FileLock(path)
        try:
            taken = lock.try_acquire()
        except OSError as exc:
            raise _unwritable(path, exc) from exc
        if not taken:
            raise JournalLockedError(
                f"journal {path} is being written by another process; stop that run "
                f"first (or wait for it to end). If no metrolab process is running, delete "
                f"its lock file {lock_path(path)} (left by a crash on a system without "
                "operating-system locks)")
        try:
            try:
                fd = durable.open_file(path, os.O_RDWR | os.O_APPEND)
            except FileNotFoundError as exc:
                raise JournalError(f"cannot open journal {path}: no such file") from exc
            except OSError as exc:
                raise _unwritable(path, exc) from exc
            try:
                contents = read_journal(path)
                if contents.problem is not None:
                    if contents.trailing_lines:
                        raise JournalCorruptError(
                            f"journal {path}: {contents.problem}. This is damage, not a "
                            "crash; keep the file as evidence and seal it with "
                            "`metrolab recover`")
                    _cut_torn_tail(path, fd, contents.valid_size)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            lock.release()
            raise
        return cls(path, fd, lock, contents, clock or WallClock())

    def append(self, kind: str, data: Mapping[str, Any]) -> int:
        """Write one entry and make it durable; return its sequence number.

        Raises :class:`JournalWriteError` (journal unchanged) if it cannot be written.
        """
        return self.append_many([(kind, data)])[0]

    def append_many(self, entries: Iterable[tuple[str, Mapping[str, Any]]]) -> list[int]:
        """Write several entries with one write and one sync; return their numbers.

        Nothing is acknowledged before all are durable; on failure none is recorded.
        Consecutive readings of one point, phase and unit (float time and value, integer
        index) are written as ``readings`` lines that hold them as binary columns
        (:mod:`metrolab.store.journal_batch`); each reading keeps its own number.
        """
        with self._lock:
            return self._append_locked(list(entries))

    def _append_locked(self, entries: list[tuple[str, Mapping[str, Any]]]) -> list[int]:
        fd = self._require_open()
        chunks: list[bytes] = []
        seq, last_hash = self._seq, self._last_hash
        now = isoformat(self._clock.now())
        for kind, _ in entries:
            if kind not in ENTRY_KINDS:
                raise JournalError(f"journal {self.path}: unknown entry kind {kind!r}; "
                                   f"use one of {', '.join(sorted(ENTRY_KINDS))}")
        for kind, data, count in plan_lines(entries, batch=self._batch):
            try:
                line, last_hash = _encode(last_hash, seq + 1, now, kind, data)
            except (TypeError, ValueError) as exc:
                raise JournalError(f"journal {self.path}: {kind} entry data is not "
                                   f"JSON-safe: {exc}") from exc
            seq += count
            chunks.append(line)
        if not chunks:
            return []
        try:
            durable.write_all(fd, b"".join(chunks))
            durable.sync(fd)
        except OSError as exc:
            self._undo(exc, entries)
        first = self._seq + 1
        self._seq, self._last_hash = seq, last_hash
        self._size += sum(len(chunk) for chunk in chunks)
        for kind, data in entries:
            if kind == "reading":
                self._last_reading = data
            elif kind == "point_result":
                self._last_point = data
        return list(range(first, seq + 1))

    def _undo(self, exc: OSError, entries: list[tuple[str, Mapping[str, Any]]]) -> None:
        """Cut a failed write back off, close, and raise :class:`JournalWriteError`."""
        fd = self._require_open()
        try:
            durable.truncate(fd, self._size)
            durable.sync(fd)
            torn = ""
        except OSError:
            torn = (f" (a torn line after entry {self._seq} is left and will be moved aside "
                    "when the journal is reopened)")
        self.close()  # after a failed sync the page cache cannot be trusted
        first = self._seq + 1
        what = (f"entry {first} ({describe_entry(*entries[0])})" if len(entries) == 1
                else f"entries {first}-{first + len(entries) - 1} "
                     f"({describe_entry(*entries[0])} and after)")
        failure = durable.explain(exc, self.path)
        then = (f"`metrolab resume {self.path}` to go on at the first incomplete point, or "
                f"`metrolab recover {self.path}` to seal what is kept") if self._seq else (
                "start again: nothing was recorded in it (`metrolab recover "
                f"{self.path}` seals it as an empty, aborted run)")
        self._failure = JournalWriteError(
            f"journal {self.path}: could not write {what}: {failure.cause}. It was NOT "
            f"recorded. Kept: {self._kept()}{torn}. To do: {failure.remedy}, then {then}")
        raise self._failure from exc

    def _kept(self) -> str:
        """Return what the journal holds for sure, for an operator."""
        if not self._seq:
            return f"{self.path} holds its header only"
        parts = [f"entries 1-{self._seq} of {self.path} are on disk"]
        if self._last_reading is not None:
            parts.append("the last acknowledged reading is "
                         + describe_entry("reading", self._last_reading))
        parts.append("the last completed point is " + (
            f"{self._last_point.get('point_id')} ({self._last_point.get('phase')})"
            if self._last_point is not None else "none"))
        return ", ".join(parts)

    def _require_open(self) -> int:
        if self._failure is not None:
            raise JournalWriteError(str(self._failure)) from self._failure
        if self._fd is None:
            raise JournalError(f"journal {self.path} was closed by this program; reopen "
                               "it (`metrolab resume`) to write more")
        return self._fd

    def close(self) -> None:
        """Release the lock and close the file; return nothing. Closing twice is harmless."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            finally:
                self._file_lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unwritable(path: Path, exc: OSError) -> JournalWriteError:
    """Return the error for a journal that cannot be opened (or locked) for writing."""
    failure = durable.explain(exc, path)
    try:
        kept = f"{path} with its {read_journal(path).last_seq} entries, unchanged"
    except JournalError:
        kept = f"{path}, unchanged"
    return JournalWriteError(f"cannot open journal {path} for writing: {failure.cause}. "
                             f"Kept: {kept}. To do: {failure.remedy}, then try again")


def _cut_torn_tail(path: Path, fd: int, valid_size: int) -> None:
    """Move the bytes after ``valid_size`` to ``<path>.torn`` and truncate the journal."""
    with open(path, "rb") as handle:
        handle.seek(valid_size)
        torn = handle.read()
    torn_path = path.with_name(path.name + ".torn")
    try:
        keep = durable.open_file(torn_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            durable.write_all(keep, torn + b"\n")
            durable.sync(keep)
        finally:
            os.close(keep)
        durable.truncate(fd, valid_size)
        durable.sync(fd)
    except OSError as exc:
        failure = durable.explain(exc, torn_path)
        raise JournalWriteError(
            f"cannot move the torn last line of journal {path} aside to {torn_path}: "
            f"{failure.cause}. Kept: every acknowledged entry of {path}; the torn line was "
            f"never acknowledged. To do: {failure.remedy}, then try again") from exc
