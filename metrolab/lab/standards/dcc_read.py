"""Read the calibration of a standard out of a validated DCC 3.x.

What is read (docs/traceability.md, "What an import takes from a DCC"):

- ``coreData``: ``uniqueIdentifier`` (the certificate ID), ``endPerformanceDate`` (the
  calibration date), ``issueDate`` when present; ``calibrationLaboratory``: the
  contact name (issuer) and ``calibrationLaboratoryCode`` (accreditation); the item's
  manufacturer, model and serial (an identification issued by the manufacturer).
- every ``measurementResult``: its adjustment state (an influence condition whose
  ``status`` is ``afterAdjustment``/``afterRepair`` makes its points as-left), and in each
  ``result`` the quantities as columns: a single ``si:real``, an ``si:realListXMLList``
  (values, units, ``expandedMUXMLList``/``expandedUncXMLList``), either inside
  ``si:hybrid`` (the first representation pint can use), or a ``dcc:list`` of
  ``dcc:quantity`` rows forming one column.
- the role of each column by its ``refType`` when it has one (``basic_nominalValue``,
  ``basic_referenceValue``, ``basic_measuredValue``, ``basic_measurementError``,
  ``basic_frequency``, tolerance limits, ranges), else by its name or ``si:label``.

A point's correction is minus the error when the certificate gives one, else the
reference value minus the measured value (a meter), else the measured (or reference)
value minus the nominal value (a source). Its U, k and p come from the error, else the
reference, else the measured value. Every number is converted with pint to the unit of
the point's nominal value (differences as differences).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pint
from lxml import etree

from metrolab.lab.standards.dcc_schemas import DCC_NS, SI_NS, ValidatedDcc
from metrolab.lab.standards.dsi import pint_unit
from metrolab.lab.standards.errors import DccImportError
from metrolab.runner.calibrations import Calibration, CalibrationPoint
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.units import Quantity

_NS = {"dcc": DCC_NS, "si": SI_NS}

#: column roles, and refType tokens (lower case, prefix "basic_" or none) that name them
_REFTYPE_ROLES = {
    "nominalvalue": "nominal",
    "referencevalue": "reference",
    "measuredvalue": "measured",
    "measurementvalue": "measured",
    "indicatedvalue": "measured",
    "indication": "measured",
    "measurementerror": "error",
    "error": "error",
    "correction": "correction",
    "measurementerrorcorrection": "correction",
    "frequency": "frequency",
    "tolerancelimitlower": "tolerance_lower",
    "tolerancelimitupper": "tolerance_upper",
    "range": "range",
    "measurementrange": "range",
}
#: name/label words -> role, tried in this order (first match wins)
_NAME_ROLES = (
    ("lower tolerance", "tolerance_lower"),
    ("upper tolerance", "tolerance_upper"),
    ("nominal", "nominal"),
    ("set value", "nominal"),
    ("setting", "nominal"),
    ("frequency", "frequency"),
    ("correction", "correction"),
    ("relative", "ignored"),
    ("error", "error"),
    ("deviation", "error"),
    ("reference", "reference"),
    ("calibration value", "reference"),
    ("standard value", "reference"),
    ("indicat", "measured"),
    ("reading", "measured"),
    ("measured", "measured"),
    ("range", "range"),
)


@dataclass(frozen=True, slots=True)
class Column:
    """One quantity of a result as a column of numbers in ``unit``, with its uncertainty
    (U, k, p per row, None where the certificate gives none) and its role."""

    role: str
    name: str
    values: tuple[float, ...]
    unit: pint.Unit
    U: tuple[float | None, ...]
    k: tuple[float | None, ...]
    p: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class DccItem:
    """The item a DCC calibrated, as it names it."""

    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    name: str = ""


@dataclass(frozen=True)
class ImportedDcc:
    """The calibration a DCC holds, ready for the register (numbers as in the DCC, units
    converted with pint)."""

    dcc: ValidatedDcc
    certificate_id: str
    calibration_date: date
    issue_date: date | None
    issuer: str
    accreditation: str
    item: DccItem
    points: tuple[CalibrationPoint, ...] = field(default=())

    def calibration(self, certificate_file: str = "") -> Calibration:
        """Return the register's :class:`Calibration` of this certificate."""
        return Calibration(
            certificate_id=self.certificate_id, calibration_date=self.calibration_date,
            issuer=self.issuer, accreditation=self.accreditation,
            certificate_sha256=self.dcc.sha256, certificate_file=certificate_file,
            issue_date=self.issue_date, source="dcc", dcc_version=self.dcc.version,
            points=self.points)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None, path: str) -> str:
    """Return the stripped text at ``path`` under ``element`` ('' when absent)."""
    if element is None:
        return ""
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _content(element: etree._Element | None) -> str:
    """Return the English (else the first) ``dcc:content`` of a text element."""
    if element is None:
        return ""
    contents = element.findall("dcc:content", _NS)
    english = [c for c in contents if c.get("lang") == "en"]
    chosen = (english or contents)
    return (chosen[0].text or "").strip() if chosen else ""


def _date(where: str, text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise DccImportError(f"{where}: {text!r} is not a date") from exc


def _numbers(element: etree._Element | None) -> list[float]:
    if element is None or not (element.text or "").strip():
        return []
    return [float(v) for v in element.text.split()]


def _broadcast(values: Sequence[float], n: int) -> tuple[float | None, ...]:
    if not values:
        return (None,) * n
    if len(values) == 1:
        return (values[0],) * n
    return tuple(values)


def _uncertainty(real: etree._Element, n: int, listed: bool
                 ) -> tuple[tuple[float | None, ...], ...]:
    """Return (U, k, p) per row of an si:real or si:realListXMLList (expandedMU, the
    deprecated expandedUnc, or a standardMU taken as U with k = 1)."""
    suffix = "XMLList" if listed else ""
    base = f"si:measurementUncertaintyUnivariate{suffix}"
    expanded = real.find(f"{base}/si:expandedMU{suffix}", _NS)
    if expanded is not None:
        return (_broadcast(_numbers(expanded.find(f"si:valueExpandedMU{suffix}", _NS)), n),
                _broadcast(_numbers(expanded.find(f"si:coverageFactor{suffix}", _NS)), n),
                _broadcast(_numbers(expanded.find(f"si:coverageProbability{suffix}", _NS)), n))
    standard = real.find(f"{base}/si:standardMU{suffix}", _NS)
    if standard is not None:
        return (_broadcast(_numbers(standard.find(f"si:valueStandardMU{suffix}", _NS)), n),
                (1.0,) * n, (None,) * n)
    old = real.find(f"si:expandedUnc{suffix}", _NS)
    if old is not None:
        return (_broadcast(_numbers(old.find(f"si:uncertainty{suffix}", _NS)), n),
                _broadcast(_numbers(old.find(f"si:coverageFactor{suffix}", _NS)), n),
                _broadcast(_numbers(old.find(f"si:coverageProbability{suffix}", _NS)), n))
    return (None,) * n, (None,) * n, (None,) * n


def _role(ref_type: str, name: str) -> str:
    for token in ref_type.split():
        key = re.sub(r"^[a-z]+_", "", token).lower() if "_" in token else token.lower()
        if key in _REFTYPE_ROLES:
            return _REFTYPE_ROLES[key]
    lowered = name.lower()
    return next((role for word, role in _NAME_ROLES if word in lowered), "unknown")


def _value_element(element: etree._Element, where: str
                   ) -> tuple[tuple[float, ...], pint.Unit, tuple[tuple[float | None, ...], ...],
                              str] | None:
    """Return (values, unit, (U, k, p), label) of an si:real or si:realListXMLList, or
    None for any other element."""
    if etree.QName(element).namespace != SI_NS:
        return None
    kind = _local(element)
    if kind == "real":
        values: tuple[float, ...] = (float(_text(element, "si:value")),)
        unit = pint_unit(_text(element, "si:unit"))
        return values, unit, _uncertainty(element, 1, False), _text(element, "si:label")
    if kind == "realListXMLList":
        values = tuple(_numbers(element.find("si:valueXMLList", _NS)))
        units = (_text(element, "si:unitXMLList") or "").split()
        if not units:
            raise DccImportError(f"{where}: si:realListXMLList without si:unitXMLList")
        if len(set(units)) > 1:
            raise DccImportError(f"{where}: a list with several units ({', '.join(units)}) "
                                 "cannot be one column")
        return (values, pint_unit(units[0]), _uncertainty(element, len(values), True),
                _text(element, "si:labelXMLList"))
    return None


def _values_of(holder: etree._Element, where: str
               ) -> tuple[tuple[float, ...], pint.Unit, tuple[tuple[float | None, ...], ...],
                          str] | None:
    """Return the first usable D-SI value among ``holder``'s children (si:real,
    si:realListXMLList, or the first of an si:hybrid's representations pint can use)."""
    for child in holder:
        if not isinstance(child.tag, str):
            continue
        if etree.QName(child).namespace == SI_NS and _local(child) == "hybrid":
            problems = []
            for inner in child:
                if not isinstance(inner.tag, str):
                    continue
                try:
                    found = _value_element(inner, where)
                except DccImportError as exc:  # a representation pint cannot use: next one
                    problems.append(str(exc))
                    continue
                if found is not None:
                    return found
            raise DccImportError(f"{where}: no representation in si:hybrid is usable "
                                 f"({'; '.join(problems) or 'none is si:real or a list'})")
        found = _value_element(child, where)
        if found is not None:
            return found
    return None


def _quantity_column(quantity: etree._Element, where: str) -> Column | None:
    name = _content(quantity.find("dcc:name", _NS))
    found = _values_of(quantity, f"{where}, quantity {name or '(unnamed)'}")
    if found is None:
        return None
    values, unit, (U, k, p), label = found
    return Column(_role(quantity.get("refType", ""), name or label), name or label, values,
                  unit, U, k, p)


def _columns(data: etree._Element, where: str) -> Iterator[Column]:
    """Yield the columns of a result's ``dcc:data`` (or of a ``dcc:list`` in it)."""
    for child in data:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != DCC_NS:
            continue
        kind = _local(child)
        if kind == "quantity":
            column = _quantity_column(child, where)
            if column is not None:
                yield column
        elif kind == "list":
            rows = child.findall("dcc:quantity", _NS)
            unnamed = rows and all(r.find("dcc:name", _NS) is None and not r.get("refType")
                                   for r in rows)
            if unnamed and child.find("dcc:list", _NS) is None:
                yield _list_column(child, rows, where)
            else:
                yield from _columns(child, where)


def _list_column(listing: etree._Element, rows: Sequence[etree._Element], where: str
                 ) -> Column:
    """Return the column a ``dcc:list`` of unnamed ``dcc:quantity`` rows makes (the
    PTB vacuum-lab example's shape: one list per column, one si:real per row)."""
    name = _content(listing.find("dcc:name", _NS))
    cells = [_quantity_column(row, f"{where}, list {name}") for row in rows]
    present = [c for c in cells if c is not None]
    if not present:
        raise DccImportError(f"{where}: list {name!r} holds no D-SI values")
    unit = present[0].unit
    values = tuple(_clean(float(Quantity(c.values[0], c.unit).to(unit).magnitude))
                   for c in present)
    U = tuple(None if c.U[0] is None else _step(c.U[0], c.unit, unit) for c in present)
    return Column(_role(listing.get("refType", ""), name), name, values, unit, U,
                  tuple(c.k[0] for c in present), tuple(c.p[0] for c in present))


def _step(value: float, unit: pint.Unit, target: pint.Unit) -> float:
    """Return the difference ``value`` in ``unit`` expressed in ``target``."""
    return _clean(float(magnitude_and_unit(Quantity(value, unit), target, "value",
                                           delta=True)[0]))


def _difference(a: float, b: float) -> float:
    """Return a - b of two decimals as the decimal difference (1.0000031 - 1 is 3.1e-06,
    not 3.1000000000336314e-06)."""
    return float(Decimal(repr(a)) - Decimal(repr(b)))


def _clean(value: float) -> float:
    """Return ``value`` rounded to 15 significant digits: a decimal from the certificate
    scaled by a power of ten stays that decimal (40 µV is 4e-05 V, not 3.9999999999999996e-05)."""
    return float(f"{value:.15g}")


def _phase(result_set: etree._Element) -> str:
    statuses = [_text(c, "dcc:status") for c in
                result_set.findall("dcc:influenceConditions/dcc:influenceCondition", _NS)]
    if any(s in ("afterAdjustment", "afterRepair") for s in statuses):
        return "as_left"
    return "as_left" if result_set.get("id", "").lower() in ("as_left", "asleft") else "as_found"


_FUNCTION = re.compile(r"^([A-Z][A-Z0-9]{1,7})(?:,|$)")
_RANGE = re.compile(r"range\s+([-+0-9.eE]+)\s*([^\s,]+)")


def _from_name(name: str) -> tuple[str, str, tuple[float, str] | None]:
    """Return (function, quantity, range) read from a result name such as
    ``"DCV, range 10 V, nominal 10 V"`` (metrolab's own DCCs name results so)."""
    function = _FUNCTION.match(name)
    ranged = _RANGE.search(name)
    span = None
    if ranged:
        try:
            span = (float(ranged.group(1)), ranged.group(2))
        except ValueError:
            span = None
    func = function.group(1) if function else ""
    return func, func or name, span


def _points(result: etree._Element, phase: str, where: str, nominal: pint.Quantity | None
            ) -> list[CalibrationPoint]:
    name = _content(result.find("dcc:name", _NS))
    data = result.find("dcc:data", _NS)
    if data is None:
        return []
    where = f"{where}, result {name!r}"
    columns: dict[str, Column] = {}
    for column in _columns(data, where):
        columns.setdefault(column.role, column)
    numeric = {"nominal", "reference", "measured", "error", "correction"}
    if not numeric & set(columns):
        return []
    rows = max(len(c.values) for c in columns.values())
    for role, column in columns.items():
        if len(column.values) not in (1, rows):
            raise DccImportError(f"{where}: column {column.name!r} ({role}) has "
                                 f"{len(column.values)} values, the table {rows}")
    function, quantity, span = _from_name(name)
    return [_point(columns, n, phase, where, quantity, function, span, nominal)
            for n in range(rows)]


def _cell(column: Column | None, n: int) -> tuple[float, float | None, float | None,
                                                 float | None] | None:
    if column is None:
        return None
    i = n if len(column.values) > 1 else 0
    return column.values[i], column.U[i], column.k[i], column.p[i]


def _point(columns: dict[str, Column], n: int, phase: str, where: str, quantity: str,
           function: str, span: tuple[float, str] | None, given: pint.Quantity | None
           ) -> CalibrationPoint:
    where = f"{where}, row {n + 1}"
    base = next((columns[r] for r in ("nominal", "measured", "reference")
                 if r in columns), None)
    if base is None:
        raise DccImportError(f"{where}: neither a nominal, measured nor reference value")
    unit = columns["nominal"].unit if "nominal" in columns else base.unit

    def level(role: str) -> float | None:
        cell = _cell(columns.get(role), n)
        return None if cell is None else _clean(float(
            Quantity(cell[0], columns[role].unit).to(unit).magnitude))

    def step(role: str, index: int = 0) -> float | None:
        cell = _cell(columns.get(role), n)
        if cell is None or cell[index] is None:
            return None
        return _step(float(cell[index]), columns[role].unit, unit)  # type: ignore[arg-type]

    nominal, reference, measured = level("nominal"), level("reference"), level("measured")
    if nominal is None and given is not None and (reference is None or measured is None):
        nominal = float(given.to(unit).magnitude)
    if "error" in columns:
        correction = -float(step("error") or 0.0)
        carrier = "error"
    elif "correction" in columns:
        correction = float(step("correction") or 0.0)
        carrier = "correction"
    elif reference is not None and measured is not None:
        correction, carrier = _difference(reference, measured), "reference"
    elif nominal is not None and (measured is not None or reference is not None):
        value = measured if measured is not None else reference
        assert value is not None
        correction = _difference(value, nominal)
        carrier = "measured" if measured is not None else "reference"
    else:
        raise DccImportError(f"{where}: a value without a nominal value; give the standard's "
                             "nominal value with --nominal (e.g. --nominal '10 kohm')")
    if nominal is None:
        nominal = measured if measured is not None else reference
    order = [carrier, "error", "correction", "reference", "measured"]
    holder = next((r for r in order if r in columns and _cell(columns[r], n) is not None
                   and _cell(columns[r], n)[1] is not None), None)  # type: ignore[index]
    if holder is None:
        raise DccImportError(f"{where}: no expanded uncertainty is given for this point; "
                             "a calibration without U cannot be used")
    cell = _cell(columns[holder], n)
    assert cell is not None
    U = _step(float(cell[1]), columns[holder].unit, unit)  # type: ignore[arg-type]
    k = cell[2] if cell[2] is not None else math.nan
    if not k > 0:
        raise DccImportError(f"{where}: the uncertainty has no coverage factor")
    limits = [abs(limit) for role in ("tolerance_upper", "tolerance_lower")
              if (limit := step(role)) is not None]
    tolerance = min(limits) if limits else None  # asymmetric limits: the tighter one
    frequency_cell = _cell(columns.get("frequency"), n)
    frequency = None if frequency_cell is None else _clean(float(
        Quantity(frequency_cell[0], columns["frequency"].unit).to("Hz").magnitude))
    span_value = level("range")
    if span_value is None and span is not None:
        try:
            span_value = float(Quantity(span[0], span[1]).to(unit).magnitude)
        except (pint.errors.PintError, ValueError, AttributeError):
            span_value = None
    assert nominal is not None
    if not all(math.isfinite(v) for v in (nominal, correction, U, float(k))) or U <= 0:
        raise DccImportError(f"{where}: nominal {nominal}, correction {correction}, U {U}, "
                             f"k {k}: a calibration point needs finite numbers and U > 0")
    return CalibrationPoint(
        quantity=quantity, nominal=nominal, correction=correction, U=U, k=float(k),
        unit=f"{unit:~C}", p=cell[3], value=reference if reference is not None else measured,
        indication=measured if reference is not None else None, frequency=frequency,
        range=span_value, tolerance=tolerance, phase=phase, function=function)


def _item(root: etree._Element) -> DccItem:
    item = root.find("dcc:administrativeData/dcc:items/dcc:item", _NS)
    if item is None:
        return DccItem()
    serial = ""
    for ident in item.findall("dcc:identifications/dcc:identification", _NS):
        if _text(ident, "dcc:issuer") == "manufacturer" or not serial:
            serial = _text(ident, "dcc:value") or serial
    return DccItem(manufacturer=_content(item.find("dcc:manufacturer/dcc:name", _NS)),
                   model=_text(item, "dcc:model"), serial=serial,
                   name=_content(item.find("dcc:name", _NS)))


def read_dcc(dcc: ValidatedDcc, nominal: pint.Quantity | None = None) -> ImportedDcc:
    """Return the calibration held by the validated ``dcc`` as :class:`ImportedDcc`.

    ``nominal`` is the standard's nominal value for certificates that state only a
    value. Raises :class:`DccImportError` naming the result and row when a point lacks
    what an import needs (a nominal value, an expanded uncertainty with k), and when the
    certificate holds no numeric result at all.
    """
    root = dcc.root
    admin = root.find("dcc:administrativeData", _NS)
    core = root.find("dcc:administrativeData/dcc:coreData", _NS)
    where = str(dcc.path)
    certificate_id = _text(core, "dcc:uniqueIdentifier")
    end = _text(core, "dcc:endPerformanceDate")
    if not certificate_id or not end:
        raise DccImportError(f"{where}: coreData lacks uniqueIdentifier or endPerformanceDate")
    issued = _text(core, "dcc:issueDate")
    lab = admin.find("dcc:calibrationLaboratory", _NS) if admin is not None else None
    points: list[CalibrationPoint] = []
    for result_set in root.findall("dcc:measurementResults/dcc:measurementResult", _NS):
        phase = _phase(result_set)
        for result in result_set.findall("dcc:results/dcc:result", _NS):
            points += _points(result, phase, where, nominal)
    if not points:
        raise DccImportError(f"{where}: no result holds a nominal, reference, measured value "
                             "or error with its uncertainty: nothing to import")
    return ImportedDcc(
        dcc=dcc, certificate_id=certificate_id, calibration_date=_date(where, end),
        issue_date=_date(where, issued) if issued else None,
        issuer=_content(lab.find("dcc:contact/dcc:name", _NS)) if lab is not None else "",
        accreditation=_text(lab, "dcc:calibrationLaboratoryCode"),
        item=_item(root), points=tuple(points))
