"""The procedures' shared evaluation helpers: warnings into the journal, the run's rule."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from metrolab.runner.engine import RunSettings
from metrolab.runner.evaluation import decide_error, noting_warnings
from metrolab.runner.procedure import Note, PointOutcome
from metrolab.uncertainty import OutputEstimate
from metrolab.units import Quantity

OUTCOME = PointOutcome(Quantity(1.0, "V"), Quantity(1.0, "V"), Quantity(0.0, "V"),
                       (Quantity(-1.0, "V"), Quantity(1.0, "V")), {}, {})


def error(value_uv: float, U_uv: float) -> OutputEstimate:
    return OutputEstimate("error", Quantity(value_uv, "uV"), Quantity(U_uv / 2, "uV"),
                          np.array(np.inf), np.array(2.0), Quantity(U_uv, "uV"), 0.95)


def test_warnings_of_an_evaluation_become_notes_and_its_outcome_is_returned() -> None:
    def evaluate() -> PointOutcome:
        warnings.warn("readings are autocorrelated", RuntimeWarning, stacklevel=1)
        return OUTCOME

    plan = noting_warnings(evaluate)
    assert next(plan) == Note("RuntimeWarning: readings are autocorrelated")
    with pytest.raises(StopIteration) as stop:
        next(plan)
    assert stop.value.value is OUTCOME


def test_decision_follows_the_run_rule_without_a_low_tur_warning() -> None:
    limit = Quantity(10.0, "uV")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a low-TUR warning would fail here
        simple = decide_error(RunSettings(), error(8.0, 6.0), -limit, limit)
        guarded = decide_error(RunSettings(rule="guarded", guard="u"), error(8.0, 6.0),
                               -limit, limit)
    assert simple.statement == "pass"
    assert guarded.statement != "pass"
    assert simple.tur == pytest.approx(20.0 / 12.0)
