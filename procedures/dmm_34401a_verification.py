"""Performance verification of a 34401A-class DMM against a 5522A-class calibrator.

An instance of :mod:`.dmm_verification` limited to the 34401A and the 5522A: the points
are the 34401A Service Guide's verification table (ch. 4, summarised in
``shared/reference/instruments.md`` section 3), held as data in
``point_tables/keysight-34401a.toml``: zero offset on each range, gain on each range
(DC voltage including -10 V, DC current, 2-wire and 4-wire resistance, AC voltage),
each compared with the 34401A's published 1-year specification and with the 5522A's as
the standard (both through the profiles' ``specification`` methods). A point whose
function or range the specification data does not hold is left out of the table rather
than judged against a guessed limit; the dry run lists what is in and what is left out.

Zero offset: the service guide applies a copper 4-wire short; here the calibrator's zero
output is the short (the guide asks to check that output per range anyway), so the same
leads serve the whole step. The reference value is then 0 with the calibrator's floor
specification as its uncertainty. The budget, the 2-wire lead allowance and the decision
rule are those of :mod:`.dmm_verification`. A 5522A is a modest standard for a 6½-digit
DMM, so TURs below 4 are expected: they are flagged before the run and recorded in every
decision.
"""

from __future__ import annotations

from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.fluke.cal_profile import calibrator_profile
from metrolab.drivers.keysight import Keysight34401A
from metrolab.procedures.dmm_verification import DmmVerification

from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.runner.procedure import PointOutcome, TestPoint

VERIFICATION = DmmVerification(
    name="dmm-34401a-verification",
    version="1.0",
    title="Performance verification of a 34401A-class digital multimeter",
    duts=(dmm_profile("keysight-34401a"),),
    calibrators=(calibrator_profile("fluke-5522a"),),
    adjust_text="Adjust the DMM now (Service Guide ch.4, calibration security code needed); "
                "confirm when the adjustment is complete",
    dut_drivers={"keysight-34401a": Keysight34401A},
    calibrator_drivers={"fluke-5522a": Fluke5522A},
)

METADATA = VERIFICATION.metadata
TEST_POINTS: tuple[TestPoint, ...] = VERIFICATION.table().points
points_for = VERIFICATION.points_for
prepare = VERIFICATION.prepare
measure_point = VERIFICATION.measure_point
evaluate = VERIFICATION.evaluate
adjust = VERIFICATION.adjust
safe_state = VERIFICATION.safe_state

__all__ = ["METADATA", "TEST_POINTS", "VERIFICATION", "PointOutcome", "adjust", "evaluate",
           "measure_point", "points_for", "prepare", "safe_state"]


def _specified(point: TestPoint) -> bool:
    """Return True when the 34401A specification data holds a limit for ``point``."""
    spec = VERIFICATION.duts[0].specification(VERIFICATION.method.interval)
    try:
        spec.tolerance(Function[point.function], point.range, point.nominal, point.frequency)
    except SpecificationUnavailable:
        return False
    return True
