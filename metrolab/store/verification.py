"""Checking a sealed record against its own hash and against the audit log."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py

from metrolab.store.audit import AUDIT_LOG_NAME, AuditLog
from metrolab.store.durable import file_sha256, sha256_hex
from metrolab.store.errors import AuditLogError
from metrolab.store.integrity import INTEGRITY_GROUP, content_hash, manifest
from metrolab.store.layout import SCHEMA_NAME


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` is True when ``problems`` is empty."""

    path: Path
    ok: bool
    problems: list[str] = field(default_factory=list)
    record_id: str | None = None
    content_sha256: str | None = None

    def summary(self) -> str:
        """Return one line: "... intact ..." when ok, else the problems joined by "; "."""
        if self.ok and self.record_id is None:
            return f"{self.path}: intact: every audit-log entry matches its hash and chain"
        if self.ok:
            return (f"{self.path}: intact: record {self.record_id} (sha256 "
                    f"{self.content_sha256}) matches its hash and the audit log")
        return f"{self.path}: NOT intact: " + "; ".join(self.problems)


def content_problems(path: str | os.PathLike[str]) -> list[str]:
    """Return what in the record at ``path`` does not match its sealed manifest and hash."""
    try:
        with h5py.File(path, "r") as handle:
            if handle.attrs.get("schema_name") != SCHEMA_NAME:
                return [f"not a metrolab record (schema_name is "
                        f"{handle.attrs.get('schema_name')!r})"]
            if INTEGRITY_GROUP not in handle:
                return ["no /integrity group: the record was never sealed"]
            group = handle[INTEGRITY_GROUP]
            stored_hash = str(group.attrs.get("content_sha256", ""))
            stored: dict[str, str] = json.loads(group["manifest_json"][()].decode())
            actual = manifest(handle)
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        return [f"cannot read the record: {exc}"]
    problems = [f"{name} was changed" for name in sorted(stored)
                if name in actual and actual[name] != stored[name]]
    problems += [f"{name} is missing" for name in sorted(set(stored) - set(actual))]
    problems += [f"{name} was added" for name in sorted(set(actual) - set(stored))]
    if content_hash(stored) != stored_hash:
        problems.append("/integrity: the stored manifest does not hash to content_sha256")
    return problems


def verify(path: str | os.PathLike[str]) -> VerifyReport:
    """Check a record (or an ``audit.log``) and return a :class:`VerifyReport`.

    For a record: every object against the sealed manifest, the manifest against the
    content hash, the journal it was sealed from (if it is beside the record) against the
    journal hash sealed in it, the audit log's chain, the log's entry for this record
    against the content hash and the SHA-256 of the whole file, and for an amendment the
    log's entry for the record it replaces against the hash it names.
    """
    path = Path(path)
    if path.name == AUDIT_LOG_NAME or (path.is_file() and not h5py.is_hdf5(path)):
        return _verify_log(path)
    report = VerifyReport(path, ok=False)
    report.problems = content_problems(path)
    if report.problems and report.problems[0].startswith(("cannot read", "not a metrolab")):
        return report
    try:
        with h5py.File(path, "r") as handle:
            report.record_id = str(handle["entry"].attrs["record_id"])
            report.content_sha256 = str(handle[INTEGRITY_GROUP].attrs["content_sha256"])
            provenance = handle["entry/provenance"]
            journal = (str(provenance.attrs.get("journal_file", "")),
                       int(provenance["journal_bytes"][()]) if "journal_bytes" in provenance
                       else 0, str(provenance.attrs.get("journal_sha256", "")))
            amends = (json.loads(handle["entry/amends/amends_json"][()])
                      if "amends" in handle["entry"] else None)
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        report.problems.append(f"cannot read the record's ID and hash: {exc}")
        return report
    report.problems += _journal_problems(path.parent, *journal)
    log = AuditLog.for_record(path)
    if not log.path.exists():
        report.problems.append(f"no audit log {log.path} beside the record")
    else:
        chain = log.problems()
        report.problems += [f"audit log: {problem}" for problem in chain]
        entry = None if chain else log.record_entry(report.record_id)
        if not chain and entry is None:
            report.problems.append(f"audit log has no entry sealing {report.record_id}")
        elif entry is not None:
            if entry.get("content_sha256") != report.content_sha256:
                report.problems.append("content_sha256 differs from the one in the audit log")
            if entry.get("file_sha256") != file_sha256(path):
                report.problems.append("the file's bytes differ from those sealed "
                                       "(file_sha256 in the audit log)")
        if not chain and amends is not None:
            report.problems += _amendment_problems(log, amends)
    report.ok = not report.problems
    return report


def _amendment_problems(log: AuditLog, amends: dict[str, Any]) -> list[str]:
    """Check that the record an amendment replaces is in the log with the hash it names."""
    original = log.record_entry(str(amends.get("record_id")))
    if original is None:
        return [f"the record it amends, {amends.get('record_id')}, is not in the audit log"]
    if original.get("content_sha256") != amends.get("replaced_sha256"):
        return [f"the record it amends, {amends.get('record_id')}, was sealed with another "
                "hash than the one this amendment names (replaced_sha256)"]
    return []


def _journal_problems(directory: Path, name: str, size: int, digest: str) -> list[str]:
    """Compare the journal beside a record (if it is there) with the part that was sealed."""
    journal = directory / name
    if not name or not digest or not journal.is_file():
        return []  # journals may be archived elsewhere; the record stands on its own
    with open(journal, "rb") as handle:
        sealed_part = handle.read(size)
    if len(sealed_part) < size or sha256_hex(sealed_part) != digest:
        return [f"journal {name} no longer matches the {size} bytes sealed from it "
                "(journal_sha256 in /entry/provenance)"]
    return []


def _verify_log(path: Path) -> VerifyReport:
    report = VerifyReport(path, ok=False)
    if not path.exists():
        report.problems.append("file does not exist")
        return report
    try:
        report.problems = AuditLog(path).problems()
    except AuditLogError as exc:
        report.problems = [str(exc)]
    report.ok = not report.problems
    return report
