"""Re-evaluating one point: both methods agree where both apply, and refusals say why."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.conformity import GuardBand, decide
from metrolab.lab.corrections import parse_correction
from metrolab.lab.errors import ImpactInputError
from metrolab.lab.reevaluate import (
    PointChange,
    Unevaluable,
    _first_order,
    _recomputed,
    reevaluate_point,
    substitute,
)
from metrolab.store.evaluation import StoredDecision, StoredEvaluation
from metrolab.store.record import PointRecord
from metrolab.uncertainty import TypeA, TypeB, compile_equations, evaluate_gum, evaluate_mc
from metrolab.uncertainty.montecarlo import expanded_from_interval
from metrolab.units import Quantity


def model_function(reading: Any, calibrator: Any, resolution: Any) -> Any:
    """A Python-function model: kept as source text only."""
    return reading + resolution - calibrator


def evaluated(readings: list[float], half_width: float, *, equations: bool = True,
              nominal: float = 10.0) -> dict[str, Any]:
    inputs = {
        "reading": TypeA.from_readings(Quantity(np.asarray(readings), "V"),
                                       check_autocorrelation=False),
        "calibrator": TypeB(Quantity(nominal, "V"), half_width=Quantity(half_width, "V"),
                            distribution="rectangular"),
        "resolution": TypeB(Quantity(0.0, "V"), half_width=Quantity(5e-7, "V"),
                            distribution="rectangular"),
    }
    model = compile_equations({"error": "reading + resolution - calibrator"}, list(inputs)) \
        if equations else model_function
    return evaluate_gum(model, inputs, outputs=("error",)).to_dict()


MC_TRIALS = 200_000


def mc_evaluated(readings: list[float], half_width: float, *, equations: bool = True
                 ) -> dict[str, Any]:
    """Return the budget of the same model evaluated by Monte Carlo (seed 7)."""
    inputs = {
        "reading": TypeA.from_readings(Quantity(np.asarray(readings), "V"),
                                       check_autocorrelation=False),
        "calibrator": TypeB(Quantity(10.0, "V"), half_width=Quantity(half_width, "V"),
                            distribution="rectangular"),
        "resolution": TypeB(Quantity(0.0, "V"), half_width=Quantity(5e-7, "V"),
                            distribution="rectangular"),
    }
    model = compile_equations({"error": "reading + resolution - calibrator"}, list(inputs)) \
        if equations else model_function
    return evaluate_mc(model, inputs, outputs=("error",), trials=MC_TRIALS, seed=7).to_dict()


def point(budget: dict[str, Any], *, rule: str = "simple", limit: float = 4e-4,
          guard: Any = None, prior: Any = None) -> PointRecord:
    out = budget["outputs"]["error"]
    U, k = (out["U"], out["k"]) if budget["method"] != "mc" else expanded_from_interval(
        *out["interval_symmetric"], out["u"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decision = decide(Quantity(out["value"], "V"), Quantity(U, "V"),
                          lower=Quantity(-limit, "V"), upper=Quantity(limit, "V"),
                          k=k, rule=rule, guard=guard, prior=prior).to_dict()
    return PointRecord(point_id="DCV-10V", phase="as_found", function="DCV",
                       readings=Quantity(np.zeros(2), "V"), times=np.zeros(2),
                       journal_seq=np.zeros(2), started={}, result={},
                       nominal=Quantity(10.0, "V"), budget=budget, decision=decision)


READINGS = [10.00001, 10.00003, 9.99999, 10.00002, 10.00000]


def test_substitute_replaces_whole_names_only() -> None:
    assert substitute("reading - calibrator * calibrator_2", "calibrator",
                      "(calibrator + calibrator_correction)") == \
        "reading - (calibrator + calibrator_correction) * calibrator_2"


@settings(max_examples=40, deadline=None)
@given(st.floats(-3e-4, 3e-4), st.floats(0, 5e-5), st.floats(1e-5, 3e-4))
def test_recomputed_and_first_order_agree_on_a_linear_model(offset: float, offset_u: float,
                                                             half_width: float) -> None:
    stored = StoredEvaluation.from_budget(evaluated(READINGS, half_width))
    assert stored is not None and stored.recomputable
    full = _recomputed(stored, "calibrator", offset, offset_u, "error")
    linear = _first_order(stored, "calibrator", offset, offset_u, "error")
    assert full[0] == pytest.approx(linear[0], rel=1e-12, abs=1e-15)
    assert full[1] == pytest.approx(linear[1], rel=1e-9)
    assert full[2] == pytest.approx(linear[2], rel=1e-9)
    assert full[0] == pytest.approx(np.mean(READINGS) - 10.0 - offset, rel=1e-9, abs=1e-12)


def test_a_function_model_is_updated_first_order() -> None:
    budget = evaluated(READINGS, 1.4e-4, equations=False)
    assert budget["model"]["equations"] is None
    change = reevaluate_point(point(budget), "calibrator", parse_correction("DCV 10V +30uV"))
    assert change.method == "first-order"
    equations = reevaluate_point(point(evaluated(READINGS, 1.4e-4)), "calibrator",
                                 parse_correction("DCV 10V +30uV"))
    assert change.new.statement == equations.new.statement
    for name in ("value", "U", "k", "specific_risk"):
        assert getattr(change.new, name) == pytest.approx(getattr(equations.new, name),
                                                          rel=1e-9, abs=1e-15)
    assert change.new.value == pytest.approx(change.old.value - 30e-6, rel=1e-12)


def test_a_decision_moves_across_the_limit() -> None:
    readings = [10.00038, 10.00038, 10.00039, 10.00038, 10.00038]  # error about +382 µV
    change = reevaluate_point(point(evaluated(readings, 1.4e-4)), "calibrator",
                              parse_correction("DCV 10V -30uV"))
    assert isinstance(change, PointChange)
    assert (change.old.statement, change.new.statement) == ("pass", "fail")
    assert change.action == "recall" and change.change == "pass → fail"
    assert change.new.specific_risk is not None and change.new.specific_risk < 0.5
    nonbinary = reevaluate_point(point(evaluated(readings, 1.4e-4), rule="nonbinary"),
                                 "calibrator", parse_correction("DCV 10V -30uV"))
    assert nonbinary.old.statement == "conditional_pass"
    assert nonbinary.new.statement == "conditional_fail" and nonbinary.action == "recall"


def test_a_guard_band_by_width_is_kept() -> None:
    budget = evaluated(READINGS, 1.4e-4)
    change = reevaluate_point(point(budget, rule="guarded", guard=GuardBand.width(1e-4)),
                              "calibrator", parse_correction("DCV 10V +310uV"))
    value, limit = change.new.value, 4e-4 - 1e-4
    assert change.new.statement == ("pass" if abs(value) <= limit else "fail")


@pytest.mark.parametrize(("change", "fragment"), [
    ({"budget": {}}, "it has no uncertainty budget"),
    ({"decision": {}}, "it has no conformity decision"),
    ({"input": "reference"}, "its budget has no input 'reference' for the standard"),
    ({"prior": 0.95}, "used a prior"),
    ({"guard": GuardBand.target_pfa(0.02), "prior": 0.95}, "used a prior"),
    ({"method": "bayes"}, "'bayes' evaluation"),
    ({"unit": "A"}, "cannot change an input in 'V'"),
])
def test_refusals_name_the_reason(change: dict[str, Any], fragment: str) -> None:
    budget = evaluated(READINGS, 1.4e-4)
    if change.get("method"):
        budget["method"] = change["method"]
    record = point(budget, guard=change.get("guard"), prior=change.get("prior"),
                   rule="guarded" if change.get("guard") else "simple")
    if "budget" in change:
        record.budget = change["budget"]
    if "decision" in change:
        record.decision = change["decision"]
    correction = parse_correction("DCV * +3uA" if change.get("unit") else "DCV 10V +30uV")
    expected = ImpactInputError if change.get("unit") else Unevaluable
    with pytest.raises(expected, match=fragment):
        reevaluate_point(record, change.get("input", "calibrator"), correction)


def test_typed_views_of_a_budget() -> None:
    budget = evaluated(READINGS, 1.4e-4)
    stored = StoredEvaluation.from_budget(budget)
    assert stored is not None
    assert stored.method == "gum" and stored.equations == {
        "error": "reading + resolution - calibrator"}
    row = stored.sensitivity("error", "calibrator")
    assert row is not None and row.sensitivity == -1.0
    assert row.u == pytest.approx(1.4e-4 / math.sqrt(3))
    assert stored.output() is stored.output("error")
    assert StoredEvaluation.from_budget({}) is None
    decision = StoredDecision.from_dict(point(budget).decision)
    assert decision is not None and decision.statement == "pass" and decision.lower == -4e-4
    assert StoredDecision.from_dict({}) is None


def numpy_draws(readings: list[float], half_width: float, offset: float, offset_u: float
                ) -> tuple[float, float, float, float]:
    """Return (error, u, U, δ) of error = reading + resolution - (calibrator + correction)
    by plain numpy draws (JCGM 101 6.4: the mean of n readings as x̄ + s/√n·t(n-1),
    rectangular inputs uniform, the correction normal; 2·10^6 trials), U the half-width
    of the probabilistically symmetric 95 % interval and δ the numerical tolerance for
    two significant digits of u (JCGM 101 7.9.2)."""
    rng = np.random.default_rng(101)
    trials = 2_000_000
    x = np.asarray(readings)
    error = (x.mean() + x.std(ddof=1) / math.sqrt(x.size) * rng.standard_t(x.size - 1, trials)
             + rng.uniform(-5e-7, 5e-7, trials)
             - rng.uniform(10.0 - half_width, 10.0 + half_width, trials)
             - rng.normal(offset, offset_u, trials))
    low, high = np.quantile(error, [0.025, 0.975])
    u = float(error.std(ddof=1))
    return float(error.mean()), u, float(high - low) / 2, 0.5 * 10.0 ** (
        math.floor(math.log10(u)) - 1)


@pytest.mark.parametrize(("readings", "correction", "old", "new"), [
    ([10.00030, 10.00031, 10.00029, 10.00030, 10.00031], "DCV 10V -120uV U=40uV k=2",
     "pass", "fail"),
    (READINGS, "DCV 10V +30uV U=10uV k=2", "pass", "pass"),
])
def test_a_monte_carlo_point_is_run_again_with_its_seed(readings: list[float], correction: str,
                                                        old: str, new: str) -> None:
    budget = mc_evaluated(readings, 1.4e-4)
    change = reevaluate_point(point(budget), "calibrator", parse_correction(correction))
    assert change.method == "monte-carlo"
    found = parse_correction(correction)
    offset, offset_u = found.shift(10.0, "V")
    value, u, expanded, delta = numpy_draws(readings, 1.4e-4, offset, offset_u)
    assert abs(change.new.value - value) <= delta
    assert abs(change.new.U - expanded) <= delta
    assert change.new.k == pytest.approx(expanded / u, abs=2 * delta / u)
    assert (change.old.statement, change.new.statement) == (old, new)
    assert change.new.statement == ("pass" if abs(value) <= 4e-4 else "fail")
    # the stored seed and trials make the re-evaluation repeatable, bit for bit
    again = reevaluate_point(point(budget), "calibrator", parse_correction(correction))
    assert again.new == change.new


def test_monte_carlo_refusals_name_the_reason() -> None:
    budget = mc_evaluated(READINGS, 1.4e-4, equations=False)
    with pytest.raises(Unevaluable, match=r"Python function.*no sensitivities"):
        reevaluate_point(point(budget), "calibrator", parse_correction("DCV 10V +30uV"))
    record = point(mc_evaluated(READINGS, 1.4e-4))
    record.decision = {**record.decision, "U": record.decision["U"] * 1.1}
    with pytest.raises(Unevaluable, match="is not the half-width of the Monte Carlo"):
        reevaluate_point(record, "calibrator", parse_correction("DCV 10V +30uV"))
