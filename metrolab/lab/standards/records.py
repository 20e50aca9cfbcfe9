"""A calibration the lab made of its own standard, read from the sealed record of that run.

The record must verify (``metrolab verify``), have completed, and be approved, as for
issuing a certificate. Each point with an error and an expanded uncertainty becomes a
calibration point: correction = minus the error, U and k from its budget, the reference
value and the standard's indication, tolerance the half-width of a symmetric limit.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from metrolab.lab.standards.dcc_read import DccItem
from metrolab.lab.standards.errors import DccImportError
from metrolab.runner.calibrations import Calibration, CalibrationPoint
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.units import Quantity


def _output(budget: dict[str, Any]) -> dict[str, Any]:
    outputs = budget.get("outputs") or {}
    return next(iter(outputs.values()), {})


def _point(point: Any, where: str) -> CalibrationPoint | None:
    if point.error is None or point.nominal is None or point.U is None:
        return None
    out = _output(point.budget)
    unit = point.nominal.units

    def step(q: Any) -> float:
        return float(magnitude_and_unit(q, unit, where, delta=True)[0])

    lower, upper = (point.result.get("tolerance") or {}).get("lower"), \
        (point.result.get("tolerance") or {}).get("upper")
    tolerance = None
    if lower is not None and upper is not None and abs(lower + upper) <= 1e-12 * abs(upper):
        tolerance = step(Quantity(float(upper), point.error.units))
    frequency = (point.started.get("settings") or {}).get("frequency")
    hz = None
    if isinstance(frequency, dict) and frequency.get("value") is not None:
        hz = float(Quantity(frequency["value"], frequency.get("unit") or "Hz").to("Hz").magnitude)
    return CalibrationPoint(
        quantity=point.function or point.point_id, function=point.function,
        nominal=float(point.nominal.magnitude), correction=-step(point.error),
        U=step(point.U), k=float(out.get("k") or 2.0), p=point.budget.get("coverage"),
        unit=f"{unit:~C}",
        value=None if point.reference is None else float(point.reference.to(unit).magnitude),
        indication=None if point.value is None else float(point.value.to(unit).magnitude),
        frequency=hz,
        range=None if point.range is None else float(point.range.to(unit).magnitude),
        tolerance=tolerance, phase=point.phase)


def read_record(path: Path) -> tuple[Calibration, DccItem]:
    """Return the calibration held by the sealed record at ``path`` and the item it names.

    Raises :class:`DccImportError` when the record does not verify, did not complete,
    is not approved, or holds no point with an error and its uncertainty.
    """
    from metrolab.store import open_record, verify
    from metrolab.store.errors import RecordError, StoreError

    try:
        report = verify(path)
        if not report.ok:
            raise DccImportError(f"record {path} failed verification: "
                                 f"{'; '.join(report.problems[:3])}; nothing was imported")
        record = open_record(path)
    except (StoreError, RecordError) as exc:
        raise DccImportError(f"record {path}: {exc}") from exc
    if record.status != "completed":
        raise DccImportError(f"record {path} did not complete ({record.status}): a run that "
                             "did not complete is no calibration")
    if record.review.state != "approved":
        raise DccImportError(f"record {path} is {record.review.state}, not approved: approve "
                             "it (`metrolab approve`) before entering it as a calibration")
    points = tuple(p for p in (_point(p, str(path)) for p in record.points) if p is not None)
    if not points:
        raise DccImportError(f"record {path} holds no point with an error and its U")
    run = record.run
    laboratory = run.get("laboratory") or {}
    ended = str(run.get("ended_at") or run.get("started_at") or "")
    item = run.get("item") or {}
    calibration = Calibration(
        certificate_id=record.certificate_id, calibration_date=_day(ended, path),
        issuer=str(laboratory.get("name", "")),
        accreditation=str(laboratory.get("accreditation", "")),
        certificate_sha256=record.sha256, source="record", points=points)
    return calibration, DccItem(manufacturer=str(item.get("manufacturer", "")),
                                model=str(item.get("model", "")),
                                serial=str(item.get("serial", "")))


def _day(text: str, path: Path) -> date:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise DccImportError(f"record {path}: its end time {text!r} is not ISO 8601") from exc
