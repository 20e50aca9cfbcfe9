"""The simulated meters' high-ohms input settles as a real one does: its time constant is
the source resistance times the input capacitance, and the source resistance the input
sees stops at the 10 MΩ the top ohms ranges are shunted with (8845A/8846A datasheet p. 5,
DMM6500 datasheet p. 9, 34401A). A 1 GΩ reading taken 2 s after a 10 MΩ one used to read
60 % low (a 10 s time constant), so a healthy meter failed its own verification."""

from __future__ import annotations

import pytest
from metrolab.drivers.dmm.factories import create, simulator_class_for
from metrolab.drivers.dmm.modes import Mode
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.dmm.sim_physics import OHMS_SHUNT_OHM, settling_tau
from metrolab.drivers.dmm.sim_settings import ModeSettings

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource


@pytest.mark.parametrize(("range_ohm", "tau_s"), [
    (1e2, 1e-3), (1e5, 1e-3), (1e6, 1e-2), (1e7, 0.1), (1e8, 0.1), (1e9, 0.1)])
def test_the_ohms_time_constant_grows_with_the_range_up_to_the_10_megohm_shunt(
        range_ohm: float, tau_s: float) -> None:
    table = create("fluke-8846a", clock=VirtualClock()).TABLE
    for mode in (Mode.RES2, Mode.RES4):
        assert settling_tau(table, mode, ModeSettings(range=range_ohm)) == pytest.approx(tau_s)
    assert OHMS_SHUNT_OHM == 10e6


@pytest.mark.parametrize(("profile", "top"), [("fluke-8846a", 1e9), ("keithley-dmm6500", 1e8),
                                              ("keysight-34401a", 1e8)])
def test_a_top_range_reading_two_seconds_after_a_step_is_within_specification(
        profile: str, top: float) -> None:
    source = ManualSource()
    clock = VirtualClock()
    sim = simulator_class_for(dmm_profile(profile))(clock=clock, source=source)
    sim.settings.modes[Mode.RES4].autorange = False
    sim.settings.modes[Mode.RES4].range = top
    sim.settings.mode = Mode.RES4
    source.apply(Function.RES4, 0.1 * top)
    sim.acquire(1)
    source.apply(Function.RES4, top)
    clock.sleep(2.0)  # as dmm-verification waits after configuring the meter
    (reading,) = sim.acquire(1).values.tolist()
    limit = sim.spec.row(Function.RES4, top, None, value=top).half_width(top)
    assert abs(reading - top) < limit
