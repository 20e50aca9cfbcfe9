"""The ``measurementResults`` of a DCC: methods, software, equipment, conditions, and the
results of each function as tables.

Each phase (as found, as left) is one ``dcc:measurementResult``; in it, the points of one
function are one ``dcc:result`` whose quantities are columns (``si:realListXMLList``):
point IDs, ranges, (frequencies), nominal, reference and measured values, the error with
its expanded uncertainties, the tolerance limits, and on the error the statements of
conformity (``conformityXMLList``) with the numbers behind them. Every quantity carries a
refType (:mod:`metrolab.certificates.dcc_reftypes`), so software finds each value without
reading names. Numbers are the reported ones, so the DCC and the PDF agree digit for digit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from metrolab import __version__
from metrolab.certificates import dcc_reftypes as ref
from metrolab.certificates import wording
from metrolab.certificates.content import CertificateContent, ResultPoint
from metrolab.certificates.dcc_xml import d, ncname, quantity, real, real_list, text, token
from metrolab.certificates.reported import ReportedPoint, report_point, reported_conditions
from metrolab.conformity import dcc_conformity

#: the numbers behind a statement of conformity: (name, ReportedPoint field, refType, unit)
#: with unit None meaning the point's error unit
DECISION_NUMBERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("Lower acceptance limit of error", "acceptance_lower", ref.ACCEPTANCE_LOWER, None),
    ("Upper acceptance limit of error", "acceptance_upper", ref.ACCEPTANCE_UPPER, None),
    ("Probability of conformity", "probability_of_conformity", ref.PROBABILITY_OF_CONFORMITY,
     "\\one"),
    ("Specific risk", "specific_risk", ref.SPECIFIC_RISK, "\\one"),
    ("Probability of false accept", "pfa", ref.PFA, "\\one"),
    ("Probability of false reject", "pfr", ref.PFR, "\\one"),
    ("Test uncertainty ratio", "tur", ref.TUR, "\\one"),
)


@dataclass(frozen=True)
class _Table:
    """The points of one result table: one function, and the same columns for every row."""

    function: str
    points: tuple[ResultPoint, ...]
    rows: tuple[ReportedPoint, ...]


def _shape(point: ResultPoint, row: ReportedPoint) -> tuple[object, ...]:
    """Return what makes two rows fit one table: function, columns present, rule."""
    numbers = tuple(field for _, field, _, _ in DECISION_NUMBERS
                    if getattr(row, field) is not None)
    rule = (point.conformity.rule, point.conformity.parameters) if point.conformity else None
    return (row.function, row.frequency is not None, row.tolerance_lower is not None,
            row.tolerance_upper is not None, row.statement is not None, numbers, rule)


def tables(points: Sequence[ResultPoint]) -> list[_Table]:
    """Return the result tables of one phase: the points of one function together (split
    only where their columns differ), in recorded order."""
    shapes: dict[tuple[object, ...], list[tuple[ResultPoint, ReportedPoint]]] = {}
    for point in points:
        row = report_point(point)
        shapes.setdefault(_shape(point, row), []).append((point, row))
    return [_Table(members[0][1].function, tuple(p for p, _ in members),
                   tuple(r for _, r in members)) for members in shapes.values()]


def _column(data: ET.Element, name: str, ref_type: str, values: Sequence[str],
            units: Sequence[str]) -> ET.Element:
    column = quantity(data, name, ref_type)
    real_list(column, values, units)
    return column


def _conformity(error: ET.Element, table: _Table) -> None:
    """Add the statements of conformity of a table's rows to its error column, with the
    rule and every number behind them."""
    first = table.points[0].conformity
    if first is None or table.rows[0].statement is None:
        return
    meta = d(d(error, "measurementMetaData"), "metaData", ref_type=ref.CONFORMITY)
    text(meta, "name", "Statement of conformity")
    d(meta, "norm", "ILAC-G8:09/2019")
    parameters = wording.rule_parameters(first.parameters)
    text(meta, "declaration", f"One statement per point, in the order of the table, under "
         f"decision rule {first.rule}" + (f" ({parameters})" if parameters else ""))
    d(meta, "conformityXMLList", " ".join(dcc_conformity(str(row.statement))
                                          for row in table.rows))
    data = d(meta, "data")
    for name, field, ref_type, unit in DECISION_NUMBERS:
        values = [getattr(row, field) for row in table.rows]
        if all(v is not None for v in values):
            _column(data, name, ref_type, values,
                    [unit or row.error_dsi_unit for row in table.rows])


def _table(listing: ET.Element, phase: str, number: int, table: _Table, named: bool) -> None:
    rows = table.rows
    result = d(listing, "result", ref_type=ref.RESULTS)
    result.set("id", ncname(f"{phase}-{table.function}-{number}"))
    text(result, "name", table.function + (f" ({number})" if named else ""))
    text(result, "description", "One column per quantity, one value per point, in the "
         "order of the points; the error carries the expanded uncertainty of each point")
    data = d(result, "data")
    points = quantity(data, "Point", ref.POINT_ID)
    d(points, "charsXMLList", " ".join(token(row.point_id) for row in rows))
    ranges = [r.range_value for r in rows]
    if all(r is not None for r in ranges):  # points without a range (a sensor) have none
        _column(data, "Range", ref.RANGE, [str(r) for r in ranges],
                [str(r.range_dsi_unit) for r in rows])
    if rows[0].frequency is not None:
        _column(data, "Frequency", ref.FREQUENCY, [str(r.frequency) for r in rows],
                [str(r.frequency_dsi_unit) for r in rows])
    for name, ref_type, field in (("Nominal value", ref.NOMINAL, "nominal"),
                                  ("Reference value", ref.REFERENCE, "reference"),
                                  ("Indication", ref.MEASURED, "value")):
        _column(data, name, ref_type, [getattr(r, field) for r in rows],
                [r.dsi_unit for r in rows])
    error = quantity(data, "Error", ref.ERROR)
    real_list(error, [r.error for r in rows], [r.error_dsi_unit for r in rows],
              U=[r.U for r in rows], k=[r.k for r in rows],
              p=[r.coverage_probability for r in rows])
    _conformity(error, table)
    for name, ref_type, field in (
            ("Lower tolerance limit of error", ref.TOLERANCE_LOWER, "tolerance_lower"),
            ("Upper tolerance limit of error", ref.TOLERANCE_UPPER, "tolerance_upper")):
        values = [getattr(r, field) for r in rows]
        if all(v is not None for v in values):
            _column(data, name, ref_type, values, [r.error_dsi_unit for r in rows])


def _influence_conditions(parent: ET.Element, c: CertificateContent) -> None:
    conditions = reported_conditions(c)
    if not conditions:
        return
    listing = d(parent, "influenceConditions")
    for condition in conditions:
        kinds = ref.CONDITIONS.get(condition.name)
        element = d(listing, "influenceCondition", ref_type=kinds[0] if kinds else None)
        text(element, "name", condition.name)
        data = d(element, "data")
        for n, (label, value) in enumerate((("Mean", condition.mean),
                                            ("Minimum", condition.minimum),
                                            ("Maximum", condition.maximum)), start=1):
            real(quantity(data, label, kinds[n] if kinds else None), label, value,
                 condition.dsi_unit)


def _equipment(parent: ET.Element, c: CertificateContent) -> None:
    if not c.equipment:
        return
    equipments = d(parent, "measuringEquipments")
    for item in c.equipment:
        equipment = d(equipments, "measuringEquipment")
        text(equipment, "name", item.name)
        text(equipment, "description", f"Role: {item.role}"
             + (f"; firmware {item.firmware}" if item.firmware else ""))
        standard = item.standard
        if standard is not None:
            certificate = d(equipment, "certificate")
            text(certificate, "referral", standard.issuer)
            d(certificate, "referralID", standard.certificate_id)
            d(certificate, "procedure", "SHA-256")
            d(certificate, "value", standard.certificate_sha256)
            text(certificate, "description",
                 f"calibrated {wording.when(standard.calibration_date)}, due "
                 f"{wording.when(standard.due_date)}: {wording.standard_validity(standard)}")
            d(certificate, "inValidityRange", "true" if standard.in_date else "false")
            d(certificate, "traceable", "true")
        text(d(equipment, "manufacturer"), "name", item.manufacturer)
        d(equipment, "model", wording.shown(item.model))
        serial = d(d(equipment, "identifications"), "identification")
        d(serial, "issuer", "manufacturer")
        d(serial, "value", wording.shown(item.serial))
        text(serial, "name", "Serial number")


def measurement_results(root: ET.Element, c: CertificateContent) -> None:
    """Add the DCC's ``measurementResults`` for the content ``c``; return nothing."""
    results = d(root, "measurementResults")
    method = d(d(results, "usedMethods"), "usedMethod")
    text(method, "name", f"{c.method.procedure}, version {c.method.version}")
    deviations = "; ".join(c.method.deviations) if c.method.deviations else "none"
    text(method, "description", f"Deviations from the method: {deviations}.")
    software = d(d(results, "usedSoftware"), "software")
    text(software, "name", c.method.software_name)
    d(software, "release", c.method.software_version or __version__)
    d(software, "type", "application")
    _equipment(results, c)
    _influence_conditions(results, c)
    for phase in c.phases():
        found = tables(c.results_in(phase))
        phase_text = report_point(c.results_in(phase)[0]).phase_text
        result_set = d(results, "measurementResult")
        result_set.set("id", phase)
        text(result_set, "name", f"{phase_text} results")
        adjustment = d(d(result_set, "influenceConditions"), "influenceCondition",
                       ref_type=ref.ADJUSTMENT)
        text(adjustment, "name", "Adjustment state")
        d(adjustment, "status", "beforeAdjustment" if phase == "as_found" else "afterAdjustment")
        text(d(adjustment, "data"), "text", f"{phase_text}: "
             + ("before any adjustment" if phase == "as_found" else "after adjustment"))
        listing = d(result_set, "results")
        functions = [t.function for t in found]
        for number, table in enumerate(found, start=1):
            _table(listing, phase, number, table, functions.count(table.function) > 1)
