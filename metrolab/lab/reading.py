"""A sealed record read into a :class:`~metrolab.lab.entries.CatalogueEntry`.

This is the one place the laboratory code reads a record's identity, standards, points
and signers, through the store's API (:func:`metrolab.store.open_record`), never by
HDF5 paths: the record layout can change without the catalogue noticing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from metrolab.lab.entries import CatalogueEntry, Item, PointDecision, SignerEntry, StandardUse
from metrolab.store.record import Record


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_time(value: Any) -> datetime | None:
    """Return ISO 8601 text (or epoch seconds) as an aware UTC datetime, None if absent."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """Return an ISO date (or the date of an ISO time) as a date, None if absent or bad."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def standard_uses(record: Record) -> tuple[StandardUse, ...]:
    """Return the standards of ``record``: instruments that carry traceability."""
    uses = []
    for instrument in record.instruments:
        trace = instrument.get("traceability")
        if not isinstance(trace, Mapping):
            continue
        identity = instrument.get("identity") or {}
        serial = _text(identity.get("serial"))
        uses.append(StandardUse(
            register_id=_text(trace.get("register_id")) or serial,
            name=_text(instrument.get("name")),
            manufacturer=_text(identity.get("manufacturer")), model=_text(identity.get("model")),
            serial=serial, certificate_id=_text(trace.get("certificate_id")),
            calibration_date=parse_date(trace.get("calibration_date")),
            due_date=parse_date(trace.get("due_date"))))
    return tuple(uses)


def point_decisions(record: Record) -> tuple[PointDecision, ...]:
    """Return each point's error, U and statement (unit: the error's)."""
    points = []
    for point in record.points:
        judged = point.judgement
        nominal = point.nominal
        error = point.error
        unit = judged.unit if judged is not None and judged.unit else (
            str(error.units) if error is not None else "")
        points.append(PointDecision(
            point_id=point.point_id, phase=point.phase, function=point.function,
            nominal=float(nominal.magnitude) if nominal is not None else None,
            unit=f"{nominal.units:~P}" if nominal is not None else unit,
            value=judged.measured if judged is not None else (
                float(error.magnitude) if error is not None else None),
            U=judged.U if judged is not None else None,
            statement=judged.statement if judged is not None else "",
            specific_risk=judged.specific_risk if judged is not None else None))
    return tuple(points)


def record_status(record: Record) -> str:
    """Return the catalogue status: superseded (an amendment replaced it), amended (an
    amendment not yet reviewed), else the review state (draft, reviewed, approved)."""
    if record.review.superseded_by:
        return "superseded"
    if record.amends is not None and record.review.state == "draft":
        return "amended"
    return record.review.state


def catalogue_entry(record: Record, file_sha256: str) -> CatalogueEntry:
    """Return the catalogue's entry for ``record`` (opened through the store's API)."""
    run = record.run
    item = run.get("item") or {}
    procedure = run.get("procedure") or {}
    customer = run.get("customer") or {}
    path = Path(record.path).resolve()
    return CatalogueEntry(
        record_id=record.record_id, certificate_id=record.certificate_id,
        directory=str(path.parent), file=path.name, file_sha256=file_sha256,
        content_sha256=record.sha256, schema_version=record.schema_version,
        item=Item(_text(item.get("manufacturer")), _text(item.get("model")),
                  _text(item.get("serial")), _text(item.get("asset"))),
        procedure=_text(procedure.get("name") if isinstance(procedure, Mapping) else procedure),
        procedure_version=_text(procedure.get("version")
                                if isinstance(procedure, Mapping) else ""),
        customer=_text(customer.get("name") if isinstance(customer, Mapping) else customer),
        operator=_text(run.get("operator")),
        started_at=parse_time(run.get("started_at")), ended_at=parse_time(run.get("ended_at")),
        run_status=record.status, status=record_status(record),
        amends=_text((record.amends or {}).get("record_id")) or None,
        superseded_by=record.review.superseded_by,
        standards=standard_uses(record), points=point_decisions(record),
        signers=tuple(SignerEntry(s.action, s.name, s.role, s.fingerprint, s.time)
                      for s in record.signers))
