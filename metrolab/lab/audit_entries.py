"""The audit trail of an impact analysis: one entry per assessed record, in its own log.

Each record that was re-evaluated, or could not be, gets an ``impact_assessed`` entry in
the audit log of its records directory (hash-chained like every entry, signed when a key
is given): which standard and corrections, the outcome (``changed``, ``unchanged`` or
``unevaluable``), the points whose decision changes, and the SHA-256 of the JSON report,
so the report on file can be proven to be the one the assessment produced.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrolab.lab.impact import Assessed, ImpactReport
from metrolab.store.audit import AUDIT_LOG_NAME, AuditLog
from metrolab.store.durable import file_sha256
from metrolab.store.errors import AuditLogError

if TYPE_CHECKING:
    from metrolab.store.signing import SigningKey

ACTION = "impact_assessed"


def _fields(assessed: Assessed, report: ImpactReport, report_file: Path,
            digest: str) -> dict[str, Any]:
    outcome = assessed.outcome
    changed = [c for c in outcome.changes if c.changed]
    result = "unevaluable" if outcome.reason or outcome.skipped else (
        "changed" if changed else "unchanged")
    fields: dict[str, Any] = {
        "file": assessed.entry.file, "standard": report.request.standard,
        "since": report.request.since.isoformat(),
        "corrections": [c.describe() for c in report.request.corrections],
        "source": report.request.source, "outcome": result,
        "recommendation": assessed.recommendation,
        "changed": [{"point_id": c.point_id, "phase": c.phase, "old": c.old.statement,
                     "new": c.new.statement} for c in changed],
        "report": report_file.name, "report_sha256": digest}
    if outcome.reason or outcome.skipped:
        fields["reason"] = outcome.reason or "; ".join(
            f"{s.point_id} ({s.phase}): {s.reason}" for s in outcome.skipped)
    return fields


def log_assessment(report: ImpactReport, report_file: Path,
                   signer: SigningKey | None = None) -> tuple[int, list[str]]:
    """Append an entry for every assessed record to its directory's audit log.

    Returns (entries written, problems): a log that cannot be written is named in the
    problems and the other directories are still done.
    """
    digest = file_sha256(report_file)
    by_directory: dict[str, list[Assessed]] = defaultdict(list)
    for assessed in dict.fromkeys(report.affected + report.unevaluable):
        by_directory[assessed.entry.directory].append(assessed)
    written, problems = 0, []
    for directory, assessed_records in by_directory.items():
        log = AuditLog(Path(directory) / AUDIT_LOG_NAME)
        for assessed in assessed_records:
            try:
                log.append(ACTION, assessed.entry.record_id, signer=signer,
                           **_fields(assessed, report, report_file, digest))
                written += 1
            except AuditLogError as exc:
                problems.append(str(exc))
                break
    return written, problems
