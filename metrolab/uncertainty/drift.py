"""Drift of a standard over time: a straight line through its calibrated values.

Each calibration gives a value (a correction, say) with a standard uncertainty u_i = U_i/k_i
on a date. The drift model is the weighted least-squares line through them (ISO/TS
28037:2010 clause 6, through :func:`metrolab.uncertainty.curves.fit_polynomial`), time in
days measured from the latest calibration. A prediction at a date gives the line's value
and its standard uncertainty from the covariance of intercept and slope; when the
calibrated values scatter more than their uncertainties allow (chi-squared above its
degrees of freedom) the covariance is scaled by chi2/dof (the Birge ratio squared), and
the predicted uncertainty is never below the smallest u_i of the calibrations (certificates
of one provider share systematic effects that no fit averages away). Both rules are ours,
stated in docs/traceability.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from metrolab.uncertainty.curves import CurveFit, fit_polynomial
from metrolab.uncertainty.errors import UncertaintyInputError

#: days per (Julian) year, for drift rates per year
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class DriftModel:
    """A fitted drift line: value(t) = a + b (t - t_ref), t in days, values in one unit.

    ``fit`` holds intercept ``a`` (the value at ``reference``, the latest calibration date)
    and slope ``b`` (per day) with their covariance, as fitted (not scaled);
    ``birge`` is sqrt(max(1, chi2/dof)) (1 with fewer than three calibrations);
    ``u_floor`` the smallest standard uncertainty of the calibrations.
    """

    fit: CurveFit
    reference: date
    dates: tuple[date, ...]
    birge: float
    u_floor: float

    @property
    def slope_per_year(self) -> tuple[float, float]:
        """Return the drift rate and its standard uncertainty, in value units per year
        (the uncertainty includes the Birge scaling)."""
        b = float(self.fit.coefficients[1]) * DAYS_PER_YEAR
        u_b = math.sqrt(float(self.fit.covariance[1, 1])) * DAYS_PER_YEAR * self.birge
        return b, u_b

    def fit_uncertainty(self, on: date) -> float:
        """Return the standard uncertainty of the fitted line at ``on`` (value units),
        from the covariance of intercept and slope alone (no scaling, no floor)."""
        t = np.array([1.0, float((on - self.reference).days)])
        return float(math.sqrt(t @ self.fit.covariance @ t))

    def predict(self, on: date) -> tuple[float, float]:
        """Return (value, standard uncertainty) of the standard at ``on`` (value units).

        The uncertainty is the fit's, times the Birge ratio, and at least ``u_floor``.
        """
        a, b = (float(c) for c in self.fit.coefficients)
        value = a + b * float((on - self.reference).days)
        return value, max(self.fit_uncertainty(on) * self.birge, self.u_floor)


def fit_drift(dates: Sequence[date], values: Sequence[float], u: Sequence[float]) -> DriftModel:
    """Return the weighted straight-line :class:`DriftModel` of ``values`` (standard
    uncertainties ``u``, same unit) calibrated on ``dates``.

    Raises :class:`UncertaintyInputError` for fewer than two distinct dates, lists of
    unequal length, or an uncertainty that is not positive.
    """
    if not (len(dates) == len(values) == len(u)):
        raise UncertaintyInputError(
            f"drift: {len(dates)} dates, {len(values)} values and {len(u)} uncertainties")
    if len(set(dates)) < 2:
        raise UncertaintyInputError(
            "drift: calibrations on at least two different dates are needed for a drift line")
    reference = max(dates)
    days = np.array([float((d - reference).days) for d in dates])
    u_array = np.asarray(u, dtype=float)
    fit = fit_polynomial(days, np.asarray(values, dtype=float), degree=1, u_y=u_array)
    birge = 1.0
    if fit.dof >= 1 and fit.chi2 is not None:
        birge = math.sqrt(max(1.0, fit.chi2 / fit.dof))
    return DriftModel(fit, reference, tuple(dates), birge, float(u_array.min()))
