"""The simulated 1529: channels, bath, DUT error polynomial, formats and errors."""

import pytest
from metrolab.drivers.hart.protocol_1529 import parse_fetch_reply
from metrolab.drivers.hart.sim_1529 import Hart1529Simulator

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import LabEnvironment

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=START)


@pytest.fixture
def sim(clock: VirtualClock) -> Hart1529Simulator:
    environment = LabEnvironment(seed=0, clock=clock)
    environment.set_temperature(21.5)
    return Hart1529Simulator(seed=4, clock=clock, environment=environment)


def fetch(sim: Hart1529Simulator, channel: int) -> float:
    return float(sim.handle(f"FETC? {channel}") or "nan")


def test_without_a_bath_every_probe_reads_the_laboratory(sim: Hart1529Simulator) -> None:
    for channel in (1, 2, 3):
        assert fetch(sim, channel) == pytest.approx(21.5, abs=0.05)


def test_bath_probes_follow_the_set_point_on_the_clock(
    sim: Hart1529Simulator, clock: VirtualClock
) -> None:
    sim.set_bath(50.0)
    clock.advance(30.0)
    assert 22.0 < fetch(sim, 1) < 49.0  # on its way
    clock.advance(3600.0)
    assert fetch(sim, 1) == pytest.approx(50.0, abs=0.005)
    assert fetch(sim, 3) == pytest.approx(21.5, abs=0.01)  # the air probe stays in the air


def test_dut_channel_deviates_by_its_polynomial(
    sim: Hart1529Simulator, clock: VirtualClock
) -> None:
    sim.set_dut_error((0.1, 0.002))
    for set_point in (0.0, 100.0):
        sim.set_bath(set_point)
        clock.advance(7200.0)
        error = fetch(sim, 2) - fetch(sim, 1)
        assert error == pytest.approx(0.1 + 0.002 * set_point - 0.001, abs=0.006)


def test_stamped_format_flags_new_and_already_read_readings(
    sim: Hart1529Simulator, clock: VirtualClock
) -> None:
    sim.handle("form:stamp on")
    clock.advance(10.0)
    first = parse_fetch_reply(sim.handle("FETC? 1") or "")
    again = parse_fetch_reply(sim.handle("FETCH? 1") or "")
    assert (first.new, again.new) == (True, False)
    assert first.value == again.value  # the same scan, the same value
    clock.advance(3.0)  # three connected channels: each is scanned every 3 s
    later = parse_fetch_reply(sim.handle("READ? 1") or "")
    assert later.new is True
    assert later.time is not None and later.time.timestamp() <= clock.now()


def test_units_and_the_empty_channel(sim: Hart1529Simulator) -> None:
    sim.handle("UNIT:TEMP K")
    assert fetch(sim, 1) == pytest.approx(294.65, abs=0.05)
    sim.handle("unit:temperature F")
    assert sim.handle("UNIT:TEMP?") == "F"
    assert fetch(sim, 1) == pytest.approx(70.7, abs=0.1)
    assert sim.handle("FETC? 4") == "9.91E+37"


def test_errors_compound_commands_and_bad_channels(sim: Hart1529Simulator) -> None:
    assert sim.handle("FETC? 1;*IDN?") is None
    sim.handle("FETC? 5")
    sim.handle("BOGUS?")
    assert [sim.handle("SYST:ERR?") for _ in range(4)] == [
        '-102,"Syntax error"', '-222,"Data out of range"', '-113,"Undefined header"',
        '+0,"No error"',
    ]


def test_an_error_for_an_empty_channel_is_refused(sim: Hart1529Simulator) -> None:
    with pytest.raises(UserInputError, match="no probe on channel 4"):
        sim.set_dut_error((0.1,), channel=4)


def test_fetch_without_a_channel_gives_the_channel_scanned_last(
    sim: Hart1529Simulator, clock: VirtualClock
) -> None:
    sim.handle("FORM:STAM ON")
    channels = []
    for _ in range(3):
        clock.advance(1.0)
        channels.append(parse_fetch_reply(sim.handle("FETC?") or "").channel)
    assert sorted(channels) == [1, 2, 3]  # one per second, in turn


def test_raw_input_of_each_channel(sim: Hart1529Simulator) -> None:
    """``SENSe<n>:DATA?``: Ω for the PRT, kΩ for the thermistor, then 0."""
    prt, zero = (float(part) for part in (sim.handle("SENS1:DATA?") or "").split(","))
    assert prt == pytest.approx(100.0 * (1 + 3.9083e-3 * 21.5 - 5.775e-7 * 21.5**2), abs=0.03)
    assert zero == 0.0
    kilohms = float((sim.handle("SENSe3:DATA?") or "").split(",")[0])
    assert kilohms == pytest.approx(11.6, abs=0.3)  # a 10 kΩ (25 °C) NTC at 21.5 °C
    assert sim.handle("SENS4:DATA?") == "9.91E+37, 0.0000"
    assert sim.handle("SENS:DATA?") is None  # the channel suffix is required
    assert sim.handle("SYST:ERR?") == '-114,"Header suffix out of range"'


def test_new_reading_flags_follow_the_scan(sim: Hart1529Simulator, clock: VirtualClock) -> None:
    assert sim.handle("STAT:MEAS?") == "7"  # channels 1-3 have probes, 4 has none
    fetch(sim, 1)
    assert sim.handle("STAT:MEAS?") == "6"
    clock.advance(3.0)  # every channel is scanned again
    assert sim.handle("STAT:MEAS?") == "7"


def test_clock_and_scan_timer(sim: Hart1529Simulator, clock: VirtualClock) -> None:
    assert sim.handle("SYST:TIME?;") is None  # no compound commands on the 1529
    assert sim.handle("SYST:ERR?") == '-102,"Syntax error"'
    assert sim.handle("SYST:DATE?") == "2026,1,1"
    assert sim.handle("SYST:TIME?") == "0,0,0"
    sim.handle("SYST:TIME 14,5,35")
    clock.advance(2.0)
    assert sim.handle("SYST:TIME?") == "14,5,37"
    sim.handle("FORM:STAM ON")
    stamped = parse_fetch_reply(sim.handle("FETC? 1") or "")
    assert stamped.time is not None and (stamped.time.hour, stamped.time.minute) == (14, 5)
    assert sim.handle("TRIG:TIM?") == "1"
    sim.handle("TRIG:TIM 2.5")
    assert sim.handle("TRIG:TIM?") == "2.5"
    sim.handle("TRIG:TIM 0.01")
    assert sim.handle("SYST:ERR?") == '-222,"Data out of range"'
    sim.handle("*RST")
    assert sim.handle("TRIG:TIM?") == "1"


def test_an_unknown_command_gets_no_reply_and_queues_113(sim: Hart1529Simulator) -> None:
    assert sim.handle("CALC:BOGUS?") is None
    assert sim.handle("*ESR?") == "+160"  # power on and command error
    assert sim.handle("SYST:ERR?") == '-113,"Undefined header"'
