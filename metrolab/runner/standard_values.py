"""A standard's correction and uncertainty at a test point, from its certificate or drift.

When the register says ``values = "certificate"`` (or ``"drift"``) for a standard, a
procedure asks here for the standard's correction at the value it sets or reads, and
gets it with its standard uncertainty and a one-line provenance, or None with the
reason (the procedure then keeps its specification route and records the reason).

The rule (docs/traceability.md, "Values of a standard in a run"):

1. Candidates are the points of the current calibration (as left when the standard was
   adjusted, else as found) of the same kind: same dimension of unit, both DC or both at
   the same frequency (relative difference below 1e-6); never across a change of sign.
2. A point with the test value as nominal (relative difference below 1e-9) is used as it is.
3. Between two neighbouring points on the same range (or both without range) the
   correction is interpolated linearly in the nominal value; the uncertainty is the larger
   of the two points' standard uncertainties (never interpolated down).
4. Otherwise, when the certificate gives ranges: the point of the smallest range holding
   the value that is nearest to full scale gives a gain: correction x * C(n) / n, with that
   point's uncertainty, not scaled.
5. Otherwise the certificate does not cover the value: None, with the reason.

``drift``: when the point has a calibrated nominal and the register holds at least three
calibrations of it since the last adjustment, the correction and its uncertainty are the
drift model's prediction for the day of the run (:mod:`metrolab.uncertainty.drift`);
otherwise the certificate route above, and the provenance says why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pint

from metrolab.runner.calibrations import Calibration, CalibrationPoint
from metrolab.runner.register import Standard
from metrolab.uncertainty.drift import fit_drift
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.units import Quantity, ureg

#: fewest calibrations since the last adjustment for the drift route (a line through two
#: points has no degrees of freedom left to check it)
MIN_DRIFT_CALIBRATIONS = 3
_SAME_NOMINAL = 1e-9
_SAME_FREQUENCY = 1e-6


@dataclass(frozen=True, slots=True)
class StandardValue:
    """The correction of a standard at a test value, its standard uncertainty (normal,
    infinite degrees of freedom), and where they come from."""

    correction: pint.Quantity
    u: pint.Quantity
    route: str
    provenance: str
    certificate_id: str
    certificate_sha256: str

    def to_dict(self, role: str) -> dict[str, Any]:
        """Return the JSON-safe provenance a point result records for ``role``."""
        return {"role": role, "route": self.route, "provenance": self.provenance,
                "certificate_id": self.certificate_id,
                "certificate_sha256": self.certificate_sha256,
                "correction": float(self.correction.magnitude),
                "u": float(self.u.magnitude), "unit": f"{self.correction.units:~P}"}


@dataclass(frozen=True, slots=True)
class ValueLookup:
    """What :func:`lookup_value` found: a value, or None and the reason (empty when the
    standard's register entry asks for its specification)."""

    value: StandardValue | None
    reason: str = ""

    def record(self, role: str) -> dict[str, Any]:
        """Return what a point result records of this lookup for ``role``."""
        if self.value is not None:
            return self.value.to_dict(role)
        return {"role": role, "route": "specification", "provenance": self.reason}


def lookup_value(standard: Standard, value: pint.Quantity, frequency: pint.Quantity | None,
                 on: date) -> ValueLookup:
    """Return the correction of ``standard`` at ``value`` (a Quantity) and ``frequency``
    on day ``on``, by the route its register entry names (module docstring)."""
    if standard.values == "specification":
        return ValueLookup(None)
    calibration = standard.latest_calibration
    if calibration is None:
        return ValueLookup(None, f"{standard.id}: the register holds no calibration points "
                                 "(import its DCC); specification used")
    hz = None if frequency is None else float(frequency.to("Hz").magnitude)
    candidates = [p for p in calibration.current_points if _same_kind(p, value, hz)]
    if not candidates:
        return ValueLookup(None, f"{standard.id}: certificate {calibration.certificate_id} has "
                                 f"no point of this kind ({_kind(value, hz)}); specification used")
    unit = candidates[0].pint_unit
    x = float(value.to(unit).magnitude)
    found = _at_point(candidates, x) or _interpolated(candidates, x) or _per_range(candidates, x)
    if found is None:
        nominals = ", ".join(f"{p.nominal:g}" for p in _sorted(candidates))
        return ValueLookup(None, f"{standard.id}: {x:g} {unit:~P} is outside the points of "
                                 f"certificate {calibration.certificate_id} ({nominals} "
                                 f"{unit:~P}); specification used")
    correction, u, how = found
    lookup = ValueLookup(_value(calibration, unit, correction, u, "certificate",
                                f"certificate {calibration.certificate_id}: {how}"))
    if standard.values == "drift":
        return _drift(standard, calibration, candidates, x, hz, on, lookup)
    return lookup


def _value(calibration: Calibration, unit: pint.Unit, correction: float, u: float,
           route: str, provenance: str) -> StandardValue:
    return StandardValue(_delta(correction, unit), _delta(u, unit), route, provenance,
                         calibration.certificate_id, calibration.certificate_sha256)


def _delta(magnitude: float, unit: pint.Unit) -> pint.Quantity:
    """Return a difference in ``unit`` (an offset unit's difference is its delta unit)."""
    if Quantity(1.0, unit)._is_multiplicative:
        return Quantity(magnitude, unit)
    return Quantity(magnitude, ureg.Unit(f"delta_{unit}"))


def _kind(value: pint.Quantity, hz: float | None) -> str:
    return f"{value.dimensionality}" + (f" at {hz:g} Hz" if hz is not None else ", DC")


def _same_kind(point: CalibrationPoint, value: pint.Quantity, hz: float | None) -> bool:
    if point.dimensionality != str(value.dimensionality) or point.is_ac != (hz is not None):
        return False
    if hz is None or point.frequency is None:
        return True
    return abs(point.frequency - hz) <= _SAME_FREQUENCY * max(abs(hz), 1e-300)


def _sorted(points: Iterable[CalibrationPoint]) -> list[CalibrationPoint]:
    return sorted(points, key=lambda p: p.nominal)


def _same_nominal(a: float, b: float) -> bool:
    return abs(a - b) <= _SAME_NOMINAL * max(abs(a), abs(b), 1e-300)


def _at_point(points: Sequence[CalibrationPoint], x: float
              ) -> tuple[float, float, str] | None:
    for p in points:
        if _same_nominal(p.nominal, x):
            return p.correction, p.u, f"at its point {p.nominal:g} {p.pint_unit:~P}"
    return None


def _same_side(a: float, b: float) -> bool:
    return a * b >= 0


def _interpolated(points: Sequence[CalibrationPoint], x: float
                  ) -> tuple[float, float, str] | None:
    ordered = _sorted(points)
    for low, high in itertools.pairwise(ordered):
        if not low.nominal < x < high.nominal:
            continue
        if not (_same_side(low.nominal, x) and _same_side(high.nominal, x)):
            return None
        if low.range != high.range:
            return None
        share = (x - low.nominal) / (high.nominal - low.nominal)
        correction = low.correction + share * (high.correction - low.correction)
        return correction, max(low.u, high.u), (
            f"interpolated between its points {low.nominal:g} and {high.nominal:g} "
            f"{low.pint_unit:~P}")
    return None


def _per_range(points: Sequence[CalibrationPoint], x: float
               ) -> tuple[float, float, str] | None:
    holding = [p for p in points if p.range is not None and abs(x) <= p.range
               and p.nominal != 0 and _same_side(p.nominal, x)]
    if not holding:
        return None
    smallest = min(p.range for p in holding if p.range is not None)
    point = max((p for p in holding if p.range == smallest), key=lambda p: abs(p.nominal))
    gain = point.correction / point.nominal
    return gain * x, point.u, (f"gain of its point {point.nominal:g} {point.pint_unit:~P} on "
                               f"the {smallest:g} {point.pint_unit:~P} range")


def _drift(standard: Standard, calibration: Calibration, candidates: Sequence[CalibrationPoint],
           x: float, hz: float | None, on: date, fallback: ValueLookup) -> ValueLookup:
    point = next((p for p in candidates if _same_nominal(p.nominal, x)), None)
    why = ""
    if point is None:
        why = "no calibrated point at this value"
    else:
        series = drift_series(standard.calibrations, point)
        if len(series) < MIN_DRIFT_CALIBRATIONS:
            why = (f"{len(series)} calibration(s) of this point since the last adjustment, "
                   f"{MIN_DRIFT_CALIBRATIONS} needed")
        else:
            model = fit_drift([d for d, _ in series], [p.correction for _, p in series],
                              [p.u for _, p in series])
            correction, u = model.predict(on)
            return ValueLookup(_value(
                calibration, point.pint_unit, correction, u, "drift",
                f"drift model of {len(series)} calibrations of its point {point.nominal:g} "
                f"{point.pint_unit:~P} ({series[0][0].isoformat()} to "
                f"{series[-1][0].isoformat()}), predicted for {on.isoformat()}"))
    assert fallback.value is not None
    value = fallback.value
    return ValueLookup(StandardValue(value.correction, value.u, value.route,
                                     f"{value.provenance} (drift route not used: {why})",
                                     value.certificate_id, value.certificate_sha256))


def same_point(a: CalibrationPoint, b: CalibrationPoint) -> bool:
    """Return True when ``a`` and ``b`` are the same calibrated point of a standard (same
    kind of quantity, nominal and frequency), whatever the unit they are written in."""
    if a.dimensionality != b.dimensionality or a.is_ac != b.is_ac:
        return False
    nominal_b = float(Quantity(b.nominal, b.unit).to(a.unit).magnitude)
    if not _same_nominal(a.nominal, nominal_b):
        return False
    if a.frequency is None or b.frequency is None:
        return True
    return math.isclose(a.frequency, b.frequency, rel_tol=_SAME_FREQUENCY)


def drift_series(calibrations: Sequence[Calibration], point: CalibrationPoint
                 ) -> list[tuple[date, CalibrationPoint]]:
    """Return (date, point) of ``point`` in every calibration since the standard was last
    adjusted, oldest first, in ``point``'s unit.

    The adjusting calibration contributes its as-left value (where the drift starts),
    the later ones their as-found values (where it drifted to).
    """
    ordered = sorted(calibrations, key=lambda c: c.calibration_date)
    start = max((n for n, c in enumerate(ordered) if c.adjusted), default=0)
    series = []
    for n, calibration in enumerate(ordered[start:]):
        phase = "as_left" if n == 0 and calibration.adjusted else "as_found"
        match = next((p for p in calibration.points_in(phase) if same_point(point, p)), None)
        if match is not None:
            series.append((calibration.calibration_date, in_unit(match, point.unit)))
    return series


def in_unit(point: CalibrationPoint, unit: str) -> CalibrationPoint:
    """Return ``point`` with every number expressed in ``unit`` (differences as differences)."""
    if point.unit == unit:
        return point
    target = Quantity(1.0, unit).units

    def level(v: float | None) -> float | None:
        return None if v is None else float(Quantity(v, point.unit).to(target).magnitude)

    def step(v: float | None) -> float | None:
        if v is None:
            return None
        return float(magnitude_and_unit(Quantity(v, point.unit), target, "value", delta=True)[0])

    return replace(point, nominal=float(level(point.nominal) or 0.0), value=level(point.value),
                   indication=level(point.indication), range=level(point.range),
                   correction=float(step(point.correction) or 0.0), U=float(step(point.U) or 0.0),
                   tolerance=step(point.tolerance), unit=unit)
