"""The reported text of every number on a certificate, shared by all renderers.

PDF, HTML and DCC take their digits from here, so "the PDF and the DCC agree" holds
by construction and a test can still check it by reading both back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pint
from pint.facets.plain import PlainQuantity

from metrolab.certificates.content import (
    PHASE_TEXT,
    STATEMENT_TEXT,
    CertificateContent,
    InfluenceCondition,
    ResultPoint,
)
from metrolab.certificates.dsi_units import dsi_unit
from metrolab.certificates.rounding import (
    Reported,
    difference,
    format_percent,
    format_plain,
    format_probability,
    format_trimmed,
    reported_uncertainty,
    round_at,
    round_like,
    round_reported,
)
from metrolab.units import ureg


def unit_symbol(quantity: PlainQuantity[Any]) -> str:
    """Return the short printable unit of ``quantity`` (``V``, ``mV``, ``°C``, ``%``)."""
    text = f"{quantity.units:~P}"
    return text or "1"


def _in(quantity: pint.Quantity | None, unit: Any) -> float | None:
    if quantity is None:
        return None
    return float(quantity.to(unit).magnitude)


@dataclass(frozen=True, slots=True)
class ReportedPoint:
    """One result point as text: every value in ``unit`` (the measurand's unit)."""

    point_id: str
    phase: str
    phase_text: str
    function: str
    range: str
    range_value: str | None
    range_dsi_unit: str | None
    frequency: str | None
    frequency_unit: str | None
    frequency_dsi_unit: str | None
    unit: str
    dsi_unit: str
    error_unit: str
    error_dsi_unit: str
    nominal: str
    reference: str
    value: str
    error: str
    U: str
    k: str
    coverage_probability: str
    tolerance_lower: str | None
    tolerance_upper: str | None
    statement: str | None
    statement_text: str
    probability_of_conformity: str | None
    acceptance_lower: str | None
    acceptance_upper: str | None
    specific_risk: str | None
    #: the specific risk as a percentage, one format for every point ("< 0.0001 %")
    specific_risk_text: str
    pfa: str | None
    pfr: str | None
    tur: str | None
    note_marks: tuple[int, ...] = ()

    @property
    def group(self) -> str:
        """Return "FUNCTION, range RANGE[, FREQUENCY]" (or "FUNCTION" for an item without
        ranges), the key plots are grouped by."""
        at = f", {self.frequency} {self.frequency_unit}" if self.frequency else ""
        return f"{self.function}{'' if self.range == NO_RANGE else f', range {self.range}'}{at}"

    @property
    def function_marked(self) -> str:
        """Return the function followed by the marks of the notes that qualify the result."""
        return self.function + "".join(f" [{n}]" for n in self.note_marks)

    @property
    def nominal_text(self) -> str:
        """Return the nominal value as printed: the number, and "at F unit" for AC."""
        at = f" at {self.frequency} {self.frequency_unit}" if self.frequency else ""
        return f"{self.nominal}{at}"


#: what the range column says for an item without ranges
NO_RANGE = "—"


def _is_offset(unit: Any) -> bool:
    """Return True for a unit on an offset scale (°C: 0 °C is 273.15 K)."""
    return bool(ureg.Quantity(0.0, unit).to_base_units().magnitude != 0)


def value_unit(point: ResultPoint) -> Any:
    """Return the unit nominal, reference and indication are printed in.

    An engineering unit sized to the nominal value (100 mV, 10 mA, 10 MΩ: the SI prefix
    that puts it between 1 and 1000); at a zero the unit of the error (308 nA rather
    than 0.000000308 A). A temperature stays on its own offset scale (°C), since its
    error is a difference in kelvin.
    """
    reference = point.reference.units
    if _is_offset(reference):
        return reference
    nominal = abs(float(point.nominal.to(point.error.units).magnitude))
    if nominal == 0 or not math.isfinite(nominal):
        return error_unit(point.U.to(point.error.units))
    return error_unit(ureg.Quantity(nominal, point.error.units))


def _decade(unit: Any, e_unit: Any) -> int | None:
    """Return n when one ``unit`` (as a difference) is 10**n ``e_unit``, else None."""
    one = ureg.Quantity(1.0, unit) - ureg.Quantity(0.0, unit)  # a difference on any scale
    ratio = float(one.to(e_unit).magnitude)
    if ratio <= 0 or not math.isfinite(ratio):
        return None
    n = round(math.log10(ratio))
    return n if math.isclose(ratio, 10.0**n, rel_tol=1e-9) else None


#: units whose SI-prefixed forms have D-SI macros (the error column may use any of them)
_PREFIXABLE = frozenset({"volt", "ampere", "ohm", "siemens", "hertz", "second", "meter",
                         "gram", "pascal", "watt", "farad", "henry"})
_DSI_PREFIXES = frozenset({"", "pico", "nano", "micro", "milli", "kilo", "mega", "giga"})


def error_unit(U: pint.Quantity) -> Any:
    """Return the unit the error of a point is printed in: U's unit with the SI prefix
    that puts U between 1 and 1000 (2.3e-9 A -> nA), or U's own unit when it takes none.
    """
    container = U.units._units
    if len(container) != 1 or not math.isfinite(float(U.magnitude)) or U.magnitude <= 0:
        return U.units
    ((name, exponent),) = container.items()
    _prefix, base, _suffix = ureg.parse_unit_name(name)[0]
    if exponent != 1 or base not in _PREFIXABLE:
        return U.units
    compact = U.to(base).to_compact()
    chosen = next(iter(compact.units._units))
    if ureg.parse_unit_name(chosen)[0][0] not in _DSI_PREFIXES:
        return U.units
    return compact.units


@dataclass(frozen=True, slots=True)
class _Digits:
    """Reference, indication, error and U of one point as printed."""

    reference: str
    value: str
    error: str
    U: str


def reported_digits(point: ResultPoint, unit: Any, e_unit: Any) -> _Digits:
    """Return reference, indication, error and U as printed, by one rounding rule.

    U keeps two significant digits in ``e_unit`` (ILAC-P14, GUM 7.2.6); reference and
    indication are rounded in ``unit`` to the same decimal place; the error is the
    printed indication less the printed reference, so a reader who subtracts the printed
    columns gets the printed error (1000.008 V - 1000.000 V is 8 mV, never 9 mV).
    """
    U = float(point.U.to(e_unit).magnitude)
    reference = float(point.reference.to(unit).magnitude)
    value = float(point.value.to(unit).magnitude)
    decade = _decade(unit, e_unit)
    if not math.isfinite(U) or U <= 0 or decade is None:  # no common decimal place
        error = round_reported(float(point.error.to(e_unit).magnitude), U)
        u_same = float(point.U.to(point.error.units).magnitude)
        return _Digits(round_reported(reference, u_same).value,
                       round_reported(value, u_same).value, error.value, error.uncertainty)
    u_text, exponent = reported_uncertainty(U)
    place = exponent - decade
    reference_text, value_text = round_at(reference, place), round_at(value, place)
    return _Digits(reference_text, value_text,
                   difference(value_text, reference_text, decade), u_text)


def report_point(point: ResultPoint) -> ReportedPoint:
    """Return the reported text of ``point``.

    Nominal, reference and indication are in :func:`value_unit` (an engineering unit);
    error, U and the limits in :func:`error_unit`, U to two significant digits and
    everything else to U's decimal place (:func:`reported_digits`).
    """
    unit = value_unit(point)
    e_unit = error_unit(point.U.to(point.error.units))
    digits = reported_digits(point, unit, e_unit)
    err = Reported(digits.error, digits.U)
    lower = _in(point.tolerance_lower, e_unit)
    upper = _in(point.tolerance_upper, e_unit)
    conformity = point.conformity

    def number(name: str, significant: int) -> str | None:
        value = getattr(conformity, name) if conformity else None
        return None if value is None else format_probability(value, significant)

    frequency = None if point.frequency is None else point.frequency.to_compact()
    compact_range = None if point.range is None else point.range.to(error_unit(point.range))
    acceptance_lower = _in(conformity.acceptance_lower, e_unit) if conformity else None
    acceptance_upper = _in(conformity.acceptance_upper, e_unit) if conformity else None
    risk = conformity.specific_risk if conformity else None
    return ReportedPoint(
        point_id=point.point_id,
        phase=point.phase,
        phase_text=PHASE_TEXT[point.phase],
        function=point.function,
        range=NO_RANGE if compact_range is None
        else f"{format_trimmed(float(compact_range.magnitude), 6)} {unit_symbol(compact_range)}",
        range_value=None if compact_range is None
        else format_trimmed(float(compact_range.magnitude), 6),
        range_dsi_unit=None if compact_range is None else dsi_unit(str(compact_range.units)),
        frequency=None if frequency is None else format_trimmed(float(frequency.magnitude), 6),
        frequency_unit=None if frequency is None else unit_symbol(frequency),
        frequency_dsi_unit=None if frequency is None else dsi_unit(str(frequency.units)),
        unit=unit_symbol(ureg.Quantity(1.0, unit)),
        dsi_unit=dsi_unit(str(unit)),
        error_unit=unit_symbol(point.U.to(e_unit)),
        error_dsi_unit=dsi_unit(str(e_unit)),
        nominal=format_trimmed(float(point.nominal.to(unit).magnitude), 9),
        reference=digits.reference,
        value=digits.value,
        error=digits.error,
        U=digits.U,
        k=format_trimmed(point.k, 3),
        coverage_probability=format_trimmed(point.coverage_probability, 4),
        tolerance_lower=None if lower is None else round_like(lower, err),
        tolerance_upper=None if upper is None else round_like(upper, err),
        statement=conformity.statement if conformity else None,
        statement_text=STATEMENT_TEXT[conformity.statement] if conformity else "—",
        probability_of_conformity=number("probability_of_conformity", 4),
        acceptance_lower=None if acceptance_lower is None else round_like(acceptance_lower, err),
        acceptance_upper=None if acceptance_upper is None else round_like(acceptance_upper, err),
        specific_risk=number("specific_risk", 3),
        specific_risk_text="—" if risk is None else format_percent(risk),
        pfa=number("pfa", 3),
        pfr=number("pfr", 3),
        tur=None if conformity is None or conformity.tur is None
        else format_trimmed(conformity.tur, 3),
        note_marks=point.note_marks,
    )


@dataclass(frozen=True, slots=True)
class ReportedCondition:
    """One influence condition as text in its own unit."""

    name: str
    unit: str
    dsi_unit: str
    mean: str
    minimum: str
    maximum: str


def report_condition(condition: InfluenceCondition) -> ReportedCondition:
    """Return mean, minimum and maximum of ``condition`` to 4 significant digits."""
    unit = condition.mean.units
    symbol = unit_symbol(condition.mean)
    if condition.name == "Relative humidity" and symbol == "%":
        symbol = "%rh"  # a percentage of saturation, not of anything else
    return ReportedCondition(
        name=condition.name,
        unit=symbol,
        dsi_unit=dsi_unit(str(unit)),
        mean=format_plain(float(condition.mean.magnitude), 4),
        minimum=format_plain(float(condition.minimum.to(unit).magnitude), 4),
        maximum=format_plain(float(condition.maximum.to(unit).magnitude), 4),
    )


def reported_points(content: CertificateContent) -> list[ReportedPoint]:
    """Return every result point of ``content`` as reported text, in recorded order."""
    return [report_point(p) for p in content.results]


def reported_conditions(content: CertificateContent) -> list[ReportedCondition]:
    """Return every influence condition of ``content`` as reported text."""
    return [report_condition(c) for c in content.environment]
