"""Property tests (hypothesis) of the propagation laws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.uncertainty import TypeB, evaluate_gum, evaluate_mc

coefficient = st.floats(min_value=-10, max_value=10).filter(lambda c: abs(c) > 0.05)
uncertainty = st.floats(min_value=1e-3, max_value=10.0)
value = st.floats(min_value=-100, max_value=100)
distribution = st.sampled_from(["normal", "rectangular", "triangular", "arcsine"])


def _linear(coefs):
    def model(x1, x2, x3):
        return coefs[0] * x1 + coefs[1] * x2 + coefs[2] * x3

    return model


@settings(max_examples=12, deadline=None)
@given(
    coefs=st.lists(coefficient, min_size=3, max_size=3),
    us=st.lists(uncertainty, min_size=3, max_size=3),
    values=st.lists(value, min_size=3, max_size=3),
    dists=st.lists(distribution, min_size=3, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_models_gum_and_monte_carlo_agree(coefs, us, values, dists, seed):
    """JCGM 101 5.7/8: for a linear model the MC mean and u equal the GUM ones (any input shapes).

    With 10^5 trials the MC u has relative sigma sqrt((kurtosis - 1) / 4M) <= 0.0022 for these
    distributions: tolerance 1.5 % (~7 sigma); the mean within 6 u / sqrt(M).
    """
    inputs = {f"x{i + 1}": TypeB(values[i], u=us[i], distribution=dists[i]) for i in range(3)}
    gum = evaluate_gum(_linear(coefs), inputs)
    mc = evaluate_mc(_linear(coefs), inputs, trials=100_000, seed=seed)
    u = float(gum.u[0])
    assert float(mc.u[0]) == pytest.approx(u, rel=0.015)
    assert float(mc.values[0]) == pytest.approx(float(gum.values[0]), abs=6 * u / np.sqrt(1e5))


@settings(max_examples=25, deadline=None)
@given(
    us=st.lists(uncertainty, min_size=3, max_size=3),
    factor=st.floats(min_value=0.01, max_value=100.0),
    which=st.integers(0, 2),
)
def test_scaling_an_input_uncertainty_scales_its_contribution(us, factor, which):
    """GUM 5.1.3: u_i(y) = |c_i| u(x_i); scaling u(x_i) scales u_i(y) and leaves the others."""

    def model(a, b, c):
        return a * b + np.sin(c) + a / (b + 20.0)

    def inputs(scale):
        return {
            name: TypeB(v, u=us[i] * (scale if i == which else 1.0))
            for i, (name, v) in enumerate(zip("abc", [2.0, 3.0, 0.4], strict=True))
        }

    base = evaluate_gum(model, inputs(1.0)).contributions[0]
    scaled = evaluate_gum(model, inputs(factor)).contributions[0]
    expected = base.copy()
    expected[which] *= factor
    assert scaled == pytest.approx(expected, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    x=st.floats(min_value=-3, max_value=3),
    u=uncertainty,
    a=coefficient,
    b=st.floats(min_value=-2, max_value=2),
)
def test_one_input_model_gives_sensitivity_times_u(x, u, a, b):
    """GUM 5.1.3 with one input: u(y) = |f'(x)| u(x); here f = a exp(b x) + a x, f' known."""

    def model(x):
        return a * np.exp(b * x) + a * x

    r = evaluate_gum(model, {"x": TypeB(x, u=u)})
    derivative = a * b * np.exp(b * x) + a
    assert float(r.sensitivities[0, 0]) == pytest.approx(derivative, rel=1e-9, abs=1e-12)
    assert float(r.u[0]) == pytest.approx(abs(derivative) * u, rel=1e-9, abs=1e-12)
