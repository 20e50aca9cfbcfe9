"""The derivative fall-back order and its checks (issue 10, item 3).

Reproduced before the fix: the tanh rule 1 - tanh^2 was all rounding past |x| ~ 19; a
model that forward mode could not follow fell to the complex step, which crashed on
``hypot``/``arctan2``/``floor`` instead of falling through to central differences; a
saturated output (central differences all rounding) made the check reject a correct
forward result, leaving central differences to report a wrong u; the verdict was kept per
equation text (or function) for the whole process; and the complex step was trusted at
every point after a check at the first one only, even at a singular point.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from metrolab.uncertainty import (
    TypeB,
    UncertaintyComputationError,
    compile_equations,
    evaluate_gum,
)
from metrolab.uncertainty.forward import value_and_jacobian


def derivative(ufunc, x):
    """Return d ufunc / dx at x by forward mode."""
    return float(value_and_jacobian(lambda a: (ufunc(a),), [np.asarray(x)], ())[1][0, 0])


@pytest.mark.parametrize("x", [19.0, 20.0, 25.0, -30.0, 60.0])
def test_tanh_derivative_keeps_its_precision_for_large_arguments(x):
    """sech^2 x, not 1 - tanh^2 x (which is exactly 0 once tanh x rounds to 1)."""
    expected = 1.0 / math.cosh(x) ** 2
    assert derivative(np.tanh, x) == pytest.approx(expected, rel=1e-13, abs=0.0)
    r = evaluate_gum(lambda x: np.tanh(x), {"x": TypeB(x, u=1.0)})
    assert float(r.u[0]) == pytest.approx(expected, rel=1e-13, abs=0.0)
    assert r.settings["derivative"] == "forward-mode"


def test_rules_with_a_difference_of_squares_keep_their_precision_near_one():
    """1 - a^2 at a = 1 - 2^-30 loses the 2^-60 term when a^2 is rounded; (1 - a)(1 + a)
    keeps it. Reference: exact rational arithmetic."""
    a = 1.0 - 2.0**-30
    one_minus_a2 = float(1 - Fraction(a) ** 2)
    a2_minus_one = float(Fraction(1 + 2.0**-30) ** 2 - 1)
    assert derivative(np.arcsin, a) == pytest.approx(1 / math.sqrt(one_minus_a2), rel=1e-13)
    assert derivative(np.arccos, a) == pytest.approx(-1 / math.sqrt(one_minus_a2), rel=1e-13)
    assert derivative(np.arctanh, a) == pytest.approx(1 / one_minus_a2, rel=1e-13)
    assert derivative(np.arccosh, 1 + 2.0**-30) == pytest.approx(
        1 / math.sqrt(a2_minus_one), rel=1e-13
    )


def both(a, b):
    """arctan2 and hypot behind np.stack, which forward mode has no rule for."""
    stacked = np.stack([a, b])
    return {"angle": np.arctan2(stacked[0], stacked[1]), "length": np.hypot(a, b)}


def test_functions_that_refuse_complex_input_fall_through_to_central_differences():
    """This crashed in the complex step (hypot and arctan2 take no complex numbers)."""
    inputs = {"a": TypeB(np.array([3.0, 1.0]), u=0.01), "b": TypeB(np.array([4.0, 1.0]), u=0.02)}
    r = evaluate_gum(both, inputs)
    assert r.settings["derivative"] == "central-difference"
    a, b = np.array([3.0, 1.0]), np.array([4.0, 1.0])
    r2 = a * a + b * b
    assert r.sensitivities[0, 0] == pytest.approx(b / r2, rel=1e-7)
    assert r.sensitivities[0, 1] == pytest.approx(-a / r2, rel=1e-7)
    assert r.sensitivities[1, 0] == pytest.approx(a / np.sqrt(r2), rel=1e-7)


def test_a_failed_forward_check_then_hypot_falls_through_to_central_differences():
    """The issue's order of events: forward mode runs but its check fails (a kink exactly at
    the first point: np.where(a > 1, a, 2 a - 1) at a = 1), then the complex step crashed on
    hypot. Central differences give the mean of the two slopes at the kink, 1.5."""
    model = lambda a, b: np.where(a > 1.0, a, 2.0 * a - 1.0) + np.hypot(a, b)  # noqa: E731
    r = evaluate_gum(model, {"a": TypeB(np.array([1.0, 3.0]), u=0.01), "b": TypeB(4.0, u=0.1)})
    assert r.settings["derivative"] == "central-difference"
    hypot_a = np.array([1.0, 3.0]) / np.hypot([1.0, 3.0], 4.0)
    assert r.sensitivities[0, 0] == pytest.approx(np.array([1.5, 1.0]) + hypot_a, rel=1e-6)


def test_floor_refused_by_the_complex_step_falls_through_too():
    model = lambda x: np.sum(np.stack([x, np.floor(x)]), axis=0)  # noqa: E731
    r = evaluate_gum(model, {"x": TypeB(np.array([2.5, 7.25]), u=0.01)})
    assert r.settings["derivative"] == "central-difference"
    assert r.sensitivities[0, 0] == pytest.approx([1.0, 1.0], rel=1e-9)


def logistic(x, z):
    """A saturated output: y = 1 / (1 + e^-x) is 1.0 to the last bit for x = 40."""
    return 1.0 / (1.0 + np.exp(-x)) + z


def test_a_saturated_output_does_not_reject_a_correct_forward_result():
    """dy/dx = e^-40 (1 + e^-40)^-2 = 4.25e-18: the central differences are exactly 0, all
    rounding. The old check took that for a disagreement and central differences then
    dropped x's share: u was u_z alone, 29 % low here."""
    dydx = math.exp(-40.0) / (1.0 + math.exp(-40.0)) ** 2
    inputs = {"x": TypeB(40.0, u=1.0), "z": TypeB(0.0, u=dydx)}
    r = evaluate_gum(logistic, inputs)
    assert r.settings["derivative"] == "forward-mode"
    assert float(r.u[0]) == pytest.approx(math.sqrt(2.0) * dydx, rel=1e-12, abs=0.0)


def test_no_verdict_outlives_the_evaluation_it_was_made_for():
    """The same equation text evaluated at a saturated point and then at an ordinary one:
    the old per-text verdict kept central differences for the second evaluation."""
    equations = {"y": "1 / (1 + exp(-x)) + z"}
    dydx = math.exp(-40.0) / (1.0 + math.exp(-40.0)) ** 2
    evaluate_gum(
        compile_equations(equations, ["x", "z"]), {"x": TypeB(40.0, u=1.0), "z": TypeB(0.0, u=dydx)}
    )
    r = evaluate_gum(
        compile_equations(equations, ["x", "z"]), {"x": TypeB(0.0, u=0.1), "z": TypeB(0.0, u=0.1)}
    )
    assert r.settings["derivative"] == "forward-mode"
    assert float(r.sensitivities[0, 0]) == 0.25  # exactly, not to central-difference precision


def test_the_complex_step_is_not_trusted_at_a_singular_point():
    """sqrt at 0 (behind np.stack): the complex step gives a finite 2e10 there; the check at
    every point sends it to central differences, which refuse the singular point."""
    model = lambda x: np.sum(np.stack([np.sqrt(x)]), axis=0)  # noqa: E731
    ok = evaluate_gum(model, {"x": TypeB(np.array([4.0, 1.0]), u=0.1)})
    assert ok.settings["derivative"] == "complex-step"
    assert ok.sensitivities[0, 0] == pytest.approx([0.25, 0.5], rel=1e-12)
    with pytest.raises(UncertaintyComputationError, match="not finite at some test point"):
        evaluate_gum(model, {"x": TypeB(np.array([4.0, 0.0]), u=0.1)})


def test_a_non_analytic_model_at_a_later_point_uses_central_differences():
    """|x| for x < 0 behind .real (no forward rule): analytic at the first point (x = 2),
    not at the second (x = -3), where the complex step of |x| gives 0 instead of -1. The
    old check at the first point only let the complex step through."""
    model = lambda x: np.where(x.real > 0, x, np.abs(x))  # noqa: E731
    r = evaluate_gum(model, {"x": TypeB(np.array([2.0, -3.0]), u=0.01)})
    assert r.settings["derivative"] == "central-difference"
    assert r.sensitivities[0, 0] == pytest.approx([1.0, -1.0], rel=1e-9)


def test_a_step_outside_the_domain_keeps_the_exact_forward_result():
    """arcsin at 1 - 1e-7 with u = 0.5: steps of 1e-3 u and of 1e-6 |x| both leave [-1, 1],
    so no central difference exists at the first point. The check is inconclusive and the
    exact forward result is kept (it used to fall to central differences and fail)."""
    x = 1.0 - 1e-7
    r = evaluate_gum(lambda x: np.arcsin(x), {"x": TypeB(x, u=0.5)})
    assert r.settings["derivative"] == "forward-mode"
    expected = 1 / math.sqrt(float(1 - Fraction(x) ** 2))
    assert float(r.sensitivities[0, 0]) == pytest.approx(expected, rel=1e-12)
