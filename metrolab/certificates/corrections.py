"""Corrections and the fitted calibration curve of a sensor calibration, as reported text.

A thermometer calibrated at temperature points is used with corrections: C = -E, the
value to add to its indication, with the expanded uncertainty of the error. When the
procedure fitted a curve E(t) through the errors (journalled as a note with
``calibration_curve``), the certificate gives its coefficients with their standard
uncertainties and its values with U (k = 2, from the coefficients' covariance) at the
calibration points. PDF and HTML take their rows from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metrolab.certificates.content import PHASE_TEXT, CertificateContent, FittedCurve
from metrolab.certificates.reported import error_unit, unit_symbol
from metrolab.certificates.rounding import format_plain, round_reported
from metrolab.units import Quantity

#: coverage factor of the curve's expanded uncertainty (normal, about 95 %)
CURVE_K = 2.0


def fitted_curve(events: Sequence[Mapping[str, Any]]) -> FittedCurve | None:
    """Return the last calibration curve journalled as a note event, or None."""
    curve = None
    for event in events:
        data = event.get("data") or {}
        fit = data.get("calibration_curve")
        if event.get("type") == "note" and isinstance(fit, Mapping):
            x_unit = str(data.get("t_unit") or fit.get("x_unit") or "")
            y_unit = str(data.get("error_unit") or fit.get("y_unit") or "")
            curve = FittedCurve(
                coefficients=tuple(float(c) for c in fit["coefficients"]),
                covariance=tuple(tuple(float(v) for v in row) for row in fit["covariance"]),
                x_unit="" if x_unit == "dimensionless" else x_unit,
                y_unit="" if y_unit == "dimensionless" else y_unit,
                x_ref=float(fit.get("x_ref") or 0.0), method=str(fit.get("method", "")),
                dof=int(fit.get("dof") or 0))
    return curve


def has_corrections(content: CertificateContent) -> bool:
    """Return True when the results are reported with corrections (points without a range)."""
    return content.curve is not None or any(p.range is None for p in content.results)


def correction_rows(content: CertificateContent) -> list[list[str]]:
    """Return the correction table: a header row, then one row per result point."""
    rows = [["Phase", "Point", "Reference", "Indication", "Unit", "Correction C = −E", "U",
             "Correction unit"]]
    for point in content.results:
        unit = point.reference.units
        shown_unit = error_unit(point.U.to(point.error.units))
        U = float(point.U.to(shown_unit).magnitude)
        correction = round_reported(-float(point.error.to(shown_unit).magnitude), U)
        u_value = float(point.U.to(point.error.units).magnitude)
        reference = round_reported(float(point.reference.magnitude), u_value)
        indication = round_reported(float(point.value.to(unit).magnitude), u_value)
        rows.append([PHASE_TEXT[point.phase], point.point_id, reference.value,
                     indication.value, unit_symbol(point.reference), correction.value,
                     correction.uncertainty, unit_symbol(Quantity(1.0, shown_unit))])
    return rows


def curve_expression(curve: FittedCurve) -> str:
    """Return the curve as a formula in words: ``E(t) = c0 + c1·t + c2·t², t in °C, E in K``."""
    t = "t" if not curve.x_ref else f"(t − {format_plain(curve.x_ref, 6)})"
    terms = ["c0"] + [f"c{n}·{t}" + ("" if n == 1 else "²" if n == 2 else f"^{n}")
                      for n in range(1, len(curve.coefficients))]
    units = ""
    if curve.x_unit or curve.y_unit:
        units = f", t in {_symbol(curve.x_unit)}, E in {_symbol(curve.y_unit)}"
    method = {"wls": "weighted least squares with the points' standard uncertainties (ISO/TS "
                     "28037:2010 clause 6)",
              "ols": "ordinary least squares (GUM H.3)"}.get(curve.method, curve.method)
    return (f"Calibration curve of the error: E(t) = {' + '.join(terms)}{units}; fitted by "
            f"{method}" + (f", {curve.dof} degrees of freedom" if curve.dof else "") + ".")


def coefficient_rows(curve: FittedCurve) -> list[list[str]]:
    """Return the coefficient table: header, then coefficient, value, u, unit per row."""
    rows = [["Coefficient", "Value", "Standard uncertainty u", "Unit"]]
    for n, value in enumerate(curve.coefficients):
        u = curve.covariance[n][n] ** 0.5
        reported = round_reported(value, u)
        unit = _symbol(curve.y_unit) + ("" if n == 0 else f"/{_symbol(curve.x_unit)}"
                                        + ("" if n == 1 else f"^{n}"))
        rows.append([f"c{n}", reported.value, reported.uncertainty, unit])
    return rows


def curve_rows(content: CertificateContent) -> list[list[str]]:
    """Return the curve's values at the calibration points: header, then one row per point.

    U is ``CURVE_K`` times the standard uncertainty from the coefficients' covariance.
    """
    curve = content.curve
    if curve is None:
        return []
    rows = [["t", "E(t)", f"U (k = {CURVE_K:g})", "Unit"]]
    seen: set[str] = set()
    for point in content.results:
        x = float(point.reference.to(curve.x_unit).magnitude) if curve.x_unit else \
            float(point.reference.magnitude)
        shown = round_reported(x, float(point.U.to(point.error.units).magnitude)).value
        if shown in seen:
            continue
        seen.add(shown)
        value, u = curve.evaluate(x)
        reported = round_reported(value, CURVE_K * u)
        rows.append([f"{shown} {_symbol(curve.x_unit)}".strip(), reported.value,
                     reported.uncertainty, _symbol(curve.y_unit)])
    return rows


def _symbol(unit: str) -> str:
    """Return the short symbol of a unit as pint reads it (``degC`` -> ``°C``)."""
    return unit_symbol(Quantity(1.0, unit)) if unit else ""
