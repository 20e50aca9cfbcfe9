"""The drift model of a standard: a weighted line through its calibrations, checked
against independent engines (GTC's weighted line fit, scipy's curve_fit), and the rules
the model adds on top (Birge scaling, uncertainty floor)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.uncertainty.drift import DAYS_PER_YEAR, fit_drift
from metrolab.uncertainty.errors import UncertaintyInputError

START = date(2018, 3, 1)


def _series(days: list[int], values: list[float], u: list[float]):
    return [START + timedelta(days=d) for d in days], values, u


_CASES = st.integers(3, 8).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 4000), min_size=n, max_size=n, unique=True),
    st.lists(st.floats(-50e-6, 50e-6), min_size=n, max_size=n),
    st.lists(st.floats(0.5e-6, 10e-6), min_size=n, max_size=n)))


@settings(max_examples=40, deadline=None)
@given(_CASES)
def test_line_and_prediction_agree_with_gtc(case: tuple[list[int], list[float], list[float]]
                                            ) -> None:
    gtc = pytest.importorskip("GTC")
    days, values, u = case
    dates, values, u = _series(days, values, u)
    model = fit_drift(dates, values, u)
    t = [(d - model.reference).days for d in dates]
    fit = gtc.type_a.line_fit_wls(t, values, u)
    a, b = fit.a_b
    assert model.fit.coefficients[0] == pytest.approx(a.x, rel=1e-9, abs=1e-15)
    assert model.fit.coefficients[1] == pytest.approx(b.x, rel=1e-9, abs=1e-18)
    assert math.sqrt(model.fit.covariance[0, 0]) == pytest.approx(a.u, rel=1e-9)
    assert math.sqrt(model.fit.covariance[1, 1]) == pytest.approx(b.u, rel=1e-9)
    # the line's value and uncertainty 400 days after the latest calibration
    ahead = model.reference + timedelta(days=400)
    predicted = a + b * 400
    assert model.predict(ahead)[0] == pytest.approx(predicted.x, rel=1e-9, abs=1e-15)
    assert model.fit_uncertainty(ahead) == pytest.approx(predicted.u, rel=1e-9)


def test_line_agrees_with_scipy_curve_fit() -> None:
    from scipy.optimize import curve_fit

    dates, values, u = _series([0, 365, 730, 1100, 1460],
                               [1.0e-6, 2.9e-6, 5.2e-6, 6.8e-6, 9.1e-6],
                               [0.8e-6, 0.8e-6, 1.0e-6, 0.6e-6, 0.8e-6])
    model = fit_drift(dates, values, u)
    t = np.array([(d - model.reference).days for d in dates], dtype=float)
    popt, pcov = curve_fit(lambda x, a, b: a + b * x, t, values, sigma=u, absolute_sigma=True)
    assert model.fit.coefficients == pytest.approx(popt, rel=1e-9)
    assert model.fit.covariance == pytest.approx(pcov, rel=1e-7)
    rate, _ = model.slope_per_year
    assert rate == pytest.approx(popt[1] * DAYS_PER_YEAR, rel=1e-9)


def test_scatter_beyond_the_uncertainties_widens_the_prediction() -> None:
    quiet = fit_drift(*_series([0, 365, 730, 1095], [0.0, 1e-6, 2e-6, 3e-6], [1e-6] * 4))
    assert quiet.birge == 1.0
    noisy = fit_drift(*_series([0, 365, 730, 1095], [0.0, 6e-6, -3e-6, 3e-6], [1e-6] * 4))
    chi2 = noisy.fit.chi2
    assert chi2 is not None and chi2 / 2 > 1
    assert noisy.birge == pytest.approx(math.sqrt(chi2 / 2))
    later = noisy.reference + timedelta(days=365)
    assert noisy.predict(later)[1] == pytest.approx(noisy.fit_uncertainty(later) * noisy.birge)


def test_prediction_is_never_below_the_best_certificate() -> None:
    """Ten consistent certificates of u = 1 µV average to a line with u < 1 µV at their
    centre; the prediction keeps 1 µV (shared systematic effects are not averaged away)."""
    days = list(range(0, 3650, 365))
    model = fit_drift(*_series(days, [0.0] * 10, [1e-6] * 10))
    centre = START + timedelta(days=1642)
    assert model.fit_uncertainty(centre) < 0.5e-6
    assert model.predict(centre)[1] == 1e-6


def test_one_date_is_no_drift() -> None:
    with pytest.raises(UncertaintyInputError, match="two different dates"):
        fit_drift([START, START], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(UncertaintyInputError, match="u_y must be positive"):
        fit_drift([START, START + timedelta(days=9)], [0.0, 1.0], [1.0, 0.0])
