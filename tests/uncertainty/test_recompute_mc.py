"""Re-running a stored Monte Carlo result from its seed, trials and chunk size."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from metrolab.uncertainty import (
    TypeA,
    TypeB,
    UncertaintyInputError,
    compile_equations,
    evaluate_mc,
    recompute_mc,
)
from metrolab.uncertainty.montecarlo import expanded_from_interval
from metrolab.units import Quantity


def inputs() -> dict[str, Any]:
    return {
        "reading": TypeA.from_readings(Quantity(np.array([1.00002, 1.00004, 0.99999, 1.00001,
                                                          1.00003, 1.0]), "V"),
                                       check_autocorrelation=False),
        "calibrator": TypeB(Quantity(1.0, "V"), half_width=Quantity(1.4e-5, "V"),
                            distribution="rectangular"),
        "gain": TypeB(Quantity(1.0, ""), half_width=Quantity(2e-6, ""),
                      distribution="triangular"),
    }


@pytest.mark.parametrize("chunk_values", [2_000_000, 30_000])
def test_a_stored_run_comes_back_draw_for_draw(chunk_values: int) -> None:
    model = compile_equations({"error": "reading * gain - calibrator",
                               "ratio": "reading / calibrator"}, list(inputs()))
    stored = evaluate_mc(model, inputs(), trials=50_000, seed=11, chunk_values=chunk_values,
                         correlations={("reading", "gain"): 0.3},
                         output_units={"error": "uV"}).to_dict()
    again = recompute_mc(stored).to_dict()
    assert again["outputs"] == stored["outputs"]
    assert again["settings"]["chunk"] == stored["settings"]["chunk"]
    assert again["outputs"]["error"]["unit"] == "µV"


def test_a_changed_input_gives_a_new_run_with_the_same_seed() -> None:
    model = compile_equations({"error": "reading - calibrator"},
                              ["reading", "calibrator"])
    given = {k: v for k, v in inputs().items() if k != "gain"}
    stored = evaluate_mc(model, given, trials=40_000, seed=3).to_dict()
    stored["inputs"]["calibrator"]["value"] = 1.0001
    again = recompute_mc(stored)
    assert again.seed == 3 and again.trials == 40_000
    assert float(again.values[0]) == pytest.approx(stored["outputs"]["error"]["value"] - 1e-4,
                                                   abs=3e-7)


def test_refusals() -> None:
    def model(reading: Any, calibrator: Any) -> Any:
        return reading - calibrator

    given = {k: v for k, v in inputs().items() if k != "gain"}
    stored = evaluate_mc(model, given, trials=20_000, seed=1).to_dict()
    with pytest.raises(UncertaintyInputError, match="Python function"):
        recompute_mc(stored)
    stored["model"] = {"source": None, "equations": {"y": "reading - calibrator"}}
    del stored["seed"]
    with pytest.raises(UncertaintyInputError, match="does not hold its seed and trials"):
        recompute_mc(stored)


def test_expanded_from_interval() -> None:
    assert expanded_from_interval(-3.0, 5.0, 2.0) == (4.0, 2.0)
    assert expanded_from_interval(1.0, 1.0, 0.0) == (0.0, None)
