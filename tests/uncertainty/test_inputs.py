"""Type A and Type B inputs (GUM 4.2, 4.3) and the distributions behind them (JCGM 101 6.4)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from metrolab.uncertainty import (
    AutocorrelationWarning,
    TypeA,
    TypeB,
    UncertaintyInputError,
    from_scipy,
)
from metrolab.uncertainty.distributions import make_distribution
from metrolab.units import Quantity


@pytest.mark.parametrize(
    ("name", "half_width", "expected_u", "extra"),
    [
        ("rectangular", 2e-6, 2e-6 / math.sqrt(3), {}),  # GUM 4.3.7; H.1.3.3: 1.2e-6 /°C
        ("triangular", 6.0, 6.0 / math.sqrt(6), {}),  # GUM 4.3.9
        ("arcsine", 0.5, 0.5 / math.sqrt(2), {}),  # GUM H.1.3.4: 0.35 °C (cyclic variation)
        ("trapezoidal", 1.0, math.sqrt((1 + 0.25) / 6), {"beta": 0.5}),  # GUM 4.3.9, JCGM 101 6.4.4
    ],
)
def test_half_width_to_standard_uncertainty(name, half_width, expected_u, extra):
    """u = a x factor for each symmetric distribution with half-width a."""
    x = TypeB(0.0, half_width=half_width, distribution=name, **extra)
    assert float(x.u) == pytest.approx(expected_u, rel=1e-12)


@pytest.mark.parametrize(
    "dist",
    [
        make_distribution("normal"),
        make_distribution("rectangular"),
        make_distribution("triangular"),
        make_distribution("arcsine"),
        make_distribution("trapezoidal", beta=0.3),
        make_distribution("t", dof=5),
    ],
)
def test_samples_are_standardised_and_match_the_quantile_function(dist):
    """Direct samples have mean 0 and variance 1; ppf(uniform) draws agree in distribution.

    With 2e5 samples the variance estimate has sigma <= ~0.01 (t5 has excess kurtosis 6):
    tolerance 0.05; quantiles compared at 10 %, 50 %, 90 % within 0.03.
    """
    rng = np.random.default_rng(1)
    direct = dist.sample(rng, (200_000,))
    assert direct.mean() == pytest.approx(0.0, abs=0.02)
    assert direct.var() == pytest.approx(1.0, abs=0.05)
    via_ppf = dist.ppf(np.array([0.1, 0.5, 0.9]))
    assert np.quantile(direct, [0.1, 0.5, 0.9]) == pytest.approx(via_ppf, abs=0.03)


def test_type_a_from_readings_with_units_and_pooled_sd():
    """GUM 4.2: mean, s/sqrt(n), n-1; GUM 4.2.4 pooled s; units carried."""
    x = TypeA.from_readings(Quantity([10.001, 10.003, 9.998, 10.002], "V"))
    assert x.quantity.to("V").magnitude == pytest.approx(10.001)
    assert float(x.u) == pytest.approx(np.std([10.001, 10.003, 9.998, 10.002], ddof=1) / 2)
    assert float(x.dof) == 3 and x.kind == "A"
    pooled = TypeA.from_readings(
        [1.0, 2.0, 3.0], "mV", pooled_sd=Quantity(0.3, "mV"), pooled_dof=20
    )
    assert float(pooled.u) == pytest.approx(0.3 / math.sqrt(3))
    assert float(pooled.dof) == 20


def test_type_a_over_test_points_is_one_row_per_point():
    """A 2-D array of readings gives arrays of means, u and dof, one per test point."""
    readings = np.array([[1.0, 1.1, 0.9, 1.0], [5.0, 5.2, 4.8, 5.0]])
    x = TypeA.from_readings(readings, "V")
    assert x.value == pytest.approx([1.0, 5.0])
    assert x.u == pytest.approx(readings.std(axis=1, ddof=1) / 2)


def test_autocorrelated_readings_warn():
    """A drifting series (lag-1 autocorrelation far above 2/sqrt(n)) warns; white noise does not."""
    drift = np.linspace(0, 1, 20) + np.random.default_rng(0).normal(0, 0.01, 20)
    with pytest.warns(AutocorrelationWarning, match="autocorrelated"):
        TypeA.from_readings(drift)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TypeA.from_readings(np.random.default_rng(3).normal(0, 1, 20))


def test_identical_readings_have_exactly_zero_spread_and_no_warning():
    """A DMM that shows the same digits ten times: u = 0 (the resolution term of the budget
    must carry it), the mean is the reading itself, and no autocorrelation is claimed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = TypeA.from_readings(np.full((2, 10), 10.000001), unit="V")
    assert same.u.tolist() == [0.0, 0.0]
    assert same.value.tolist() == [10.000001, 10.000001]


def test_type_b_from_certificate_and_scipy():
    """A certificate's U with k gives u = U/k; a scipy distribution gives its mean and std."""
    from scipy import stats

    cert = TypeB(Quantity(10.0, "V"), expanded=Quantity(40, "uV"), k=2)
    assert cert.uncertainty.to("uV").magnitude == pytest.approx(20.0)
    gamma = from_scipy(stats.gamma(a=4.0, scale=0.5), "s")
    assert float(gamma.value) == pytest.approx(2.0) and float(gamma.u) == pytest.approx(1.0)
    assert gamma.distribution.ppf(np.array([0.5])) == pytest.approx(
        (stats.gamma(a=4.0, scale=0.5).ppf(0.5) - 2.0) / 1.0
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"u": -0.1}, "negative"),
        ({"u": 0.1, "distribution": "lognormal"}, "unknown distribution 'lognormal'"),
        ({"u": 0.1, "half_width": 0.2}, "exactly one of"),
        ({"half_width": 0.1, "distribution": "normal"}, "half-width has no meaning"),
        ({"u": 0.1, "distribution": "t", "dof": 2}, "dof > 2"),
        ({"half_width": 0.1, "distribution": "trapezoidal"}, "beta"),
        ({"expanded": 0.1}, "coverage factor"),
        ({"u": Quantity(1, "s"), "unit": "V"}, "cannot be expressed"),
    ],
)
def test_bad_type_b_inputs_are_named(kwargs, message):
    """Every bad Type B input raises UncertaintyInputError saying what is wrong."""
    with pytest.raises(UncertaintyInputError, match=message):
        TypeB(1.0, **kwargs)


def test_t_distribution_u_is_its_standard_deviation():
    """For distribution 't', u is the standard deviation (not the scale), as the model file says."""
    x = TypeB(0.0, u=2.0, distribution="t", dof=4)
    rng = np.random.default_rng(2)
    samples = 2.0 * x.distribution.sample(rng, (400_000,))
    # t4 has infinite kurtosis, so compare the interquartile range with the theory instead
    from scipy import stats

    scale = 2.0 / math.sqrt(4 / 2)
    assert np.quantile(samples, 0.75) == pytest.approx(stats.t(4).ppf(0.75) * scale, rel=0.02)


@pytest.mark.parametrize("bad", [-5, 0, float("nan"), "many"])
def test_a_dof_that_is_not_a_positive_number_is_refused(bad):
    """pooled_dof = -5 was accepted and gave k = 12.7 (issue 10); every dof is checked."""
    with pytest.raises(UncertaintyInputError, match="pooled_dof"):
        TypeA.from_readings([1.0, 1.1, 0.9], pooled_sd=0.1, pooled_dof=bad)
    with pytest.raises(UncertaintyInputError, match="dof"):
        TypeB(1.0, u=0.1, dof=bad)
