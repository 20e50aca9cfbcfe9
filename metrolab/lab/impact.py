"""Impact analysis: a standard found out of tolerance, and every result that relied on it.

ISO/IEC 17025 7.10 (nonconforming work) asks, when a reference standard is found out of
tolerance at its calibration, for every result that used it since its last good
calibration to be found and judged again. :func:`assess_impact` asks the catalogue for
the records that used the standard in the window, re-evaluates each of them with the
corrected value and uncertainty of the standard (:mod:`metrolab.lab.reevaluate`, spread
over Dask by :func:`metrolab.cluster.run_map`) and returns an :class:`ImpactReport`:
which decisions change, which records cannot be re-evaluated and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from metrolab.cluster import run_map
from metrolab.lab.catalogue import Catalogue, Query
from metrolab.lab.corrections import Correction, check_unique
from metrolab.lab.entries import CatalogueEntry
from metrolab.lab.errors import ImpactInputError
from metrolab.lab.reevaluate import PointChange, RecordOutcome, RecordTask, reevaluate_record


@dataclass(frozen=True)
class ImpactRequest:
    """What was found: the standard (register ID, serial or certificate ID), the window
    of runs to assess (``since`` inclusive, ``until`` inclusive or None: up to now), the
    corrections, and where they came from (``--correction`` or a certificate file)."""

    standard: str
    since: date
    corrections: tuple[Correction, ...]
    source: str = "--correction"
    until: date | None = None

    def __post_init__(self) -> None:
        """Refuse an empty standard, no corrections, or a window that ends before it starts."""
        if not self.standard.strip():
            raise ImpactInputError("impact: name the standard (register ID, serial or "
                                   "certificate ID)")
        if not self.corrections:
            raise ImpactInputError("impact: give at least one --correction, or --certificate")
        check_unique(self.corrections)
        if self.until is not None and self.until < self.since:
            raise ImpactInputError(f"--until {self.until} is before --since {self.since}")


@dataclass(frozen=True)
class Assessed:
    """A catalogued record and what its re-evaluation gave."""

    entry: CatalogueEntry
    outcome: RecordOutcome

    @property
    def recommendation(self) -> str:
        """Return what the quality manager should do: ``recall`` (an issued certificate
        claims a conformity that no longer holds), ``correct before approval`` (the same
        in a record not yet approved), ``review`` (another change), or ``none``."""
        action = self.outcome.action
        if action == "recall":
            return "recall" if self.entry.status == "approved" else "correct before approval"
        return action


@dataclass(frozen=True)
class ImpactReport:
    """The outcome of an impact analysis.

    ``affected``: records with at least one point re-evaluated (whether its decision
    changed or not); ``unaffected``: records that used the standard but no corrected
    output; ``unevaluable``: records that could not be re-evaluated, or that have points
    using a corrected output that could not be (each with the reason); ``superseded``:
    records in the window already replaced by an amendment (their amendment is assessed).
    """

    request: ImpactRequest
    generated_at: datetime
    catalogue: str
    considered: int
    affected: tuple[Assessed, ...]
    unaffected: tuple[CatalogueEntry, ...]
    unevaluable: tuple[Assessed, ...]
    superseded: tuple[CatalogueEntry, ...]

    @property
    def changed(self) -> tuple[Assessed, ...]:
        """Return the affected records where at least one decision changes."""
        return tuple(a for a in self.affected if any(c.changed for c in a.outcome.changes))

    def to_json(self) -> dict[str, Any]:
        """Return the report as one JSON-safe object (the shape ``--json`` prints)."""
        return {
            "standard": self.request.standard,
            "since": self.request.since.isoformat(),
            "until": None if self.request.until is None else self.request.until.isoformat(),
            "corrections": [c.describe() for c in self.request.corrections],
            "source": self.request.source,
            "generated_at": self.generated_at.isoformat(),
            "catalogue": self.catalogue,
            "records_considered": self.considered,
            "summary": {
                "affected": len(self.affected), "with_changed_decisions": len(self.changed),
                "to_recall": sum(a.recommendation == "recall" for a in self.affected),
                "unaffected": len(self.unaffected), "unevaluable": len(self.unevaluable),
                "superseded": len(self.superseded)},
            "affected": [_affected_json(a) for a in self.affected],
            "unevaluable": [_unevaluable_json(a) for a in self.unevaluable],
            "unaffected": [e.record_id for e in self.unaffected],
            "superseded": [{"record_id": e.record_id, "superseded_by": e.superseded_by}
                           for e in self.superseded],
        }


def point_json(change: PointChange) -> dict[str, Any]:
    """Return one re-evaluated point as JSON-safe data (numbers in ``unit``)."""
    return {
        "point_id": change.point_id, "phase": change.phase, "function": change.function,
        "nominal": change.nominal, "nominal_unit": change.nominal_unit, "unit": change.unit,
        "change": change.change, "action": change.action, "method": change.method,
        "correction": change.correction, "input": change.input,
        "offset": change.offset, "offset_u": change.offset_u, "input_unit": change.input_unit,
        "old": {"decision": change.old.statement, "error": change.old.value,
                "U": change.old.U, "k": change.old.k, "risk": change.old.specific_risk},
        "new": {"decision": change.new.statement, "error": change.new.value,
                "U": change.new.U, "k": change.new.k, "risk": change.new.specific_risk},
    }


def _identity(entry: CatalogueEntry) -> dict[str, Any]:
    return {"record_id": entry.record_id, "certificate_id": entry.certificate_id,
            "file": entry.path, "status": entry.status, "run_status": entry.run_status,
            "item": {"manufacturer": entry.item.manufacturer, "model": entry.item.model,
                     "serial": entry.item.serial, "asset": entry.item.asset},
            "customer": entry.customer,
            "started_at": None if entry.started_at is None else entry.started_at.isoformat()}


def _affected_json(assessed: Assessed) -> dict[str, Any]:
    changes = assessed.outcome.changes
    return {**_identity(assessed.entry), "recommendation": assessed.recommendation,
            "changed": [point_json(c) for c in changes if c.changed],
            "unchanged": [point_json(c) for c in changes if not c.changed],
            "not_reevaluated": [{"point_id": s.point_id, "phase": s.phase, "reason": s.reason}
                                for s in assessed.outcome.skipped]}


def _unevaluable_json(assessed: Assessed) -> dict[str, Any]:
    outcome = assessed.outcome
    reason = outcome.reason or "; ".join(
        f"{s.point_id} ({s.phase}): {s.reason}" for s in outcome.skipped)
    return {**_identity(assessed.entry), "reason": reason,
            "points": [{"point_id": s.point_id, "phase": s.phase, "reason": s.reason}
                       for s in outcome.skipped]}


def records_in_window(catalogue: Catalogue, request: ImpactRequest) -> list[CatalogueEntry]:
    """Return the catalogued records that used the standard in the request's window."""
    return catalogue.find(Query(standard=request.standard, since=request.since,
                                until=request.until))


def assess_impact(catalogue: Catalogue, request: ImpactRequest, *,
                  scheduler: str | None = None, workers: int | None = None,
                  progress: Callable[[int], None] | None = None,
                  entries: list[CatalogueEntry] | None = None) -> ImpactReport:
    """Return the impact of the request's corrections on every record in its window.

    ``scheduler``/``workers`` say where the re-evaluation runs
    (:func:`metrolab.cluster.run_map`: Dask's local scheduler by default, ``loop`` for a
    plain loop, ``tcp://HOST:PORT`` for a cluster); ``progress(n)`` is told of records
    done; ``entries`` (default: the catalogue's answer) are the records to assess.
    """
    found = records_in_window(catalogue, request) if entries is None else entries
    superseded = tuple(e for e in found if e.status == "superseded")
    current = [e for e in found if e.status != "superseded"]
    texts = tuple(c.describe() for c in request.corrections)
    tasks = [RecordTask(e.path, e.record_id, e.file_sha256, request.standard, texts)
             for e in current]
    outcomes = run_map(reevaluate_record, tasks, scheduler=scheduler,
                       workers=workers, progress=progress)
    affected, unaffected, unevaluable = [], [], []
    for entry, outcome in zip(current, outcomes, strict=True):
        assessed = Assessed(entry, outcome)
        if outcome.reason is not None or outcome.skipped:
            unevaluable.append(assessed)
        if outcome.reason is None and outcome.changes:
            affected.append(assessed)
        elif outcome.reason is None and not outcome.skipped:
            unaffected.append(entry)
    return ImpactReport(request, datetime.now(UTC), catalogue.url_shown, len(found),
                        tuple(affected), tuple(unaffected), tuple(unevaluable), superseded)
