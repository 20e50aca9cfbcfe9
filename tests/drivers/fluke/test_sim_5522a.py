"""The simulated 5522A: its command set, the >30 V interlock and the output it applies."""

import math

import numpy as np
import pytest
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator, parse_argument

from metrolab.clock import VirtualClock
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import CommandError, LabEnvironment


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=0.0)


@pytest.fixture
def sim(clock: VirtualClock) -> Fluke5522ASimulator:
    return Fluke5522ASimulator(seed=1, clock=clock)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("10 V", 10.0, "V"), ("10MV", 10e-3, "V"), ("-1.5e-3 a", -1.5e-3, "A"),
     ("10 MA", 10e-3, "A"), ("2 KOHM", 2e3, "OHM"), ("1 MOHM", 1e6, "OHM"),
     ("1 MHZ", 1e6, "HZ"), ("100 uV", 100e-6, "V"), ("3", 3.0, "V")],
)
def test_arguments_follow_ieee_488_2_multipliers(text: str, value: float, unit: str) -> None:
    assert parse_argument(text, "V") == (pytest.approx(value), unit)


def test_bad_arguments_are_command_errors() -> None:
    with pytest.raises(CommandError) as caught:
        parse_argument("10 W", "V")
    assert caught.value.code == -131
    with pytest.raises(CommandError):
        parse_argument("ten V", "V")


def test_out_query_and_function_follow_the_setting(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("OUT?") == "0.0000000E+00,V,0E+00,0,0.00E+00"
    sim.handle("out 10 V, 50 HZ")
    assert sim.handle("OUT?;FUNC?") == "1.0000000E+01,V,0E+00,0,5.00E+01;ACV"
    sim.handle("OUT 10 MA")
    assert sim.handle("FUNC?") == "DCI"


def test_errors_use_the_5522a_format_and_fault_explain(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("ERR?") == '0,"No Error"'
    sim.handle("BOGUS 1")
    sim.handle("OUT 2000 V")
    assert sim.handle("ERR?") == '-113,"Undefined header"'
    assert sim.handle("FAULT?") == "-222"
    assert sim.handle("EXPLAIN? -222") == '"Data out of range"'
    assert sim.handle("FAULT?") == "0"


def test_operate_above_30_v_is_refused_until_confirmed(sim: Fluke5522ASimulator) -> None:
    sim.handle("OUT 31 V")
    sim.handle("OPER")
    assert sim.handle("OPER?") == "0"
    assert sim.handle("ERR?") == '540,"Output above 30 V: send OPER again to confirm"'
    assert int(sim.handle("ISR?") or 0) & (1 << 6)
    sim.handle("OPER")
    assert sim.handle("OPER?") == "1"
    assert sim.handle("ERR?") == '0,"No Error"'


def test_a_new_high_voltage_while_operating_drops_to_standby(sim: Fluke5522ASimulator) -> None:
    sim.handle("OUT 10 V;OPER")
    assert sim.handle("OPER?") == "1"
    sim.handle("OUT 100 V")
    assert sim.handle("OPER?") == "0"
    assert math.isnan(sim.stimulus(Function.DCV, 0.0).value)


def test_settled_bit_follows_the_injected_clock(sim: Fluke5522ASimulator,
                                                 clock: VirtualClock) -> None:
    sim.handle("OUT 10 V;OPER")
    assert int(sim.handle("ISR?") or 0) == (1 << 11) | 1
    clock.advance(5.0)
    assert int(sim.handle("ISR?") or 0) == (1 << 12) | (1 << 11) | 1


def test_the_meter_sees_the_output_within_its_specification(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 10 V;OPER")
    assert math.isnan(sim.stimulus(Function.DCV, 0.0).value) is False
    early = sim.stimulus(Function.DCV, clock.now()).value
    assert early == pytest.approx(0.0, abs=1e-3)  # just switched on: still rising
    clock.advance(10.0)
    stimulus = sim.stimulus(Function.DCV, clock.now())
    assert stimulus.value == pytest.approx(10.0, abs=140e-6)
    assert stimulus.value != 10.0
    assert stimulus.frequency is None
    assert math.isnan(sim.stimulus(Function.DCI, clock.now()).value)
    assert sim.stimulus(Function.ACV, clock.now()).value == 0.0


def test_resistance_two_wire_sees_the_leads_unless_compensated(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 100 OHM;OPER")
    clock.advance(10.0)
    four = sim.stimulus(Function.RES4, clock.now()).value
    two = sim.stimulus(Function.RES2, clock.now()).value
    assert four == pytest.approx(100.0, abs=0.005)
    assert two - four == pytest.approx(0.1, abs=0.005)
    sim.handle("ZCOMP WIRE2")
    assert sim.stimulus(Function.RES2, clock.now()).value == pytest.approx(100.0, abs=0.005)


def test_standby_and_reset_remove_the_output(sim: Fluke5522ASimulator,
                                             clock: VirtualClock) -> None:
    sim.handle("OUT 1 V;OPER")
    clock.advance(10.0)
    sim.handle("STBY")
    assert math.isnan(sim.stimulus(Function.DCV, clock.now()).value)
    sim.handle("OPER;*RST")
    assert sim.handle("OPER?;OUT?") == "0;0.0000000E+00,V,0E+00,0,0.00E+00"


def test_out_of_range_settings_are_refused_and_keep_the_output(
    sim: Fluke5522ASimulator,
) -> None:
    sim.handle("OUT 1 V")
    for bad in ("OUT -1 V, 1 KHZ", "OUT 1 V, 5 HZ", "OUT -5 OHM", "OUT 21 A"):
        sim.handle(bad)
        assert sim.handle("ERR?") == '-222,"Data out of range"', bad
    assert sim.handle("OUT?") == "1.0000000E+00,V,0E+00,0,0.00E+00"


def test_same_seed_same_output_errors() -> None:
    readings = []
    for _ in range(2):
        clock = VirtualClock(start=0.0)
        sim = Fluke5522ASimulator(seed=7, clock=clock)
        sim.handle("OUT 10 V;OPER")
        clock.advance(10.0)
        readings.append(sim.stimulus(Function.DCV, clock.now()).value)
    assert readings[0] == readings[1]


def test_outside_tcal_plus_minus_5_c_the_output_drifts_with_the_laboratory() -> None:
    values = {}
    for ambient in (23.0, 27.0, 38.0):
        clock = VirtualClock(start=0.0)
        environment = LabEnvironment(seed=0, clock=clock)
        environment.set_temperature(ambient)
        sim = Fluke5522ASimulator(seed=5, clock=clock, environment=environment)
        sim.handle("OUT 10 V;OPER")
        clock.advance(10.0)
        values[ambient] = np.mean([sim.stimulus(Function.DCV, clock.now()).value
                                   for _ in range(200)])
    assert values[27.0] == pytest.approx(values[23.0], abs=1e-6)  # within tcal ± 5 °C
    # 10 °C outside: a tenth of the 140 µV specification per °C
    assert abs(values[38.0] - values[23.0]) == pytest.approx(140e-6, rel=0.05)
