"""Calibration curves: GUM H.3 (thermometer), WLS and the ISO/TS 28037 errors-in-variables line."""

from __future__ import annotations

import numpy as np
import pytest

from metrolab.uncertainty import UncertaintyInputError
from metrolab.uncertainty.curves import fit_polynomial
from metrolab.units import Quantity

# GUM H.3, Table H.6: thermometer readings t_k (°C) and observed corrections b_k (°C)
T_K = [21.521, 22.012, 22.512, 23.003, 23.507, 23.999, 24.513, 25.002, 25.503, 26.010, 26.511]
B_K = [-0.171, -0.169, -0.166, -0.159, -0.164, -0.165, -0.156, -0.157, -0.159, -0.161, -0.160]


def test_gum_h3_thermometer_calibration_line():
    """GUM H.3.3: y1 = -0.1712 °C, y2 = 0.00218, s(y1) = 0.0029 °C, s(y2) = 0.00067,

    r(y1, y2) = -0.930 and s = 0.0035 °C.
    """
    fit = fit_polynomial(T_K, B_K, x_ref=20.0)
    y1, y2 = fit.coefficients
    assert y1 == pytest.approx(-0.1712, abs=0.00005)
    assert y2 == pytest.approx(0.00218, abs=0.000005)
    s_y1, s_y2 = fit.standard_uncertainties
    assert s_y1 == pytest.approx(0.0029, abs=0.00005)
    assert s_y2 == pytest.approx(0.00067, abs=0.000005)
    assert fit.correlation[0, 1] == pytest.approx(-0.930, abs=0.0005)
    assert fit.residual_sd == pytest.approx(0.0035, abs=0.00005)
    assert fit.dof == 9 and fit.method == "ols"


def test_gum_h3_predicted_correction_at_30_degrees():
    """GUM H.3.4: b(30 °C) = -0.1494 °C with u = 0.0041 °C; quantities in, quantities out."""
    fit = fit_polynomial(
        Quantity(np.array(T_K), "delta_degC"), Quantity(np.array(B_K), "delta_degC"), x_ref=20.0
    )
    value, u = fit.predict(Quantity(30.0, "delta_degC"))
    assert value.to("delta_degC").magnitude == pytest.approx(-0.1494, abs=0.00005)
    assert u.to("delta_degC").magnitude == pytest.approx(0.0041, abs=0.00005)


def test_weighted_line_matches_normal_equations():
    """ISO/TS 28037 6.2: with known u(y_i) the covariance is (A^T W A)^-1, unscaled."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([3.014, 5.225, 7.004, 9.061, 11.201, 12.762])
    uy = np.array([0.2, 0.2, 0.2, 0.4, 0.4, 0.4])
    fit = fit_polynomial(x, y, u_y=uy)
    a = np.column_stack([np.ones_like(x), x])
    w = np.diag(1 / uy**2)
    cov = np.linalg.inv(a.T @ w @ a)
    coef = cov @ a.T @ w @ y
    assert fit.coefficients == pytest.approx(coef, rel=1e-12)
    assert fit.covariance == pytest.approx(cov, rel=1e-10)
    expected_chi2 = float(np.sum(((y - a @ coef) / uy) ** 2))
    assert fit.chi2 == pytest.approx(expected_chi2, rel=1e-10)
    assert fit.consistent is True  # chi2 is well below chi2_0.95(4) = 9.49


def test_errors_in_variables_line_minimises_the_generalized_distance():
    """ISO/TS 28037 clause 7: the GDR line minimises sum (y - a - b x)^2 / (u_y^2 + b^2 u_x^2).

    Checked independently: a general-purpose minimiser reaches the same (a, b), and the
    covariance equals twice the inverse Hessian of that sum at the minimum.
    """
    from scipy.optimize import minimize

    x = np.array([1.2, 1.9, 2.9, 4.0, 4.7, 6.0])
    y = np.array([3.4, 4.4, 7.2, 8.5, 10.8, 13.5])
    ux = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.2])
    uy = np.array([0.2, 0.2, 0.2, 0.4, 0.4, 0.4])
    fit = fit_polynomial(x, y, u_y=uy, u_x=ux)

    def objective(p):
        a, b = p
        return float(np.sum((y - a - b * x) ** 2 / (uy**2 + b**2 * ux**2)))

    best = minimize(
        objective, [0.0, 1.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14}
    )
    assert fit.coefficients == pytest.approx(best.x, abs=1e-6)
    assert fit.chi2 == pytest.approx(best.fun, rel=1e-9)
    h = 1e-4
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            p = fit.coefficients
            hess[i, j] = (
                objective(p + e_i + e_j)
                - objective(p + e_i - e_j)
                - objective(p - e_i + e_j)
                + objective(p - e_i - e_j)
            ) / (4 * h * h)
    # Gauss-Newton covariance (J^T J)^-1 equals 2 H^-1 up to the small residual curvature terms
    assert fit.covariance == pytest.approx(2 * np.linalg.inv(hess), rel=0.05)
    assert fit.method == "gdr" and fit.iterations >= 2


def test_errors_in_variables_with_exact_x_is_weighted_least_squares():
    """With u(x) = 0 the GDR line is the WLS line (ISO/TS 28037 7.1)."""
    x = np.arange(1.0, 7.0)
    y = 2.0 * x + 1.0 + np.array([0.1, -0.2, 0.05, 0.0, 0.15, -0.1])
    uy = np.full(6, 0.1)
    gdr = fit_polynomial(x, y, u_y=uy, u_x=np.zeros(6))
    wls = fit_polynomial(x, y, u_y=uy)
    assert gdr.coefficients == pytest.approx(wls.coefficients, rel=1e-10)
    assert gdr.covariance == pytest.approx(wls.covariance, rel=1e-8)


def test_quadratic_fit_and_inverse_use_of_a_line():
    """A quadratic recovers exact coefficients; a line used backwards propagates its covariance."""
    x = np.linspace(0, 10, 11)
    y = 1.0 + 0.5 * x + 0.02 * x**2
    quad = fit_polynomial(x, y + np.tile([1e-4, -1e-4], 6)[:11], degree=2)
    assert quad.coefficients == pytest.approx([1.0, 0.5, 0.02], abs=2e-4)
    line = fit_polynomial(T_K, B_K, x_ref=20.0)
    x0, u0 = line.inverse(-0.1494, 0.0)
    assert x0 == pytest.approx(30.0, abs=0.05)
    # at the same point, u(x) = u(b) / |slope|
    assert u0 == pytest.approx(float(line.predict(x0)[1]) / abs(line.coefficients[1]), rel=1e-9)


def test_fit_input_errors_are_named():
    """Too few points, mismatched lengths and x uncertainties without y ones are refused."""
    with pytest.raises(UncertaintyInputError, match="cannot determine"):
        fit_polynomial([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(UncertaintyInputError, match="equal length"):
        fit_polynomial([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(UncertaintyInputError, match="uncertainties in y"):
        fit_polynomial([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], u_x=0.1)


@pytest.mark.parametrize(("x", "degree"), [
    ([22.9, 22.91, 22.89, 22.9, 22.92], 2),  # a bath never set: every point at 22.9 °C
    ([22.9, 22.9, 22.9, 22.9, 22.9], 1),     # identical x: exactly singular
    ([0.0, 0.0, 50.0, 50.0], 2),             # two distinct values for three coefficients
])
def test_a_fit_the_x_values_cannot_determine_is_refused_by_name(x: list[float],
                                                                degree: int) -> None:
    from metrolab.uncertainty.errors import SingularFitError

    y = np.linspace(0.1, 0.2, len(x))
    with pytest.raises(SingularFitError, match="cannot determine a degree"):
        fit_polynomial(np.array(x), y, degree=degree, u_y=np.full(len(x), 0.01))


def test_well_spread_points_still_fit_within_the_conditioning_limit() -> None:
    t = np.array([0.0, 25.0, 50.0, 75.0, 100.0])
    fit = fit_polynomial(t, 0.03 - 4e-4 * t + 2e-6 * t**2, degree=2, u_y=np.full(5, 0.005))
    assert fit.coefficients == pytest.approx([0.03, -4e-4, 2e-6], rel=1e-6, abs=1e-12)
