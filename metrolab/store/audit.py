"""The audit log: one append-only, hash-chained file beside the sealed records.

``audit.log`` lives in the same directory as the records it speaks for. Each line is one
canonical JSON object with ``seq``, ``time`` (ISO 8601 UTC), ``action``, ``record_id``,
the action's own fields, ``prev`` (the previous line's ``hash``, 64 zeros for the first)
and ``hash`` = SHA-256 of the canonical JSON of the object without ``hash``. Actions:

- ``sealed``: a record was sealed (file, content_sha256, file_sha256, status, journal...)
- ``registered``: a record sealed before a crash was entered by ``metrolab recover``
- ``reviewed``, ``approved``: a review step (who, content_sha256)
- ``amended``: a new record replaces ``amends`` (who, reason, changes, hashes)
- ``torn_tail_removed``: an interrupted append was cut off (its bytes kept in
  ``audit.log.torn``) before the next entry was written

Review state therefore lives outside the sealed file, which is never edited.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store import durable
from metrolab.store.durable import canonical_json, sha256_hex
from metrolab.store.errors import AuditLogError
from metrolab.store.locking import FileLock

AUDIT_LOG_NAME = "audit.log"
GENESIS = "0" * 64
RECORD_ACTIONS = ("sealed", "registered", "amended")
TORN = ("the last line has no line end: an interrupted append (removed by the next append) "
        "or an edit")


def entry_hash(entry: dict[str, Any]) -> str:
    """Return the SHA-256 (hex) of ``entry`` without its ``hash`` field, canonically encoded."""
    body = {key: value for key, value in entry.items() if key != "hash"}
    return sha256_hex(canonical_json(body).encode())


@dataclass(frozen=True)
class ReviewState:
    """Where a record stands: ``state`` is draft, reviewed or approved.

    ``who`` and ``when`` (ISO 8601) belong to the latest step; ``history`` holds every step
    as ``{action, who, time}``; ``superseded_by`` names the amendment that replaced it.
    """

    state: str
    who: str | None = None
    when: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    superseded_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None


@dataclass
class AuditLog:
    """The audit log at ``path``; :meth:`for_record` finds the one beside a record."""

    path: Path
    clock: Clock = field(default_factory=WallClock)

    @classmethod
    def for_record(cls, record_path: str | os.PathLike[str]) -> AuditLog:
        """Return the audit log of the directory that holds ``record_path``."""
        return cls(Path(record_path).resolve().parent / AUDIT_LOG_NAME)

    def append(self, action: str, record_id: str, **fields: Any) -> dict[str, Any]:
        """Append one entry chained to the last and make it durable; return the entry."""
        with self._locked() as fd:
            entries, problems = self._read()
            if problems == [TORN]:
                removed = self._cut_torn_tail(fd)
                entries.append(self._write(fd, entries, "torn_tail_removed", record_id,
                                           {"removed_bytes": len(removed),
                                            "removed_sha256": sha256_hex(removed),
                                            "note": "an append was interrupted (power loss?); "
                                                    "its bytes are in audit.log.torn"}))
                problems = []
            if problems:
                raise AuditLogError(
                    f"audit log {self.path} is broken ({problems[0]}); nothing was added. "
                    "Keep it as evidence and start a new records directory")
            return self._write(fd, entries, action, record_id, fields)

    def _write(self, fd: int, entries: list[dict[str, Any]], action: str, record_id: str,
               fields: dict[str, Any]) -> dict[str, Any]:
        prev = entries[-1]["hash"] if entries else GENESIS
        entry = {"seq": len(entries) + 1, "time": isoformat(self.clock.now()),
                 "action": action, "record_id": record_id, **fields, "prev": prev}
        entry["hash"] = entry_hash(entry)
        size = os.fstat(fd).st_size
        try:
            durable.write_all(fd, (canonical_json(entry) + "\n").encode())
            durable.sync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # best effort; a torn line is cut off later
                durable.truncate(fd, size)
            failure = durable.explain(exc, self.path)
            raise AuditLogError(
                f"cannot append {action} of {record_id} to audit log {self.path}: "
                f"{failure.cause}; the log keeps its {len(entries)} earlier entries. "
                f"To do: {failure.remedy}, then try again") from exc
        return entry

    def _cut_torn_tail(self, fd: int) -> bytes:
        """Move the bytes after the last line end to ``audit.log.torn``; return them."""
        raw = self.path.read_bytes()
        keep = raw.rfind(b"\n") + 1
        torn_path = self.path.with_name(self.path.name + ".torn")
        try:
            torn = durable.open_file(torn_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                durable.write_all(torn, raw[keep:] + b"\n")
                durable.sync(torn)
            finally:
                os.close(torn)
            durable.truncate(fd, keep)
            durable.sync(fd)
        except OSError as exc:
            failure = durable.explain(exc, torn_path)
            raise AuditLogError(f"cannot remove the torn last line of {self.path}: "
                                f"{failure.cause}; {failure.remedy}, then try again") from exc
        return raw[keep:]

    @contextmanager
    def _locked(self) -> Iterator[int]:
        lock = FileLock(self.path)
        try:
            lock.acquire()
            existed = self.path.exists()
            fd = durable.open_file(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        except OSError as exc:
            lock.release()
            failure = durable.explain(exc, self.path)
            raise AuditLogError(f"cannot open audit log {self.path} for writing: "
                                f"{failure.cause}; {failure.remedy}") from exc
        try:
            if not existed:
                try:
                    durable.sync_directory(self.path.parent)
                except OSError as exc:
                    failure = durable.explain(exc, self.path)
                    raise AuditLogError(f"cannot make the new audit log {self.path} durable: "
                                        f"{failure.cause}; {failure.remedy}") from exc
            yield fd
        finally:
            os.close(fd)
            lock.release()

    def entries(self) -> list[dict[str, Any]]:
        """Return every entry of the log as dicts, oldest first ([] if there is no log).

        A torn last line (an interrupted append) is not an entry and is skipped.
        Raises :class:`AuditLogError` if the log is broken (see :meth:`problems`).
        """
        entries, problems = self._read()
        problems = [problem for problem in problems if problem != TORN]  # not an entry yet
        if problems:
            raise AuditLogError(f"audit log {self.path} is broken: {'; '.join(problems)}")
        return entries

    def problems(self) -> list[str]:
        """Return what is wrong with the chain (empty when every line and link is intact)."""
        return self._read()[1]

    def _read(self) -> tuple[list[dict[str, Any]], list[str]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            raise AuditLogError(f"cannot read audit log {self.path}: "
                                f"{exc.strerror or exc}") from exc
        entries: list[dict[str, Any]] = []
        problems: list[str] = []
        prev = GENESIS
        lines = raw.split(b"\n")
        if lines[-1]:
            problems.append(TORN)
        for number, line in enumerate(lines[:-1], start=1):
            try:
                entry = json.loads(line.decode("utf-8"))
                stored = entry["hash"]
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number} is not a JSON audit entry")
                prev = "?"
                continue
            if entry_hash(entry) != stored:
                problems.append(f"line {number} ({entry.get('action')} of "
                                f"{entry.get('record_id')}) was changed: its hash does not match")
            elif entry.get("prev") != prev and prev != "?":
                problems.append(f"line {number} does not chain to line {number - 1} "
                                "(a line was removed, inserted or reordered)")
            if entry.get("seq") != number:
                problems.append(f"line {number} has sequence number {entry.get('seq')}")
            entries.append(entry)
            prev = stored
        return entries, problems

    def record_entry(self, record_id: str) -> dict[str, Any] | None:
        """Return the entry that sealed, registered or amended-in ``record_id``, or None."""
        found = None
        for entry in self.entries():
            if entry["record_id"] == record_id and entry["action"] in RECORD_ACTIONS:
                found = entry
        return found

    def review_state(self, record_id: str) -> ReviewState:
        """Return the review state of ``record_id`` as the log tells it."""
        state, who, when = "draft", None, None
        reviewed_by = approved_by = superseded_by = None
        history: list[dict[str, Any]] = []
        for entry in self.entries():
            if entry["action"] == "amended" and entry.get("amends") == record_id:
                superseded_by = entry["record_id"]
            if entry["record_id"] != record_id:
                continue
            if entry["action"] in ("reviewed", "approved"):
                state, who, when = entry["action"], entry["who"], entry["time"]
                if state == "reviewed":
                    reviewed_by = who
                else:
                    approved_by = who
            history.append({"action": entry["action"], "who": entry.get("who"),
                            "time": entry["time"]})
        return ReviewState(state, who, when, tuple(history), superseded_by, reviewed_by,
                           approved_by)
