"""Checking what was asked: one sealed record, an audit log, or a whole records directory.

A file named as a record (``.h5`` and the other :data:`RECORD_SUFFIXES`) or holding
HDF5 content is checked as a record, never as a log. The audit log is checked when it
is asked for by name (``audit.log``) or explicitly (``as_log``), and a directory as a
whole. A file that is none of these is reported as what it is. See docs/records.md
("Verification" and "Threat model") for what each check proves.
"""

from __future__ import annotations

import json
import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py

from metrolab.store.audit import AUDIT_LOG_NAME, RECORD_ACTIONS, AuditLog, review_state
from metrolab.store.durable import file_sha256, sha256_hex
from metrolab.store.errors import AuditLogError
from metrolab.store.facts import JournalLink, RecordFacts, read_facts
from metrolab.store.integrity import compare, content_hash, manifest
from metrolab.store.journal_read import chain_head
from metrolab.store.schema import LAYOUT_1, LAYOUT_2, layout_of
from metrolab.store.signers import Signer, check_entry
from metrolab.store.signing import KeyRegister
from metrolab.store.untrusted import read_isolated, sealed_bytes

#: file name endings that name a sealed record
RECORD_SUFFIXES = (".h5", ".hdf5", ".he5", ".nxs")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
#: what h5py raises reading a damaged or hostile file (an unknown type is a TypeError)
H5_READ_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError)
_JOURNAL_LINE = re.compile(rb"^[0-9a-f]{64} \{")


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` is True when ``problems`` is empty.

    ``kind`` is what was checked: record, log, directory, or other (a file that is
    neither a record nor a log). ``signers`` are the record's verified signatures;
    ``head`` the hash of the audit log's last entry (``head_seq`` its number);
    ``records`` how many records a log or directory check found; ``register`` the
    register the signatures were checked against (None: not checked against one).
    """

    path: Path
    ok: bool
    problems: list[str] = field(default_factory=list)
    record_id: str | None = None
    content_sha256: str | None = None
    kind: str = "record"
    signers: tuple[Signer, ...] = ()
    head: str | None = None
    head_seq: int = 0
    records: int = 0
    register: Path | None = None
    anchors: int = 0

    def summary(self) -> str:
        """Return one line: what is intact and how it was checked, or every problem."""
        if self.kind == "other":
            return f"{self.path}: not verified: {'; '.join(self.problems)}"
        if not self.ok:
            return f"{self.path}: NOT intact: " + "; ".join(self.problems)
        if self.kind == "record":
            text = (f"{self.path}: intact: record {self.record_id} (sha256 "
                    f"{self.content_sha256}) matches its hash, its file name and the audit log")
            return text + self._signatures() + self._anchored()
        head = (f"head {self.head} (entry {self.head_seq})" if self.head else "no entries")
        if self.kind == "log":
            return (f"{self.path}: intact: {self.head_seq} entries chained, {head}; "
                    f"{self.records} record(s) beside it, each named by the log"
                    + self._signatures() + self._anchored())
        return (f"{self.path}: intact: {self.records} record(s), each present, intact and "
                f"sealed in the audit log ({head})" + self._signatures() + self._anchored())

    def _signatures(self) -> str:
        if self.register is not None and self.kind != "record":
            return f"; every step signed by a key of {self.register}"
        if self.register is not None:
            return "; signed: " + ", ".join(s.describe() for s in self.signers)
        if self.kind == "record" and not self.signers:
            return "; unsigned: no step carries a signature"
        names = ", ".join(f"{s.action} by {s.name}" for s in self.signers)
        return (f"; {'signed: ' + names + '; ' if names else ''}signatures not checked "
                "against a register (give --register)")

    def _anchored(self) -> str:
        return f"; {self.anchors} anchor(s) found in the log" if self.anchors else ""


def parse_anchors(text: str) -> tuple[str, ...]:
    """Return every 64-hex-digit hash in ``text`` (an anchor file or ``--anchor``), lower case."""
    return tuple(_HASH.findall(text.lower()))


def describe(path: Path) -> str:
    """Return what a file is, in a few words: empty, HDF5, a journal, an audit log, text..."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if size == 0:
        return "an empty file (0 bytes)"
    if h5py.is_hdf5(path):
        return f"an HDF5 file ({size} bytes)"
    first = head.split(b"\n", 1)[0]
    if _JOURNAL_LINE.match(first):
        return "a run journal (seal it with `metrolab recover`)"
    try:
        entry = json.loads(first)
        if isinstance(entry, dict) and {"prev", "hash", "action"} <= set(entry):
            return "an audit log (check it with `metrolab verify --log`)"
    except ValueError:
        pass
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return f"binary data ({size} bytes), not HDF5"
    return f"text ({size} bytes), not HDF5"


@dataclass(frozen=True, slots=True)
class ContentCheck:
    """A record's content checked against its sealed manifest: ``problems`` (empty when
    every object matches and the manifest hashes to the stored content hash), the
    ``file_sha256`` of the bytes checked, and the record's ``facts`` (None if unreadable)."""

    problems: tuple[str, ...]
    file_sha256: str
    facts: RecordFacts | None


#: content checks done in this process, keyed on (path, size, mtime_ns, SHA-256 of the file)
_CHECKED: OrderedDict[tuple[str, int, int, str], ContentCheck] = OrderedDict()
_CHECKED_KEEP = 64


def _file_key(path: Path) -> tuple[str, int, int, str]:
    """Return the key a content check is kept under: resolved path, size, mtime_ns, and
    the SHA-256 of the whole file (so a changed byte is always a new key)."""
    status = path.stat()
    return str(path.resolve()), status.st_size, status.st_mtime_ns, file_sha256(path)


def _keep(key: tuple[str, int, int, str], check: ContentCheck) -> None:
    _CHECKED[key] = check
    _CHECKED.move_to_end(key)
    while len(_CHECKED) > _CHECKED_KEEP:
        _CHECKED.popitem(last=False)


def remember_sealed(path: Path, file_sha: str, facts: RecordFacts) -> None:
    """Keep, for this process, that the record just written at ``path`` (whole-file
    SHA-256 ``file_sha``) matches the manifest its writer computed; return nothing.

    Review, approval and rendering in the same process then reuse this instead of
    hashing every object again; any change to the file changes the key."""
    status = path.stat()
    _keep((str(path.resolve()), status.st_size, status.st_mtime_ns, file_sha),
          ContentCheck((), file_sha, facts))


def check_content(path: str | os.PathLike[str]) -> ContentCheck:
    """Return the content check of the record at ``path``: every object against the
    sealed manifest, the manifest against the content hash. A check already done in this
    process on the very same bytes (same path, size, mtime and SHA-256) is reused.

    A file whose bytes the audit log beside it does not vouch for (a forgery, a damaged
    copy, a record without its log) is read in a child process with a time and memory
    limit (:mod:`metrolab.store.untrusted`), so a hostile file cannot hang or crash the
    caller."""
    path = Path(path)
    key = _file_key(path)
    known = _CHECKED.get(key)
    if known is not None:
        _CHECKED.move_to_end(key)
        return known
    if sealed_bytes(path, AuditLog.for_record(path).path, key[3]):
        check = check_in_process(path, key[3])
    else:
        check = check_from_json(read_isolated(path), key[3])
    _keep(key, check)
    return check


def check_to_json(check: ContentCheck) -> dict[str, Any]:
    """Return ``check`` as plain JSON data (what a child process hands back)."""
    facts = check.facts
    return {"problems": list(check.problems), "facts": None if facts is None else {
        "layout": facts.layout.version, "record_id": facts.record_id,
        "content_sha256": facts.content_sha256, "status": facts.status,
        "journal": [facts.journal.name, facts.journal.size, facts.journal.kind,
                    facts.journal.digest], "amends": facts.amends}}


def check_from_json(data: dict[str, Any], whole: str) -> ContentCheck:
    """Return the :class:`ContentCheck` that :func:`check_to_json` gave as ``data`` for the
    file whose SHA-256 is ``whole``."""
    facts = data.get("facts")
    if facts is None:
        return ContentCheck(tuple(data["problems"]), whole, None)
    layout = next(known for known in (LAYOUT_1, LAYOUT_2) if known.version == facts["layout"])
    name, size, kind, digest = facts["journal"]
    return ContentCheck(tuple(data["problems"]), whole, RecordFacts(
        layout, facts["record_id"], facts["content_sha256"], facts["status"],
        JournalLink(name, int(size), kind, digest), facts["amends"]))


def check_in_process(path: Path, whole: str) -> ContentCheck:
    """Return the content check of the record at ``path`` (SHA-256 ``whole``), read by h5py
    in this process: only for bytes known to be sealed, or inside the child process."""
    try:
        with h5py.File(path, "r") as handle:
            layout = layout_of(handle)
            if isinstance(layout, str):
                return ContentCheck((layout,), whole, None)
            if layout.integrity not in handle:
                return ContentCheck((f"no /{layout.integrity} group: the record was never "
                                     "sealed",), whole, None)
            stored_hash, stored = layout.stored_integrity(handle)
            actual = manifest(handle, layout.unhashed)
            facts = read_facts(handle, layout)
    except H5_READ_ERRORS as exc:
        return ContentCheck((f"cannot read the record: {exc}",), whole, None)
    problems = compare(stored, actual)
    if content_hash(stored) != stored_hash:
        problems.append(f"/{layout.integrity}: the stored manifest does not hash to the "
                        "content hash")
    return ContentCheck(tuple(problems), whole, facts)


def content_problems(path: str | os.PathLike[str]) -> list[str]:
    """Return what in the record at ``path`` does not match its sealed manifest and hash."""
    return list(check_content(path).problems)


@dataclass(frozen=True)
class LogCheck:
    """An audit log read once: its entries and what is wrong with it as a whole
    (chain, signatures, anchors); ``chained`` is True when the chain is unbroken."""

    path: Path
    exists: bool
    entries: list[dict[str, Any]]
    problems: list[str]
    chained: bool
    anchors: int

    def record_entry(self, *, record_id: str | None = None,
                     file: str | None = None) -> dict[str, Any] | None:
        """Return the last entry sealing a record with that ID (or into that file name)."""
        found = None
        for entry in self.entries:
            if entry.get("action") in RECORD_ACTIONS and (
                    (record_id is not None and entry.get("record_id") == record_id)
                    or (file is not None and entry.get("file") == file)):
                found = entry
        return found

    def named_files(self) -> dict[str, dict[str, Any]]:
        """Return ``{file name: its last sealing entry}`` for every record the log names."""
        return {str(e.get("file")): e for e in self.entries if e.get("action") in RECORD_ACTIONS}


def check_log(path: Path, register: KeyRegister | None,
              anchors: Iterable[str] = ()) -> LogCheck:
    """Read the audit log at ``path``; return its :class:`LogCheck`."""
    anchors = tuple(anchors)
    if not path.exists():
        return LogCheck(path, False, [], [], False, 0)
    try:
        entries, chain = AuditLog(path).read()
    except AuditLogError as exc:
        return LogCheck(path, True, [], [str(exc)], False, 0)
    problems = [f"audit log: {problem}" for problem in chain]
    for entry in entries:
        problem = check_entry(entry, register)[1]
        if problem is not None:
            problems.append(f"audit log: {problem}")
    hashes = {entry.get("hash") for entry in entries}
    problems += [f"anchor {anchor[:16]} is not in the audit log: the log was cut back or "
                 "rewritten after that head was copied away" for anchor in anchors
                 if anchor not in hashes]
    found = sum(anchor in hashes for anchor in anchors)
    return LogCheck(path, True, entries, problems, not chain, found)


def record_files(directory: Path) -> list[Path]:
    """Return the record files of ``directory`` (by suffix; hidden temporary files left out)."""
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in RECORD_SUFFIXES)


def verify(path: str | os.PathLike[str], *, register: KeyRegister | None = None,
           anchors: Iterable[str] = (), as_log: bool = False) -> VerifyReport:
    """Check what ``path`` is asked to be; return a :class:`VerifyReport`.

    A directory is checked as a records directory (:func:`verify_directory`); a file
    called ``audit.log``, or any file with ``as_log``, as an audit log
    (:func:`verify_log`); a file named as a record or holding HDF5 as a record
    (:func:`verify_record`). Anything else is reported (kind ``other``, not ok).
    ``register`` holds the trusted keys (without it signatures are checked only against
    the keys they carry); every hash in ``anchors`` must still be in the log.
    """
    path = Path(path)
    if as_log or (path.name == AUDIT_LOG_NAME and not path.is_dir()):
        return verify_log(path, register=register, anchors=anchors)
    if path.is_dir():
        return verify_directory(path, register=register, anchors=anchors)
    if path.suffix.lower() in RECORD_SUFFIXES or (path.is_file() and h5py.is_hdf5(path)):
        return verify_record(path, register=register, anchors=anchors)
    report = VerifyReport(path, ok=False, kind="other")
    report.problems = ([f"neither a record nor an audit log: it is {describe(path)}"]
                       if path.exists() else ["no such file"])
    return report


def _finish(report: VerifyReport, log: LogCheck, register: KeyRegister | None) -> VerifyReport:
    if log.entries:
        report.head, report.head_seq = str(log.entries[-1].get("hash")), len(log.entries)
    report.anchors = log.anchors
    report.register = register.path if register is not None else None
    report.ok = not report.problems
    return report


def verify_record(path: str | os.PathLike[str], *, register: KeyRegister | None = None,
                  anchors: Iterable[str] = ()) -> VerifyReport:
    """Check one sealed record and the audit log beside it; return the report.

    Checks every object against the sealed manifest, the manifest against the content
    hash, the journal beside it (if there) against the part sealed from it, the log's
    chain, signatures and anchors, and the log's entry for the record: the same record
    ID, file name, content hash and whole-file SHA-256; for an amendment, the hash of the
    record it replaces.
    """
    path = Path(path)
    report = VerifyReport(path, ok=False)
    log = check_log(AuditLog.for_record(path).path, register, anchors)
    report.problems = list(log.problems)
    if not log.exists:
        report.problems.append(f"no audit log {log.path} beside the record")
    found = _record_problems(path, log, register)
    report.problems = found.problems + report.problems
    report.record_id, report.content_sha256 = found.record_id, found.content_sha256
    report.signers = found.signers
    return _finish(report, log, register)


def _record_problems(path: Path, log: LogCheck, register: KeyRegister | None) -> VerifyReport:
    """Return a report holding what is wrong with the record at ``path`` itself and with
    its entry in ``log`` (not the log's own problems)."""
    report = VerifyReport(path, ok=False)
    if not path.is_file():
        report.problems = ["no such file"]
        return report
    if not h5py.is_hdf5(path):
        report.problems = [f"not a record: it is {describe(path)}"]
        return report
    check = check_content(path)
    report.problems = list(check.problems)
    facts = check.facts
    if facts is None:
        return report
    report.record_id, report.content_sha256 = facts.record_id, facts.content_sha256
    report.problems += _journal_problems(path.parent, facts.journal)
    if not log.exists or not log.chained:
        return report  # the log's own problems say why its entries cannot be trusted
    report.problems += _binding_problems(path, report.record_id, log)
    entry = log.record_entry(record_id=report.record_id)
    if entry is not None:
        if entry.get("content_sha256") != report.content_sha256:
            report.problems.append("content_sha256 differs from the one in the audit log")
        if entry.get("file_sha256") != check.file_sha256:
            report.problems.append("the file's bytes differ from those sealed "
                                   "(file_sha256 in the audit log)")
    if facts.amends is not None:
        report.problems += _amendment_problems(log, facts.amends)
    report.signers = review_state(log.entries, report.record_id, register).signers
    return report


def _binding_problems(path: Path, record_id: str, log: LogCheck) -> list[str]:
    """Check that the log sealed this record ID under this file name, and this file name
    as this record ID."""
    by_id = log.record_entry(record_id=record_id)
    by_name = log.record_entry(file=path.name)
    if by_id is None:
        if by_name is None:
            return [f"the audit log has no entry sealing {record_id} or naming {path.name}"]
        return [f"{path.name} holds record {record_id}, which the audit log never sealed; "
                f"the log sealed {path.name} as record {by_name.get('record_id')} "
                f"(line {by_name.get('seq')})"]
    if by_id.get("file") == path.name:
        return []
    text = (f"{path.name} holds record {record_id}, which the audit log sealed as "
            f"{by_id.get('file')} (line {by_id.get('seq')})")
    if by_name is not None:
        text += (f", not record {by_name.get('record_id')} that it sealed as {path.name} "
                 f"(line {by_name.get('seq')}): a substituted record")
    else:
        text += ": a copied or renamed record"
    return [text]


def _amendment_problems(log: LogCheck, amends: dict[str, Any]) -> list[str]:
    """Check that the record an amendment replaces is in the log with the hash it names."""
    original = log.record_entry(record_id=str(amends.get("record_id")))
    if original is None:
        return [f"the record it amends, {amends.get('record_id')}, is not in the audit log"]
    if original.get("content_sha256") != amends.get("replaced_sha256"):
        return [f"the record it amends, {amends.get('record_id')}, was sealed with another "
                "hash than the one this amendment names (replaced_sha256)"]
    return []


def _journal_problems(directory: Path, link: JournalLink) -> list[str]:
    """Compare the journal beside a record (if it is there) with the part sealed from it."""
    journal = directory / link.name
    if not link.name or not link.digest or not journal.is_file():
        return []  # journals may be archived elsewhere; the record stands on its own
    if not 0 <= link.size <= journal.stat().st_size:  # never read more than is there
        return [f"journal {link.name} is shorter than the {link.size} bytes sealed from it "
                "(journal_bytes in /entry/provenance)"]
    if link.kind == "sha256":
        with open(journal, "rb") as handle:
            same = sha256_hex(handle.read(link.size)) == link.digest
    else:
        same = chain_head(journal, link.size) == link.digest
    if not same:
        return [f"journal {link.name} no longer matches the {link.size} bytes sealed from it "
                f"(journal_{link.kind} in /entry/provenance)"]
    return []


def _missing_records(log: LogCheck, directory: Path) -> list[str]:
    return [f"record {entry.get('record_id')} (sealed as {name}, line {entry.get('seq')}) is "
            f"missing from {directory}" for name, entry in log.named_files().items()
            if not (directory / name).is_file()]


def verify_log(path: str | os.PathLike[str], *, register: KeyRegister | None = None,
               anchors: Iterable[str] = ()) -> VerifyReport:
    """Check an audit log: its chain, signatures and anchors, and that it agrees with the
    records beside it (each one it names is there, each one there is named); return the
    report. An empty log is intact only when no record is beside it."""
    path = Path(path)
    report = VerifyReport(path, ok=False, kind="log")
    if not path.is_file():
        report.problems = ["no such file"]
        return report
    log = check_log(path, register, anchors)
    present = record_files(path.parent)
    report.records = len(present)
    report.problems = list(log.problems)
    named = log.named_files()
    report.problems += _missing_records(log, path.parent)
    if log.entries:
        report.problems += [f"{p.name} is beside the log but no entry seals it" for p in present
                            if p.name not in named]
    elif present:
        report.problems.insert(0, f"the audit log has no entry but {len(present)} record(s) "
                                  "are beside it: the log was emptied or replaced")
    return _finish(report, log, register)


def verify_directory(path: str | os.PathLike[str], *, register: KeyRegister | None = None,
                     anchors: Iterable[str] = ()) -> VerifyReport:
    """Check a records directory: its audit log, every record the log names is present
    and intact, and no record is there that the log does not name; return the report."""
    path = Path(path)
    report = VerifyReport(path, ok=False, kind="directory")
    log = check_log(path / AUDIT_LOG_NAME, register, anchors)
    report.problems = list(log.problems)
    if not log.exists:
        report.problems.append(f"no {AUDIT_LOG_NAME} in {path}")
    elif not log.entries and not log.problems:
        report.problems.append(f"{AUDIT_LOG_NAME} is empty")
    report.problems += _missing_records(log, path)
    present = record_files(path)
    report.records = len(present)
    for record in present:
        report.problems += [f"{record.name}: {problem}"
                            for problem in _record_problems(record, log, register).problems]
    return _finish(report, log, register)
