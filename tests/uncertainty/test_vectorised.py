"""GUM over arrays of test points: a DMM verification budget at N points in one call."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from metrolab.uncertainty import (
    TypeA,
    TypeB,
    UncertaintyInputError,
    compile_equations,
    evaluate_gum,
    recompute,
)
from metrolab.uncertainty.results import BUDGET_FIELDS
from metrolab.units import Quantity


def dmm_error(reading, calibrator, resolution, temperature):
    """Error of indication: DMM reading minus calibrator value, with correction terms."""
    return reading - calibrator + resolution + temperature


def dmm_inputs(n_points: int = 5):
    """A 10 V range verification at n points.

    Type A readings, calibrator spec (rectangular), DMM resolution, temperature effect.
    """
    nominal = np.linspace(1.0, 10.0, n_points)
    rng = np.random.default_rng(0)
    readings = nominal[:, None] * (1 + 20e-6) + rng.normal(0, 5e-6, (n_points, 10))
    return nominal, {
        "reading": TypeA.from_readings(Quantity(readings, "V"), check_autocorrelation=False),
        "calibrator": TypeB(
            Quantity(nominal, "V"),
            half_width=Quantity(nominal * 12e-6 + 2e-6, "V"),
            distribution="rectangular",
        ),
        "resolution": TypeB(
            0.0, half_width=Quantity(0.5e-6, "V"), distribution="rectangular", unit="V"
        ),
        "temperature": TypeB(
            0.0, half_width=Quantity(nominal * 2e-6, "V"), distribution="rectangular", unit="V"
        ),
    }


def test_gum_over_points_matches_the_budget_written_by_hand():
    """Sensitivities +1/-1, u the root sum of squares, dof by Welch-Satterthwaite, per point."""
    nominal, inputs = dmm_inputs()
    r = evaluate_gum(dmm_error, inputs, output_units={"y": "uV"})
    assert r.values.shape == (1, 5)
    u_parts = np.stack([np.broadcast_to(inputs[n].u, (5,)) for n in inputs])
    u_hand = np.sqrt((u_parts**2).sum(axis=0)) * 1e6
    assert r.u[0] == pytest.approx(u_hand, rel=1e-9)
    dof_hand = (u_hand / 1e6) ** 4 / (inputs["reading"].u ** 4 / 9)
    assert r.dof[0] == pytest.approx(dof_hand, rel=1e-9)
    # sensitivities are in output unit per input unit: µV/V
    signs = np.array([[1.0], [-1.0], [1.0], [1.0]]) * np.ones(5)
    assert r.sensitivities[0] == pytest.approx(1e6 * signs)
    assert r.to_dict()["budget"][0]["sensitivity_unit"] == "µV/V"
    mean_error = (inputs["reading"].value - nominal) * 1e6
    assert r.values[0] == pytest.approx(mean_error, abs=1e-6)
    one = evaluate_gum(
        dmm_error, {k: _point(v, 3) for k, v in inputs.items()}, output_units={"y": "uV"}
    )
    assert float(one.u[0]) == pytest.approx(r.u[0, 3], rel=1e-12)
    assert float(one.k[0]) == pytest.approx(r.k[0, 3], rel=1e-12)


def _point(inp, i):
    """The same input at one test point."""
    from dataclasses import replace

    def pick(a):
        return np.asarray(a)[i] if np.ndim(a) else np.asarray(a)

    return replace(inp, value=pick(inp.value), u=pick(inp.u), dof=pick(inp.dof))


def test_to_dict_has_the_documented_shape_and_recomputes():
    """GumResult.to_dict() carries the interfaces.md shape, is JSON-safe, and can be recomputed."""
    _, inputs = dmm_inputs(3)
    model = compile_equations(
        {"E": "reading - calibrator + resolution + temperature"}, list(inputs)
    )
    r = evaluate_gum(model, inputs, output_units={"E": "uV"})
    data = json.loads(json.dumps(r.to_dict()))
    assert {"method", "model", "coverage", "outputs", "budget", "correlations", "settings"} <= set(
        data
    )
    assert set(data["outputs"]["E"]) == {"value", "u", "dof", "k", "U", "unit"}
    assert data["outputs"]["E"]["unit"] == "µV"
    row = data["budget"][0]
    assert set(row) >= set(BUDGET_FIELDS)  # the fields documented in docs/interfaces.md
    assert data["budget"][1]["dof"] == [None] * 3  # infinite dof of a Type B input, per point
    assert sum(b["share"][0] for b in data["budget"]) == pytest.approx(1.0)
    again = recompute(data)
    assert again.values == pytest.approx(r.values, rel=1e-12)
    assert again.u == pytest.approx(r.u, rel=1e-12)


def test_scaling_units_of_inputs_does_not_change_the_result():
    """Inputs in mV and V combine: pint converts, the engine works in base units."""
    r1 = evaluate_gum(
        lambda a, b: a + b, {"a": TypeB(1.0, u=0.001, unit="V"), "b": TypeB(1.0, u=1.0, unit="mV")}
    )
    assert r1["y"].value.to("V").magnitude == pytest.approx(1.001)
    assert r1["y"].u.to("mV").magnitude == pytest.approx(math.sqrt(2))


def test_units_that_do_not_combine_are_refused():
    """V + Ω is a units error naming the problem."""
    with pytest.raises(UncertaintyInputError, match="units do not combine"):
        evaluate_gum(
            lambda V, R: V + R,
            {"V": TypeB(1.0, u=0.1, unit="V"), "R": TypeB(1.0, u=0.1, unit="ohm")},
        )


@pytest.mark.parametrize(
    ("correlations", "message"),
    [
        ({("a", "b"): 1.5}, r"outside \[-1, 1\]"),
        ({("a", "b"): 0.9, ("a", "c"): 0.9, ("b", "c"): -0.9}, "not positive semi-definite"),
        ({("a", "z"): 0.5}, "no input called 'z'"),
    ],
)
def test_bad_correlations_are_named(correlations, message):
    """Correlations outside [-1, 1], impossible together, or naming no input are refused."""
    inputs = {n: TypeB(1.0, u=0.1) for n in "abc"}
    with pytest.raises(UncertaintyInputError, match=message):
        evaluate_gum(lambda a, b, c: a + b + c, inputs, correlations=correlations)


def test_missing_and_surplus_inputs_are_named():
    """The model's parameters and the given inputs must match."""
    with pytest.raises(UncertaintyInputError, match="needs input"):
        evaluate_gum(lambda a, b: a + b, {"a": TypeB(1.0, u=0.1)})
    with pytest.raises(UncertaintyInputError, match="not used"):
        evaluate_gum(lambda a: a, {"a": TypeB(1.0, u=0.1), "q": TypeB(1.0, u=0.1)})


def test_non_analytic_model_falls_back_to_central_differences():
    """.real has no forward-mode rule and defeats the complex step (the imaginary part is
    dropped); the check at the first point switches to central differences."""
    r = evaluate_gum(
        lambda x: np.abs(x.real) * 2, {"x": TypeB(np.array([-3.0, 2.0]), u=0.1)}
    )
    assert r.settings["derivative"] == "central-difference"
    assert r.sensitivities[0, 0] == pytest.approx([-2.0, 2.0], rel=1e-6)


@pytest.mark.parametrize("coverage", [0.6827, 0.95, 0.99, 0.999])
def test_coverage_factor_is_students_t_at_the_truncated_dof(coverage):
    """GUM G.3, G.6.4: k = t_p(floor(nu)); exact for small nu, asymptotic series for large nu."""
    from scipy.special import stdtrit

    from metrolab.uncertainty import coverage_factor

    nu = np.array([1.0, 2.5, 9.99999999999, 16.7, 199.0, 200.0, 1234.5, 1e7, np.inf])
    expected = stdtrit(np.where(np.isinf(nu), np.inf, np.floor(nu + 1e-6)), 0.5 * (1 + coverage))
    assert coverage_factor(nu, coverage) == pytest.approx(expected, rel=1e-9)
    assert float(coverage_factor(16.7, 0.99)) == pytest.approx(2.92, abs=0.005)  # GUM H.1.6


def test_a_model_that_gives_nan_is_a_named_failure():
    """sqrt of a negative estimate: UncertaintyComputationError naming the output."""
    from metrolab.uncertainty import UncertaintyComputationError

    with pytest.raises(UncertaintyComputationError, match=r"output\(s\) y: .* 1 test point"):
        evaluate_gum(lambda x: np.sqrt(x), {"x": TypeB(np.array([4.0, -1.0]), u=0.1)})


def test_an_infinite_sensitivity_is_a_named_failure():
    """d sqrt(x)/dx is infinite at x = 0: GUM propagation does not apply there, whether the
    model is seen for the first time or its derivative method is already known."""
    from metrolab.uncertainty import UncertaintyComputationError

    def root(x):
        return np.sqrt(x)

    assert evaluate_gum(root, {"x": TypeB(np.array([4.0, 1.0]), u=0.1)}).u[0] == pytest.approx(
        [0.025, 0.05]
    )
    with pytest.raises(UncertaintyComputationError, match="not finite at some test point"):
        evaluate_gum(root, {"x": TypeB(np.array([4.0, 0.0]), u=0.1)})
    with pytest.raises(UncertaintyComputationError, match="not finite at some test point"):
        evaluate_gum(lambda x: np.sqrt(x), {"x": TypeB(np.array([0.0, 4.0]), u=0.1)})


def test_celsius_inputs_follow_pint_semantics():
    """Differences of °C are delta_degC; a multiplied °C value counts from absolute zero."""
    diff = evaluate_gum(
        lambda t1, t2: t1 - t2,
        {"t1": TypeB(25.0, u=0.1, unit="degC"), "t2": TypeB(20.0, u=0.1, unit="degC")},
    )
    assert diff["y"].value.to("delta_degC").magnitude == pytest.approx(5.0)
    assert diff["y"].u.to("delta_degC").magnitude == pytest.approx(math.sqrt(0.02))
    shifted = evaluate_gum(
        lambda t, d: t + d,
        {"t": TypeB(25.0, u=0.1, unit="degC"), "d": TypeB(0.5, u=0.1, unit="delta_degC")},
    )
    assert shifted["y"].value.to("degC").magnitude == pytest.approx(25.5)
    product = evaluate_gum(
        lambda a, t: a * t,
        {"a": TypeB(1e-3, u=1e-5, unit="1/K"), "t": TypeB(20.0, u=0.1, unit="degC")},
    )
    assert float(product.values[0]) == pytest.approx(0.29315)
    with pytest.raises(UncertaintyInputError, match="units do not combine"):
        evaluate_gum(
            compile_equations({"y": "t - 20"}, ["t"]), {"t": TypeB(25.0, u=0.1, unit="degC")}
        )


def test_zero_derivative_at_the_first_point_keeps_the_exact_method():
    """f = 3 exp(-x) + 3 x has f'(0) = 0: central differences there are off by their own
    truncation (~3e-6), which must not be taken for a non-analytic model."""
    r = evaluate_gum(
        lambda x: 3.0 * np.exp(-x) + 3.0 * x, {"x": TypeB(np.array([0.0, 1.0]), u=2.5)}
    )
    assert r.settings["derivative"] == "forward-mode"
    assert r.sensitivities[0, 0] == pytest.approx([0.0, 3.0 - 3.0 * np.exp(-1.0)], abs=1e-12)


def test_the_derivative_check_runs_at_every_evaluation_in_one_model_call():
    """No verdict is kept between evaluations (issue 10, item 3: it was cached by equation
    text for the whole process); the check costs one model call on 4n copies of the first
    point, beside the forward-mode pass that gives the estimate and every sensitivity."""
    calls = []

    def model(x):
        calls.append((type(x).__name__, np.shape(getattr(x, "value", x))))
        return x**2

    inputs = {"x": TypeB(np.array([1.0, 2.0]), u=0.1)}
    evaluate_gum(model, inputs)
    calls.clear()
    evaluate_gum(model, inputs)
    assert calls == [("Dual", (2,)), ("ndarray", (4,))]


def test_a_model_that_returns_arrays_at_a_single_point_is_evaluated():
    """np.atleast_1d turns the unit check's scalar into shape (1,): still one point."""
    r = evaluate_gum(lambda x: np.atleast_1d(x) ** 3, {"x": TypeB(np.array([0.5, 2.0]), u=0.01)})
    assert r.sensitivities[0, 0] == pytest.approx([0.75, 12.0], rel=1e-12)
    one = evaluate_gum(lambda x: np.atleast_1d(x) ** 3, {"x": TypeB(0.5, u=0.01)})
    assert float(one.u[0]) == pytest.approx(0.0075, rel=1e-12)


def test_a_model_outside_the_forward_rules_uses_the_complex_step():
    """np.stack and np.sum have no forward-mode rule, but the model is complex-analytic."""
    r = evaluate_gum(
        lambda x: np.sum(np.stack([x, x * x]), axis=0), {"x": TypeB(np.array([0.25, 0.5]), u=0.01)}
    )
    assert r.settings["derivative"] == "complex-step"
    assert r.sensitivities[0, 0] == pytest.approx([1.5, 2.0], rel=1e-12)
