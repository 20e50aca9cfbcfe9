"""Calibration curves: least-squares lines and polynomials with their uncertainties.

- Ordinary least squares when the uncertainties of y are unknown: the residual standard
  deviation estimates them (GUM H.3).
- Weighted least squares with known u(y_i) (ISO/TS 28037:2010 clause 6), with the
  chi-squared check of the model against the data.
- Straight line with uncertainties in x and y, the errors-in-variables case of
  ISO/TS 28037 clause 7 (generalized distance regression), by Gauss-Newton iterations.

Every fit gives the parameter covariance and the standard uncertainty of a predicted value,
and a straight line can be used backwards (a sensor reading to the measurand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.errors import (
    SingularFitError,
    UncertaintyComputationError,
    UncertaintyInputError,
)
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.uncertainty.results import plain, unit_text
from metrolab.units import Quantity, is_quantity, ureg

_MAX_ITERATIONS = 100
#: largest condition number of the column-normalised design matrix a fit accepts: beyond
#: it more than 6 of float64's 16 digits are lost and the coefficients are noise
MAX_CONDITION = 1e6


@dataclass(frozen=True)
class CurveFit:
    """A fitted curve y = c0 + c1 (x - x_ref) + c2 (x - x_ref)^2 + ...

    ``coefficients`` are in ascending powers (unit of y per unit of x to that power),
    ``covariance`` their covariance matrix. ``chi2`` is the sum of squared weighted
    residuals (WLS, GDR) or None (OLS); ``residual_sd`` the standard deviation of the
    residuals in y's unit (OLS: the estimate of u(y)). ``method`` is ``"ols"``, ``"wls"``
    or ``"gdr"``.
    """

    coefficients: np.ndarray
    covariance: np.ndarray
    dof: int
    residual_sd: float
    chi2: float | None
    method: str
    x_ref: float
    x_unit: pint.Unit
    y_unit: pint.Unit
    iterations: int = 0

    @property
    def standard_uncertainties(self) -> np.ndarray:
        """Return u(c_k) of each coefficient, in the coefficients' units."""
        return np.sqrt(np.diag(self.covariance))

    @property
    def correlation(self) -> np.ndarray:
        """Return the correlation matrix of the coefficients (dimensionless)."""
        s = self.standard_uncertainties
        return self.covariance / np.outer(s, s)

    @property
    def consistent(self) -> bool | None:
        """Return whether chi2 <= the 95 % quantile of chi2(dof) (ISO/TS 28037), None for OLS."""
        if self.chi2 is None or self.dof < 1:
            return None
        from scipy.stats import chi2

        return bool(self.chi2 <= chi2.ppf(0.95, self.dof))

    def predict(self, x: Any) -> tuple[Any, Any]:
        """Return (value, standard uncertainty) of the curve at ``x``, in y's unit.

        Only the uncertainty of the fitted coefficients is included (GUM H.3.4);
        quantities in, quantities out.
        """
        xs, _ = magnitude_and_unit(x, self.x_unit, "x")
        t = xs - self.x_ref
        powers = t[..., None] ** np.arange(len(self.coefficients))
        value = powers @ self.coefficients
        u = np.sqrt(np.einsum("...i,ij,...j->...", powers, self.covariance, powers))
        if is_quantity(x):
            return Quantity(value, self.y_unit), Quantity(u, self.y_unit)
        return value, u

    def inverse(self, y: Any, u_y: Any = 0.0) -> tuple[Any, Any]:
        """Return (x, u(x)) for an observed ``y`` with standard uncertainty ``u_y`` (lines only).

        u(x) combines u_y and the covariance of intercept and slope by the law of
        propagation of uncertainty: x = x_ref + (y - a) / b.
        """
        if len(self.coefficients) != 2:
            raise UncertaintyInputError("inverse() needs a straight line (degree 1)")
        ys, _ = magnitude_and_unit(y, self.y_unit, "y")
        uy, _ = magnitude_and_unit(u_y, self.y_unit, "u_y", delta=True)
        a, b = self.coefficients
        if b == 0:
            raise UncertaintyComputationError(
                "the fitted slope is zero: the curve cannot be inverted"
            )
        t = (ys - a) / b
        grad_a, grad_b = -1.0 / b, -t / b
        var = (
            grad_a**2 * self.covariance[0, 0]
            + grad_b**2 * self.covariance[1, 1]
            + 2 * grad_a * grad_b * self.covariance[0, 1]
            + (uy / b) ** 2
        )
        x_out, u_out = t + self.x_ref, np.sqrt(var)
        if is_quantity(y):
            return Quantity(x_out, self.x_unit), Quantity(u_out, self.x_unit)
        return x_out, u_out

    def to_dict(self) -> dict[str, Any]:
        """Return the fit as JSON-safe plain data (coefficients in ascending powers)."""
        return {
            "method": self.method,
            "coefficients": plain(self.coefficients),
            "covariance": plain(self.covariance),
            "dof": self.dof,
            "chi2": self.chi2,
            "residual_sd": self.residual_sd,
            "x_ref": self.x_ref,
            "x_unit": unit_text(self.x_unit),
            "y_unit": unit_text(self.y_unit),
            "iterations": self.iterations,
        }


def fit_polynomial(
    x: Any,
    y: Any,
    *,
    degree: int = 1,
    u_y: Any = None,
    u_x: Any = None,
    x_ref: float = 0.0,
) -> CurveFit:
    """Return the least-squares :class:`CurveFit` of ``y`` against ``x``.

    Without ``u_y``: ordinary least squares, covariance scaled by the residual variance
    (GUM H.3). With ``u_y``: weighted least squares with known uncertainties (ISO/TS 28037
    clause 6). With ``u_x`` as well: generalized distance regression for a straight line
    (ISO/TS 28037 clause 7). ``x_ref`` centres x (GUM H.3 uses t0 = 20 °C).
    """
    xs, x_unit = magnitude_and_unit(x, None, "x")
    ys, y_unit = magnitude_and_unit(y, None, "y")
    x_unit = x_unit or ureg.dimensionless
    y_unit = y_unit or ureg.dimensionless
    ref = float(magnitude_and_unit(x_ref, x_unit if is_quantity(x_ref) else None, "x_ref")[0])
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise UncertaintyInputError(
            f"x and y must be 1-D and of equal length, got {xs.shape} and {ys.shape}"
        )
    p = degree + 1
    if degree < 0 or len(xs) <= p - (0 if u_y is None else 1):
        raise UncertaintyInputError(f"{len(xs)} points cannot determine a degree-{degree} curve")
    t = xs - ref
    design = t[:, None] ** np.arange(p)
    check_conditioning(design, xs, degree, x_unit)
    if u_y is None:
        if u_x is not None:
            raise UncertaintyInputError(
                "uncertainties in x need uncertainties in y as well (ISO/TS 28037 7)"
            )
        coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
        resid = ys - design @ coef
        dof = len(xs) - p
        s2 = float(resid @ resid) / dof
        cov = s2 * np.linalg.inv(design.T @ design)
        return CurveFit(coef, cov, dof, math.sqrt(s2), None, "ols", ref, x_unit, y_unit)
    uy = np.broadcast_to(magnitude_and_unit(u_y, y_unit, "u_y", delta=True)[0], ys.shape)
    if np.any(uy <= 0):
        raise UncertaintyInputError("u_y must be positive for every point")
    coef, cov, chi2 = _wls(design, ys, uy)
    dof = len(xs) - p
    if u_x is None:
        resid = ys - design @ coef
        return CurveFit(coef, cov, dof, _sd(resid, dof), chi2, "wls", ref, x_unit, y_unit)
    if degree != 1:
        raise UncertaintyInputError("uncertainties in x are supported for straight lines only")
    ux = np.broadcast_to(magnitude_and_unit(u_x, x_unit, "u_x", delta=True)[0], xs.shape)
    if np.any(ux < 0):
        raise UncertaintyInputError("u_x must not be negative")
    return _gdr(t, ys, ux, uy, coef, ref, x_unit, y_unit)


def check_conditioning(design: np.ndarray, x: np.ndarray, degree: int, x_unit: Any) -> None:
    """Refuse a design matrix that cannot determine a degree-``degree`` curve.

    Raises :class:`SingularFitError` when ``x`` has fewer than ``degree + 1`` distinct
    values or the condition number of the design matrix with unit-norm columns exceeds
    :data:`MAX_CONDITION`; the message gives the x values' span and what to do.
    """
    distinct = np.unique(x).size
    norms = np.linalg.norm(design, axis=0)
    condition = math.inf if distinct <= degree or np.any(norms == 0) else float(
        np.linalg.cond(design / norms))
    if condition > MAX_CONDITION:
        unit = f" {x_unit:~P}" if x_unit and str(x_unit) != "dimensionless" else ""
        raise SingularFitError(
            f"{x.size} points at x = {x.min():.6g} to {x.max():.6g}{unit} ({distinct} distinct "
            f"values) cannot determine a degree-{degree} curve: the design matrix is "
            f"singular (condition number {condition:.3g}, limit {MAX_CONDITION:g}); spread "
            "the points over the range the curve is for, or fit a lower degree"
        )


#: a step that moves the fitted line by less than this fraction of the data's size ends the
#: iterations (parameters converged)
_STEP_TOLERANCE = 1e-13
#: below this fraction of the data's size a step may end the iterations if the objective
#: has stopped falling (the remaining steps are rounding noise)
_NOISE_TOLERANCE = 1e-8
#: relative change of the objective that counts as no change (a few rounding errors)
_OBJECTIVE_TOLERANCE = 16 * float(np.finfo(float).eps)


def _gdr_converged(change: float, size: float, objective: float, previous: float) -> bool:
    """Return True when the Gauss-Newton iterations of :func:`_gdr` may stop.

    ``change`` is the largest move of the fitted line at the data points in the last step
    and ``size`` the scale of the data (max |y| + max u(y)), both in y's unit; ``objective``
    and ``previous`` are the sums of squared weighted distances before the last step and
    the step before (dimensionless). The parameters have converged when the line moved by
    less than ``_STEP_TOLERANCE`` x size; or when the objective no longer changes
    (relative ``_OBJECTIVE_TOLERANCE``) while the steps are below ``_NOISE_TOLERANCE`` x
    size, so that the steps left are rounding noise. Both tests are relative: an
    absolute floor on the step would never be met by data of 10^6 with an intercept
    near zero (ODRPACK, behind scipy.odr, likewise stops on relative changes of the sum
    of squares or of the parameters).
    """
    if change <= _STEP_TOLERANCE * size:
        return True
    settled = abs(previous - objective) <= _OBJECTIVE_TOLERANCE * objective + 1e-300
    return settled and change <= _NOISE_TOLERANCE * size


def _sd(resid: np.ndarray, dof: int) -> float:
    return math.sqrt(float(resid @ resid) / dof) if dof > 0 else 0.0


def _wls(design: np.ndarray, y: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Return (coefficients, covariance, chi2) of weighted least squares with known u."""
    weighted = design / u[:, None]
    q, r = np.linalg.qr(weighted)
    coef = np.linalg.solve(r, q.T @ (y / u))
    r_inv = np.linalg.inv(r)
    resid = (y - design @ coef) / u
    return coef, r_inv @ r_inv.T, float(resid @ resid)


def _gdr(
    t: np.ndarray,
    y: np.ndarray,
    ux: np.ndarray,
    uy: np.ndarray,
    start: np.ndarray,
    ref: float,
    x_unit: pint.Unit,
    y_unit: pint.Unit,
) -> CurveFit:
    """Generalized distance regression of a line (ISO/TS 28037 7.2), Gauss-Newton.

    Minimises sum (y_i - a - b t_i)^2 / (u_y,i^2 + b^2 u_x,i^2); the Jacobian of the
    residuals is built from the foot points t*_i = t_i + b u_x,i^2 w_i z_i. Convergence is
    judged relative to the data, so it does not depend on their scale or on the intercept
    being near zero (see :func:`_gdr_converged`).
    """
    a, b = float(start[0]), float(start[1])
    size = float(np.max(np.abs(y))) + float(np.max(uy))
    previous = math.inf
    iterations = 0
    while True:
        iterations += 1
        if iterations > _MAX_ITERATIONS:
            raise UncertaintyComputationError(
                f"errors-in-variables fit did not converge in {_MAX_ITERATIONS} iterations "
                f"(last intercept {a:.17g}, slope {b:.17g}): check the data and u_x, u_y"
            )
        w = 1.0 / (uy**2 + b**2 * ux**2)
        z = y - a - b * t
        objective = float(np.sum(w * z**2))
        foot = t + b * ux**2 * w * z
        root = np.sqrt(w)
        step, *_ = np.linalg.lstsq(np.column_stack([root, root * foot]), root * z, rcond=None)
        a, b = a + float(step[0]), b + float(step[1])
        if not (math.isfinite(a) and math.isfinite(b)):
            raise UncertaintyComputationError(
                "errors-in-variables fit diverged (the slope or intercept overflowed): "
                "check the data and u_x, u_y"
            )
        change = float(np.max(np.abs(step[0] + step[1] * t)))
        if _gdr_converged(change, size, objective, previous):
            break
        previous = objective
    w = 1.0 / (uy**2 + b**2 * ux**2)
    z = y - a - b * t
    foot = t + b * ux**2 * w * z
    jac = np.column_stack([np.sqrt(w), np.sqrt(w) * foot])
    cov = np.linalg.inv(jac.T @ jac)
    chi2 = float(np.sum(w * z**2))
    dof = len(t) - 2
    return CurveFit(
        np.array([a, b]),
        cov,
        dof,
        _sd(z, dof),
        chi2,
        "gdr",
        ref,
        x_unit,
        y_unit,
        iterations=iterations,
    )
