"""Effective degrees of freedom and coverage factors (issue 10, items 4 and 5).

Item 4 (correlated inputs): the old rule gave every block of correlated inputs the
smallest dof of its members, so ``z = B`` (B exact) got dof 3 from an input A it does not
use, and a negligible correlated input could set k to 3.18. Now only inputs that
contribute to an output count, inputs that share one dof form one Welch-Satterthwaite
component (Willink, Metrologia 44 (2007) 340, 4.1; GTC's ensembles), and any other
correlation between contributing inputs with a finite dof is refused by name.

Item 5 (range): the coverage factor raised IndexError for nu in [199.9999998, 200), and
Welch-Satterthwaite formed u^4, which overflowed above |u| ~ 1e77 (NaN dof, k silently
1.96, ``NaN`` in JSON) and underflowed below ~1e-77 (a finite dof reported as infinite).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import stdtrit

from metrolab.uncertainty import (
    TypeB,
    UncertaintyComputationError,
    UncertaintyInputError,
    coverage_factor,
    evaluate_gum,
)

# --- item 4: correlated inputs -------------------------------------------------------------


def test_an_unused_correlated_input_does_not_set_the_dof():
    """z = B with B exact, correlated with A (dof 3) that z does not use: nu = inf, k = 1.96
    (the old rule gave dof 3, k 3.18)."""
    inputs = {"A": TypeB(1.0, u=1.0, dof=3), "B": TypeB(1.0, u=1.0)}
    r = evaluate_gum(
        lambda A, B: (A, B), inputs, correlations={("A", "B"): 0.5}, outputs=("x", "z")
    )
    assert r["z"].dof == np.inf
    assert float(r["z"].k) == pytest.approx(1.959964, abs=1e-6)


def test_a_contribution_of_zero_is_no_contribution():
    """At points where A's sensitivity is 0, A does not link B's dof to its own."""
    inputs = {
        "A": TypeB(1.0, u=1.0, dof=4),
        "B": TypeB(2.0, u=1.0),
        "w": TypeB(np.zeros(3), u=0.0),
    }
    r = evaluate_gum(lambda A, B, w: B + w * A, inputs, correlations={("A", "B"): 0.5})
    assert np.all(np.isinf(r.dof))
    inputs["w"] = TypeB(np.array([0.0, 0.0, 1.0]), u=0.0)
    with pytest.raises(UncertaintyInputError, match=r"output 'y'.*A \(dof 4\), B \(dof inf\)"):
        evaluate_gum(lambda A, B, w: B + w * A, inputs, correlations={("A", "B"): 0.5})


def test_a_negligible_correlated_input_is_refused_rather_than_setting_k():
    """A (dof 3) tiny and correlated with B (exact): the old rule reported k = 3.18. No
    generalisation of Welch-Satterthwaite covers finite against infinite dof: refused."""
    inputs = {"A": TypeB(0.0, u=1e-9, dof=3), "B": TypeB(1.0, u=1.0)}
    with pytest.raises(UncertaintyInputError, match=r"Willink.*same dof, or infinite dof"):
        evaluate_gum(lambda A, B: A + B, inputs, correlations={("A", "B"): 0.3})


def test_two_different_finite_dof_are_refused():
    inputs = {"A": TypeB(0.0, u=1.0, dof=3), "B": TypeB(1.0, u=1.0, dof=7)}
    with pytest.raises(UncertaintyInputError, match=r"A \(dof 3\), B \(dof 7\).*r\(A, B\) = 0.3"):
        evaluate_gum(lambda A, B: A - B, inputs, correlations={("A", "B"): 0.3})


def test_inputs_sharing_one_dof_are_one_component():
    """A, B (dof 4, r = 0.5) form one component of variance 3 with dof 4 (Willink 2007, 4.1);
    C (dof 10) is independent: nu = 1 / ((3/4)^2/4 + (1/4)^2/10) = 6.808."""
    inputs = {
        "A": TypeB(1.0, u=1.0, dof=4),
        "B": TypeB(2.0, u=1.0, dof=4),
        "C": TypeB(3.0, u=1.0, dof=10),
    }
    r = evaluate_gum(lambda A, B, C: A + B + C, inputs, correlations={("A", "B"): 0.5})
    assert float(r.u[0]) == pytest.approx(2.0)
    assert float(r.dof[0]) == pytest.approx(1.0 / ((3 / 4) ** 2 / 4 + (1 / 4) ** 2 / 10))


def test_correlations_between_exact_inputs_change_no_dof():
    """B, C exact and correlated; A (dof 5) independent: plain Welch-Satterthwaite."""
    inputs = {
        "A": TypeB(1.0, u=1.0, dof=5),
        "B": TypeB(2.0, u=1.0),
        "C": TypeB(3.0, u=1.0),
    }
    r = evaluate_gum(lambda A, B, C: A + B - C, inputs, correlations={("B", "C"): 0.75})
    variance = 1 + 1 + 1 - 2 * 0.75
    assert float(r.dof[0]) == pytest.approx(5 * variance**2)


def test_a_chain_is_broken_by_an_input_that_does_not_contribute():
    """A-B and B-C correlated, A-C not, y = A + C: B does not contribute, so A and C are two
    independent components (nu = 4 x 2^2 / 2 = 8), not one ensemble (nu = 4)."""
    inputs = {k: TypeB(1.0, u=1.0, dof=4) for k in "ABC"}
    r = evaluate_gum(
        lambda A, B, C: (A + C, B),
        inputs,
        outputs=("y", "b"),
        correlations={("A", "B"): 0.5, ("B", "C"): 0.5},
    )
    assert float(r["y"].dof) == pytest.approx(8.0)
    assert float(r["b"].dof) == pytest.approx(4.0)


# --- item 5: coverage factor and Welch-Satterthwaite over the whole float range --------------


@pytest.mark.parametrize("nu", [199.9999998, 199.99999995, 199.99999999, 200.0])
def test_coverage_factor_just_below_200(nu):
    """These raised IndexError (the 1e-9 truncation allowance reached index 200)."""
    assert float(coverage_factor(nu, 0.95)) == pytest.approx(stdtrit(200.0, 0.975), rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(nu=st.floats(min_value=1.0, max_value=1e7), p=st.sampled_from([0.6827, 0.95, 0.99]))
def test_coverage_factor_is_t_at_the_truncated_dof_everywhere(nu, p):
    expected = stdtrit(math.floor(nu * (1 + 1e-9)), 0.5 * (1 + p))
    assert float(coverage_factor(nu, p)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("bad", [math.nan, 0.0, -5.0])
def test_coverage_factor_refuses_a_dof_that_is_not_positive(bad):
    with pytest.raises(UncertaintyInputError, match="degrees of freedom must be positive"):
        coverage_factor(np.array([3.0, bad]), 0.95)


@pytest.mark.parametrize(
    "scale", [1e-300, 1e-170, 1e-150, 1e-90, 1e-40, 1.0, 1e40, 1e78, 1e100, 1e150]
)
@pytest.mark.parametrize("correlated", [False, True])
def test_welch_satterthwaite_is_scale_free(scale, correlated):
    """nu_eff is the same whatever the unit size, and the record is valid JSON (the old u^4
    overflowed above 1e77: NaN dof, k = 1.96, 'NaN' in JSON; it underflowed below 1e-77).

    Uncorrelated: nu = 1 / ((1/3)^2/5 + (1/3)^2/5 + (1/3)^2/10); with r(a, b) = 0.5, a and b
    are one component of variance 3 and dof 5: nu = 1 / ((3/4)^2/5 + (1/4)^2/10).
    """
    inputs = {
        "a": TypeB(scale, u=scale, dof=5),
        "b": TypeB(scale, u=scale, dof=5),
        "c": TypeB(scale, u=scale, dof=10),
    }
    if correlated:
        r = evaluate_gum(lambda a, b, c: a + b + c, inputs, correlations={("a", "b"): 0.5})
        expected_u, expected_nu = 2.0, 1.0 / ((3 / 4) ** 2 / 5 + (1 / 4) ** 2 / 10)
    else:
        r = evaluate_gum(lambda a, b, c: a + b + c, inputs)
        expected_u, expected_nu = math.sqrt(3), 1.0 / (1 / 45 + 1 / 45 + 1 / 90)
    assert float(r.dof[0]) == pytest.approx(expected_nu, rel=1e-12)
    assert float(r.k[0]) == pytest.approx(stdtrit(math.floor(expected_nu), 0.975), rel=1e-9)
    assert float(r.u[0]) == pytest.approx(expected_u * scale, rel=1e-12, abs=0.0)
    json.dumps(r.to_dict(), allow_nan=False)


def test_a_variance_above_the_float_range_is_refused():
    """u(y)^2 above 1e308 cannot be held in the covariance matrix: a named failure."""
    inputs = {"a": TypeB(1e160, u=1e160, dof=5), "b": TypeB(1e160, u=1e160, dof=10)}
    with pytest.raises(UncertaintyComputationError, match=r"u\(y\)\^2 exceeds"):
        evaluate_gum(lambda a, b: a + b, inputs)


def test_a_saturated_output_keeps_its_tiny_u_and_dof():
    """tanh(200 x), x = 1 (dof 4): c u = 200 sech^2(200) u ~ 1e-172, whose square
    underflows; u and dof come from scaled contributions (nu = 4, not infinite)."""
    r = evaluate_gum(lambda x: np.tanh(200 * x), {"x": TypeB(1.0, u=0.1, dof=4)})
    expected = 200 * 0.1 * 4 / (math.exp(200) + math.exp(-200)) ** 2
    assert float(r.u[0]) == pytest.approx(expected, rel=1e-12, abs=0.0)
    assert float(r.dof[0]) == pytest.approx(4.0)
    json.dumps(r.to_dict(), allow_nan=False)
