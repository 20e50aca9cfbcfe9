"""The run journal: append-only, checksummed, fsync'd; the record of truth during a run.

File format (UTF-8 text, one entry per line)::

    <sha256 hex> <canonical JSON>\\n

The JSON object is ``{"seq", "time", "kind", "data"}``. Line 0 is a header of kind
``journal`` whose data names the format, its version and the run ID. The checksum of
each line is ``SHA-256(previous checksum + " " + JSON)``, with 64 zeros before line 0,
so a changed, dropped or reordered line breaks every checksum after it.

Durability: :meth:`Journal.append` writes one whole line with a single ``write`` on an
``O_APPEND`` descriptor, then calls ``fdatasync`` before it returns the sequence number.
A returned sequence number is therefore on disk. :meth:`Journal.append_many` writes
several lines with one ``write`` and one ``fdatasync``: none of them is acknowledged
before all are durable. A crash can only leave a torn last line, which readers ignore and
:meth:`Journal.open_for_append` moves aside to ``<journal>.torn``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store.durable import canonical_json, fsync_directory, sha256_hex, write_all
from metrolab.store.errors import (
    JournalCorruptError,
    JournalError,
    JournalLockedError,
    JournalWriteError,
)
from metrolab.store.journal_read import (
    FORMAT,
    GENESIS,
    JournalContents,
    JournalEntry,
    read_journal,
)

__all__ = ["ENTRY_KINDS", "FORMAT", "FORMAT_VERSION", "GENESIS", "Journal", "JournalContents",
           "JournalEntry", "read_journal"]

FORMAT_VERSION = 1

#: the entry kinds of docs/interfaces.md, section "Store"
ENTRY_KINDS: frozenset[str] = frozenset(
    {"run_started", "instrument", "environment", "point_started", "reading",
     "point_result", "event", "run_ended"}
)


def _encode(prev_hash: str, seq: int, time: str, kind: str, data: Mapping[str, Any]) -> tuple[
    bytes, str
]:
    text = canonical_json({"seq": seq, "time": time, "kind": kind, "data": data})
    checksum = sha256_hex(f"{prev_hash} {text}".encode())
    return f"{checksum} {text}\n".encode(), checksum


class Journal:
    """An open journal that one process appends to; use :meth:`create` or :meth:`open_for_append`.

    Holds an exclusive ``flock`` on the file while open, so a second writer is refused;
    appends are thread-safe. Usable as a context manager (closes on exit).
    """

    def __init__(self, path: Path, fd: int, contents: JournalContents, clock: Clock) -> None:
        self.path = path
        self.run_id = contents.run_id
        self._fd: int | None = fd
        self._clock = clock
        self._last_hash = contents.last_hash
        self._seq = contents.last_seq
        self._size = contents.valid_size
        self._lock = threading.Lock()  # appends from several threads keep their order

    @property
    def last_seq(self) -> int:
        """Return the sequence number of the last durable entry (0 if none)."""
        return self._seq

    @classmethod
    def create(cls, path: str | os.PathLike[str], run_id: str, *,
               clock: Clock | None = None) -> Journal:
        """Create a new journal for ``run_id`` at ``path`` and return it open for appending.

        The header is written to a temporary file, fsync'd and linked into place, so the
        journal either does not exist or has a whole header. Refuses an existing file.
        """
        path = Path(path)
        clock = clock or WallClock()
        if not run_id or not isinstance(run_id, str):
            raise JournalError(f"a run ID (non-empty text) is needed to create {path}")
        line, _ = _encode(GENESIS, 0, isoformat(clock.now()), "journal",
                          {"format": FORMAT, "version": FORMAT_VERSION, "run_id": run_id})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                write_all(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            finally:
                tmp.unlink()
            fsync_directory(path.parent)
        except FileExistsError as exc:
            raise JournalError(f"journal {path} already exists: resume it with "
                               "Journal.open_for_append or choose a new file name") from exc
        except OSError as exc:
            raise JournalWriteError(
                f"cannot create journal {path}: {exc.strerror or exc}; choose a writable "
                "directory with free space") from exc
        return cls.open_for_append(path, clock=clock)

    @classmethod
    def open_for_append(cls, path: str | os.PathLike[str], *,
                        clock: Clock | None = None) -> Journal:
        """Open an existing journal to continue a run; return it.

        A torn last line (never acknowledged) is moved to ``<journal>.torn`` and cut off.
        Raises :class:`JournalLockedError` if another process is writing it and
        :class:`JournalCorruptError` if a bad line is followed by more lines.
        """
        path = Path(path)
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise JournalError(f"cannot open journal {path}: {exc.strerror or exc}") from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise JournalLockedError(
                    f"journal {path} is being written by another process; stop that run "
                    "first (or wait for it to end)") from exc
            contents = read_journal(path)
            if contents.problem is not None:
                if contents.trailing_lines:
                    raise JournalCorruptError(
                        f"journal {path}: {contents.problem}. This is damage, not a crash; "
                        "keep the file as evidence and seal it with `metrolab recover`")
                _cut_torn_tail(path, fd, contents.valid_size)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, contents, clock or WallClock())

    def append(self, kind: str, data: Mapping[str, Any]) -> int:
        """Write one entry and make it durable; return its sequence number.

        Raises :class:`JournalWriteError` (journal unchanged) if it cannot be written.
        """
        return self.append_many([(kind, data)])[0]

    def append_many(self, entries: Iterable[tuple[str, Mapping[str, Any]]]) -> list[int]:
        """Write several entries with one write and one fdatasync; return their numbers.

        Nothing is acknowledged before all are durable; on failure none is recorded.
        """
        with self._lock:
            return self._append_locked(list(entries))

    def _append_locked(self, entries: list[tuple[str, Mapping[str, Any]]]) -> list[int]:
        fd = self._require_open()
        chunks: list[bytes] = []
        seq, last_hash = self._seq, self._last_hash
        now = isoformat(self._clock.now())
        for kind, data in entries:
            if kind not in ENTRY_KINDS:
                raise JournalError(f"journal {self.path}: unknown entry kind {kind!r}; "
                                   f"use one of {', '.join(sorted(ENTRY_KINDS))}")
            seq += 1
            try:
                line, last_hash = _encode(last_hash, seq, now, kind, data)
            except (TypeError, ValueError) as exc:
                raise JournalError(f"journal {self.path}: {kind} entry data is not "
                                   f"JSON-safe: {exc}") from exc
            chunks.append(line)
        if not chunks:
            return []
        try:
            write_all(fd, b"".join(chunks))
            os.fdatasync(fd)
        except OSError as exc:
            self._undo(exc)
        first = self._seq + 1
        self._seq, self._last_hash = seq, last_hash
        self._size += sum(len(chunk) for chunk in chunks)
        return list(range(first, seq + 1))

    def _undo(self, exc: OSError) -> None:
        """Cut a failed write back off and raise :class:`JournalWriteError`."""
        fd = self._require_open()
        try:
            os.ftruncate(fd, self._size)
            os.fsync(fd)
            state = f"the journal is intact up to entry {self._seq}"
        except OSError:
            state = (f"entries up to {self._seq} are intact; a torn line after them will be "
                     "discarded when the journal is reopened")
        self.close()  # after a failed fsync the page cache cannot be trusted
        raise JournalWriteError(
            f"could not write entry {self._seq + 1} to journal {self.path}: "
            f"{exc.strerror or exc}. It was NOT recorded; {state}. Free disk space or fix "
            "permissions, then resume the run (Journal.open_for_append) or seal what is "
            "there with `metrolab recover`") from exc

    def _require_open(self) -> int:
        if self._fd is None:
            raise JournalError(f"journal {self.path} is closed; reopen it with "
                               "Journal.open_for_append")
        return self._fd

    def close(self) -> None:
        """Release the lock and close the file; return nothing. Closing twice is harmless."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cut_torn_tail(path: Path, fd: int, valid_size: int) -> None:
    """Move the bytes after ``valid_size`` to ``<path>.torn`` and truncate the journal."""
    with open(path, "rb") as handle:
        handle.seek(valid_size)
        torn = handle.read()
    torn_path = path.with_name(path.name + ".torn")
    try:
        with open(torn_path, "ab") as keep:
            keep.write(torn + b"\n")
        os.ftruncate(fd, valid_size)
        os.fsync(fd)
    except OSError as exc:
        raise JournalWriteError(f"cannot cut the torn last line off journal {path}: "
                                f"{exc.strerror or exc}; fix permissions and retry") from exc
