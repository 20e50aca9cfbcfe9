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

An entry made with a signing key also holds ``who`` (the key holder), ``signer``
(fingerprint and public key) and ``signature`` (Ed25519 over the entry without ``hash``
and ``signature``, see :mod:`metrolab.store.signing`). Review state lives outside the
sealed file, which is never edited, and counts only steps whose signature verifies.
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
from metrolab.store import durable, events
from metrolab.store.durable import canonical_json, sha256_hex
from metrolab.store.errors import AuditLogError
from metrolab.store.locking import FileLock
from metrolab.store.signers import Signer, check_entry
from metrolab.store.signing import KeyRegister, SigningKey, signed_bytes

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

    Only review steps whose signature verifies count (against the register when one is
    given); an amendment marks the record superseded whether signed or not (that only
    restricts it; verify reports an unsigned one).
    ``who`` and ``when`` (ISO 8601) belong to the latest step; ``history`` holds every
    counted step as ``{action, who, time}``; ``superseded_by`` names the amendment that
    replaced it; ``signers`` are the verified signatures on the record (seal, review,
    approval); ``ignored`` says which log lines claim a step that does not count, and why.
    """

    state: str
    who: str | None = None
    when: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    superseded_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    signers: tuple[Signer, ...] = ()
    ignored: tuple[str, ...] = ()


@dataclass
class AuditLog:
    """The audit log at ``path``; :meth:`for_record` finds the one beside a record."""

    path: Path
    clock: Clock = field(default_factory=WallClock)

    @classmethod
    def for_record(cls, record_path: str | os.PathLike[str]) -> AuditLog:
        """Return the audit log of the directory that holds ``record_path``."""
        return cls(Path(record_path).resolve().parent / AUDIT_LOG_NAME)

    def append(self, action: str, record_id: str, *, signer: SigningKey | None = None,
               **fields: Any) -> dict[str, Any]:
        """Append one entry chained to the last and make it durable; return the entry.

        With ``signer`` the entry names its holder (``who``) and carries the signature.
        Once the entry is durable (and the log unlocked) it is published to the
        listeners of :mod:`metrolab.store.events`.
        """
        with self._locked() as fd:
            entries, problems = self._read()
            if problems == [TORN]:
                removed = self._cut_torn_tail(fd)
                entries.append(self._write(fd, self._new_entry(
                    entries, "torn_tail_removed", record_id,
                    {"removed_bytes": len(removed), "removed_sha256": sha256_hex(removed),
                     "note": "an append was interrupted (power loss?); its bytes are in "
                             "audit.log.torn"}, signer)))
                problems = []
            if problems:
                raise AuditLogError(
                    f"audit log {self.path} is broken ({problems[0]}); nothing was added. "
                    "Keep it as evidence and start a new records directory")
            written = self._write(fd, self._new_entry(entries, action, record_id, fields, signer))
        events.publish(events.RecordEvent(action, record_id, self.path.parent, written))
        return written

    def _new_entry(self, entries: list[dict[str, Any]], action: str, record_id: str,
                   fields: dict[str, Any], signer: SigningKey | None) -> dict[str, Any]:
        """Return the next entry, chained to ``entries``, signed by ``signer`` if given."""
        prev = entries[-1]["hash"] if entries else GENESIS
        entry = {"seq": len(entries) + 1, "time": isoformat(self.clock.now()),
                 "action": action, "record_id": record_id, **fields, "prev": prev}
        if signer is not None:
            entry["who"] = signer.name
            entry["signer"] = signer.signer_block()
            entry["signature"] = signer.sign(signed_bytes(entry))
        entry["hash"] = entry_hash(entry)
        return entry

    def _write(self, fd: int, entry: dict[str, Any]) -> dict[str, Any]:
        action, record_id = entry["action"], entry["record_id"]
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
                f"{failure.cause}; the log keeps its {entry['seq'] - 1} earlier entries. "
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

    def read(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Return (every entry that parses, what is wrong with the chain) in one reading."""
        return self._read()

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

    def head(self) -> dict[str, Any] | None:
        """Return the last entry of the log (its ``hash`` is the log's head), or None."""
        entries = self.entries()
        return entries[-1] if entries else None

    def review_state(self, record_id: str, register: KeyRegister | None = None) -> ReviewState:
        """Return the review state of ``record_id`` from the steps whose signature verifies.

        Without ``register`` a signature is checked against the key the entry carries;
        with it, the key must be the register's, held by the signer, not yet revoked.
        """
        return review_state(self.entries(), record_id, register)


def review_state(entries: list[dict[str, Any]], record_id: str,
                 register: KeyRegister | None = None) -> ReviewState:
    """Return the review state of ``record_id`` told by the audit-log ``entries``."""
    state, who, when = "draft", None, None
    reviewed_by = approved_by = superseded_by = None
    reviewer: Signer | None = None
    sealed_hash: str | None = None
    history: list[dict[str, Any]] = []
    signers: list[Signer] = []
    ignored: list[str] = []
    for entry in entries:
        if entry["action"] == "amended" and entry.get("amends") == record_id:
            # being replaced only takes rights away (no certificate from the original),
            # so any amendment line counts; verify reports one that is not signed
            superseded_by = entry["record_id"]
        if entry["record_id"] != record_id or entry["action"] == "torn_tail_removed":
            continue
        action = entry["action"]
        signer, problem = check_entry(entry, register)
        if action in RECORD_ACTIONS:
            sealed_hash = entry.get("content_sha256")
            if signer is not None:
                signers.append(signer)
            history.append({"action": action, "who": entry.get("who"), "time": entry["time"]})
            continue
        if action not in ("reviewed", "approved"):
            continue
        reason = problem or ("it is not signed" if signer is None else None)
        if reason is None and entry.get("content_sha256") != sealed_hash:
            reason = "it signs another content hash than the one sealed"
        if reason is None and action == "reviewed" and state != "draft":
            reason = f"the record was already {state}"
        if reason is None and action == "approved" and state != "reviewed":
            reason = f"the record was {state}, not reviewed"
        if (reason is None and action == "approved" and reviewer is not None
                and signer is not None and (signer.fingerprint == reviewer.fingerprint
                                            or signer.name == reviewer.name)):
            reason = "the approver is the reviewer"
        if reason is not None or signer is None:
            ignored.append(f"line {entry['seq']}: {action} by {entry.get('who')} is not "
                           f"counted: {reason}")
            continue
        state, who, when = action, signer.name, entry["time"]
        if action == "reviewed":
            reviewed_by, reviewer = signer.name, signer
        else:
            approved_by = signer.name
        signers.append(signer)
        history.append({"action": action, "who": signer.name, "time": entry["time"]})
    return ReviewState(state, who, when, tuple(history), superseded_by, reviewed_by,
                       approved_by, tuple(signers), tuple(ignored))
