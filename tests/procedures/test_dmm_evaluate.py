"""The DMM verification's evaluation of one point: budget terms, limits, decision rules."""

from __future__ import annotations

import numpy as np
import pytest
from metrolab.procedures import dmm_34401a_verification as dmm

from metrolab.clock import VirtualClock
from metrolab.runner.engine import RunContext, RunSettings
from metrolab.units import Quantity

POINT = next(p for p in dmm.TEST_POINTS if p.point_id == "DCV-10V")


def evaluate(offset_uv: float, **settings: object) -> dmm.PointOutcome:
    context = RunContext("as_found", RunSettings(**settings), {}, {}, VirtualClock())
    noise = np.array([-3.0, 1.0, 2.0, -1.0, 0.0, 1.0, -2.0, 3.0, -1.0, 0.0])
    readings = Quantity(10.0 + (offset_uv + noise) * 1e-6, "V")
    return dmm.evaluate(context, POINT, readings, Quantity(1e-5, "V"))


def test_error_budget_and_limit_of_a_dc_voltage_point() -> None:
    outcome = evaluate(100.0)
    assert outcome.error.to("uV").magnitude == pytest.approx(100.0, abs=1e-6)
    _, upper = outcome.tolerance
    assert upper.to("uV").magnitude == pytest.approx(400.0)  # 0.0035 % of 10 V + 0.0005 % of 10 V
    inputs = {row["input"] for row in outcome.budget["budget"]}
    assert inputs == {"reading", "resolution", "calibrator", "thermal_emf"}
    calibrator = next(r for r in outcome.budget["budget"] if r["input"] == "calibrator")
    assert calibrator["distribution"] == "rectangular"
    assert outcome.decision["statement"] == "pass"
    assert outcome.decision["tur"] == pytest.approx(400.0 / outcome.decision["U"] / 1e6, rel=0.01)


def test_simple_acceptance_passes_what_guarded_acceptance_refuses() -> None:
    simple = evaluate(350.0)
    guarded = evaluate(350.0, rule="guarded", guard="u")
    assert simple.decision["statement"] == "pass"
    assert guarded.decision["statement"] != "pass"
    assert guarded.decision["acceptance_upper"] < simple.decision["acceptance_upper"]


def test_every_point_has_a_limit_from_the_spec_data() -> None:
    functions = {p.function for p in dmm.TEST_POINTS}
    assert functions == {"DCV", "ACV", "DCI", "RES2", "RES4"}
    assert any(p.nominal.magnitude == -10 for p in dmm.TEST_POINTS)
    assert all(dmm._specified(p) for p in dmm.TEST_POINTS)


def test_points_name_the_unverified_specification_data_they_use() -> None:
    """The 5522A 1-year rows and the 34401A AC rows are recollections tagged [U]: every
    point carries a caveat for the calibrator, AC points one more for the DMM limit."""
    context = RunContext("as_found", RunSettings(), {}, {}, VirtualClock())
    dcv = evaluate(0.0)
    assert len(dcv.caveats) == 1 and dcv.caveats[0].startswith("5522A 1-year specification")
    ac_point = next(p for p in dmm.TEST_POINTS if p.point_id == "ACV-1V-1kHz")
    readings = Quantity(1.0 + np.array([-3.0, 1.0, 2.0, -1.0, 0.0, 1.0, -2.0, 3.0, -1.0, 0.0])
                        * 1e-6, "V")
    ac = dmm.evaluate(context, ac_point, readings, Quantity(1e-6, "V"))
    assert [c.split(" specification")[0] for c in ac.caveats] == ["5522A 1-year", "34401A 1 year"]
    assert "unverified data: [U] datasheet 5968-0162EN AC voltage" in ac.caveats[1]
