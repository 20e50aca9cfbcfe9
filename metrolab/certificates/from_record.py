"""Build :class:`CertificateContent` from a sealed record opened with ``metrolab.store``.

Only the record is read: its run metadata, instruments, environment, points with
their budgets and decisions, review state and amendment link. Anything a certificate
needs that the record lacks is an error naming the record field, never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pint

from metrolab.certificates.caveats import marked_caveats
from metrolab.certificates.circumstances import deviations, is_simulated, notices
from metrolab.certificates.content import (
    STANDARD_NOTES,
    Amendment,
    Approval,
    CertificateContent,
    Conformity,
    Dates,
    DecisionRule,
    Equipment,
    InfluenceCondition,
    Item,
    Laboratory,
    Method,
    Party,
    ResultPoint,
    Signatory,
    Standard,
)
from metrolab.certificates.corrections import fitted_curve
from metrolab.certificates.errors import CertificateError
from metrolab.certificates.spec_notes import specification_notes
from metrolab.store import EnvironmentLog, PointRecord, Record
from metrolab.units import Quantity

#: decision rule name (metrolab.conformity.RULES) -> its wording on a certificate
RULE_TEXT: dict[str, str] = {
    "simple": "ILAC-G8:09/2019 simple acceptance, binary statement (guard band w = 0)",
    "guarded": "ILAC-G8:09/2019 guarded acceptance, binary statement",
    "nonbinary": "ILAC-G8:09/2019 non-binary statement (pass, conditional pass, "
                 "conditional fail, fail) with guard band",
}

_ENVIRONMENT = (("temperature", "Temperature"), ("humidity", "Relative humidity"),
                ("pressure", "Air pressure"))


def _moment(value: Any, field: str) -> datetime:
    """Return an ISO 8601 text or epoch seconds as an aware UTC datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str) and value:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise CertificateError(f"the record has no usable {field} ({value!r}); it cannot be certified")


def _day(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def flatten_parameters(parameters: Mapping[str, Any] | None, prefix: str = "") -> tuple[
        tuple[str, str], ...]:
    """Return nested rule parameters as ``(dotted name, text)`` pairs, leaving out Nones."""
    pairs: list[tuple[str, str]] = []
    for name, value in (parameters or {}).items():
        key = f"{prefix}{name}"
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs += flatten_parameters(value, f"{key}.")
        elif isinstance(value, float):
            pairs.append((key, f"{value:.6g}"))
        else:
            pairs.append((key, str(value)))
    return tuple(pairs)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _conformity(decision: Mapping[str, Any], unit: str) -> Conformity | None:
    statement = decision.get("statement")
    if not statement:
        return None
    limit_unit = decision.get("unit") or unit
    lower, upper = _number(decision.get("acceptance_lower")), _number(
        decision.get("acceptance_upper"))
    return Conformity(
        statement=statement,
        rule=str(decision.get("rule", "")),
        parameters=flatten_parameters(decision.get("parameters")),
        probability_of_conformity=_number(decision.get("probability_of_conformity")),
        specific_risk=_number(decision.get("specific_risk")),
        pfa=_number(decision.get("pfa")),
        pfr=_number(decision.get("pfr")),
        tur=_number(decision.get("tur")),
        acceptance_lower=None if lower is None else Quantity(lower, limit_unit),
        acceptance_upper=None if upper is None else Quantity(upper, limit_unit),
    )


def _uncertainty(point: PointRecord, where: str) -> tuple[pint.Quantity, float, float]:
    """Return (U, k, coverage probability) of a point's error from its budget."""
    budget = point.budget
    outputs = budget.get("outputs") or {}
    if len(outputs) != 1:
        raise CertificateError(
            f"{where}: the budget has {len(outputs)} outputs; a certificate needs exactly one "
            "(the error) with U, k and its unit"
        )
    output = next(iter(outputs.values()))
    coverage = budget.get("coverage")
    if output.get("U") is None or output.get("k") is None or coverage is None:
        raise CertificateError(f"{where}: the budget lacks U, k or coverage; re-evaluate it")
    return Quantity(float(output["U"]), output.get("unit") or ""), float(output["k"]), float(
        coverage)


def _result(point: PointRecord) -> ResultPoint:
    where = f"point {point.point_id!r} ({point.phase})"
    quantities = {"nominal": point.nominal, "value": point.value, "error": point.error,
                  "reference": point.reference}
    present = {name: q for name, q in quantities.items() if q is not None}
    if len(present) != len(quantities):
        missing = ", ".join(name for name in quantities if name not in present)
        raise CertificateError(f"{where}: the record has no {missing}; the point has no "
                               "result to report")
    if point.phase not in ("as_found", "as_left"):
        raise CertificateError(f"{where}: phase must be as_found or as_left")
    error = present["error"]
    unit = str(error.units)
    U, k, coverage = _uncertainty(point, where)
    tolerance = point.result.get("tolerance") or {}
    tolerance_unit = tolerance.get("unit") or unit
    lower, upper = _number(tolerance.get("lower")), _number(tolerance.get("upper"))
    return ResultPoint(
        point_id=point.point_id, phase=point.phase,
        function=point.function, range=point.range, nominal=present["nominal"],
        reference=present["reference"], value=present["value"], error=error,
        U=U.to(error.units), k=k, coverage_probability=coverage,
        tolerance_lower=None if lower is None else Quantity(lower, tolerance_unit),
        tolerance_upper=None if upper is None else Quantity(upper, tolerance_unit),
        conformity=_conformity(point.decision, unit),
        frequency=_frequency(point),
    )


def _frequency(point: PointRecord) -> pint.Quantity | None:
    """Return the AC frequency of the point's stimulus from its settings, or None."""
    setting = (point.started.get("settings") or {}).get("frequency")
    if not isinstance(setting, Mapping) or setting.get("value") is None:
        return None
    return Quantity(float(setting["value"]), setting.get("unit") or "Hz")


def _environment(environment: Mapping[str, EnvironmentLog]) -> tuple[InfluenceCondition, ...]:
    conditions = []
    for key, name in _ENVIRONMENT:
        log = environment.get(key)
        if log is None:
            continue
        magnitudes = np.asarray(log.values.magnitude, dtype=float).reshape(-1)
        magnitudes = magnitudes[np.isfinite(magnitudes)]
        if magnitudes.size == 0:
            continue
        unit = log.values.units
        conditions.append(InfluenceCondition(
            name, Quantity(float(magnitudes.mean()), unit), Quantity(float(magnitudes.min()), unit),
            Quantity(float(magnitudes.max()), unit)))
    return tuple(conditions)


def _standard(instrument: Mapping[str, Any], start: date, end: date) -> Standard | None:
    """Return the calibration of an instrument from its traceability, or None if it has none."""
    identity = instrument.get("identity") or {}
    trace = instrument.get("traceability") or {}
    if not trace.get("certificate_id"):
        if instrument.get("role") == "standard":
            raise CertificateError(
                f"standard {instrument.get('name')!r} has no traceability certificate in the "
                "record; a certificate cannot state how its results are traceable"
            )
        return None
    calibrated, due = _day(trace.get("calibration_date")), _day(trace.get("due_date"))
    in_date = (calibrated is None or calibrated <= start) and (due is None or end <= due)
    return Standard(
        name=str(instrument.get("name", "")),
        manufacturer=str(identity.get("manufacturer", "")),
        model=str(identity.get("model", "")), serial=str(identity.get("serial", "")),
        certificate_id=str(trace["certificate_id"]),
        certificate_sha256=str(trace.get("certificate_sha256") or "not recorded"),
        calibration_date=calibrated, due_date=due, issuer=str(trace.get("issuer", "")),
        in_date=in_date, override_reason=str(trace.get("override_reason") or ""),
        values=str(trace.get("values") or "specification"),
    )


def _equipment(instruments: list[dict[str, Any]], start: date, end: date) -> tuple[
        Equipment, ...]:
    """Return every instrument but the item (role ``dut``), with its calibration if any."""
    equipment = []
    for instrument in instruments:
        if instrument.get("role") == "dut":
            continue
        identity = instrument.get("identity") or {}
        equipment.append(Equipment(
            role=str(instrument.get("role", "")), name=str(instrument.get("name", "")),
            manufacturer=str(identity.get("manufacturer", "")),
            model=str(identity.get("model", "")), serial=str(identity.get("serial", "")),
            firmware=str(identity.get("firmware", "")),
            standard=_standard(instrument, start, end),
        ))
    return tuple(equipment)


def _dut_firmware(instruments: list[dict[str, Any]]) -> str:
    """Return the firmware the item reported when identified, or an empty string."""
    for instrument in instruments:
        if instrument.get("role") == "dut":
            return str((instrument.get("identity") or {}).get("firmware", ""))
    return ""


def _approval(record: Record) -> Approval:
    review = record.review
    times: dict[str, datetime] = {}
    for step in review.history:
        if step.get("action") in ("reviewed", "approved") and step.get("time"):
            times[str(step["action"])] = _moment(step["time"], "review time")
    approved = review.state == "approved"
    signatures = tuple(
        Signatory(action=s.action, name=s.name, role=s.role, fingerprint=s.fingerprint,
                  time=_moment(s.time, "signature time"), entry_hash=s.entry_hash,
                  content_sha256=s.content_sha256, signature=s.signature,
                  registered=s.registered)
        for s in record.signers)
    return Approval(
        state=review.state, performed_by=str(record.run.get("operator") or ""),
        checked_by=review.reviewed_by or "", checked_at=times.get("reviewed"),
        approved_by=(review.approved_by or "") if approved else "",
        approved_at=times.get("approved") if approved else None,
        signatures=signatures,
    )


def _changes(changes: Any) -> tuple[str, ...]:
    if not changes:
        return ()
    if isinstance(changes, Mapping):
        return tuple(f"{name}: {value}" for name, value in changes.items())
    if isinstance(changes, str):
        return (changes,)
    texts = []
    for change in changes:
        if isinstance(change, Mapping) and "field" in change:
            texts.append(f"{change['field']} changed from {change.get('old')!r} to "
                         f"{change.get('new')!r}")
        else:
            texts.append(str(change))
    return tuple(texts)


def content_from_record(record: Record, *, draft: bool = False) -> CertificateContent:
    """Return the certificate content of an opened sealed ``record``.

    ``draft`` marks the content as a draft (also implied when the record is not
    approved). Raises :class:`CertificateError` naming the missing record field.
    """
    run = record.run
    start = _moment(run.get("started_at"), "run_started.started_at")
    end = _moment(run.get("ended_at"), "run end time")
    approval = _approval(record)
    is_draft = draft or not approval.approved
    lab = run.get("laboratory") or {}
    customer = run.get("customer") or {}
    item = run.get("item") or {}
    procedure = run.get("procedure") or {}
    rule = run.get("decision_rule") or {}
    rule_name = str(rule.get("rule", ""))
    amends = record.amends
    results = tuple(_result(point) for point in record.points
                    if point.result)
    if not results:
        raise CertificateError(f"record {record.path.name} holds no point results to certify")
    identified = Item(str(item.get("manufacturer", "")), str(item.get("model", "")),
                      str(item.get("serial", "")), str(item.get("description", "")),
                      str(item.get("condition", "")), _dut_firmware(record.instruments),
                      str(item.get("asset", "")))
    equipment = _equipment(record.instruments, start.date(), end.date())
    results, notes = marked_caveats(
        results, [tuple((p.result or {}).get("caveats") or ()) for p in record.points
                  if p.result], identified, equipment)
    return CertificateContent(
        certificate_id=record.certificate_id,
        laboratory=Laboratory(
            name=str(lab.get("name", "")), address=str(lab.get("address", "")),
            accreditation=str(lab.get("accreditation", "")),
            country_code=str(lab.get("country") or ""),
        ),
        customer=Party(str(customer.get("name", "")), str(customer.get("address", "")),
                       str(customer.get("contact", ""))),
        location=str(run.get("location") or "laboratory"),
        item=identified,
        dates=Dates(
            performance_start=start, performance_end=end,
            issue=None if is_draft or approval.approved_at is None
            else approval.approved_at.date(),
            receipt=_day(item.get("received") or run.get("receipt_date")),
        ),
        method=Method(
            procedure=str(procedure.get("name", "")), version=str(procedure.get("version", "")),
            deviations=deviations(record),
            software_version=str(run.get("software_version", "")),
            config_hash=str(run.get("config_hash", "")),
        ),
        environment=_environment(record.environment),
        equipment=equipment,
        results=results,
        decision_rule=DecisionRule(
            rule=rule_name, parameters=flatten_parameters(rule.get("parameters")),
            description=RULE_TEXT.get(rule_name, rule_name or "not recorded"),
        ),
        approval=approval,
        record_sha256=record.sha256,
        amendment=None if amends is None else Amendment(
            replaces_certificate_id=str(amends.get("certificate_id") or amends["record_id"]),
            reason=str(amends.get("reason", "")), changes=_changes(amends.get("changes")),
            replaced_sha256=str(amends.get("replaced_sha256") or ""),
        ),
        draft=is_draft,
        notes=STANDARD_NOTES + notes + specification_notes(record.events),
        simulated=is_simulated(run),
        notices=notices(record, draft=is_draft, requested=draft, approved=approval.approved),
        curve=fitted_curve(record.events),
    )
