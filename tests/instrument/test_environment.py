"""Coupling of simulators: the lab environment, signal sources, injected DUT errors."""

import itertools
import math

import pytest

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.simulation import DutError, LabEnvironment, ManualSource


def test_environment_is_reproducible_for_a_seed_and_differs_between_seeds() -> None:
    clock = VirtualClock(start=0.0)
    a, b, c = LabEnvironment(1, clock), LabEnvironment(1, clock), LabEnvironment(2, clock)
    times = [0.0, 3600.0, 7200.0]
    assert [a.temperature(t) for t in times] == [b.temperature(t) for t in times]
    assert [a.temperature(t) for t in times] != [c.temperature(t) for t in times]


def test_environment_drifts_slowly_within_a_lab_band() -> None:
    env = LabEnvironment(3, VirtualClock(start=0.0))
    temps = [env.temperature(h * 600.0) for h in range(6 * 24 * 2)]
    assert all(22.0 < t < 24.0 for t in temps)
    assert max(abs(x - y) for x, y in itertools.pairwise(temps)) < 0.1  # per 10 min
    assert 30.0 < env.humidity(0.0) < 60.0
    assert 1005.0 < env.pressure(0.0) < 1020.0


def test_pinned_values_hold_until_released() -> None:
    clock = VirtualClock(start=0.0)
    env = LabEnvironment(0, clock)
    env.set_temperature(28.0)
    env.set_humidity(70.0)
    env.set_pressure(990.0)
    clock.advance(7200.0)
    assert (env.temperature(), env.humidity(), env.pressure()) == (28.0, 70.0, 990.0)
    env.release()
    assert env.temperature() != 28.0


def test_manual_source_applies_only_to_its_function() -> None:
    source = ManualSource()
    assert math.isnan(source.stimulus(Function.DCV, 0.0).value)
    source.apply(Function.RES4, 100.0)
    assert source.stimulus(Function.RES2, 0.0).value == 100.0
    assert not source.stimulus(Function.DCV, 0.0).applied
    source.apply(Function.ACV, 1.0, 1000.0)
    assert source.stimulus(Function.ACV, 0.0).frequency == 1000.0
    source.remove()
    assert not source.stimulus(Function.ACV, 0.0).applied


def test_dut_error_is_parsed_with_units() -> None:
    error = DutError.parse("DCV 10V gain=+60ppm offset=5uV")
    assert error == DutError(Function.DCV, 10.0, 60.0, pytest.approx(5e-6))
    assert DutError.parse("res4 1kohm gain=-20ppm").range == 1000.0


@pytest.mark.parametrize(
    "text", ["DCV", "XYZ 10V", "DCV 10A", "DCV 10V gain=60", "DCV 10V offset=3A"]
)
def test_bad_dut_error_text_is_user_input_error(text: str) -> None:
    with pytest.raises(UserInputError):
        DutError.parse(text)
