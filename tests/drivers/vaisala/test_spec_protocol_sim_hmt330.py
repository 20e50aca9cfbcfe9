"""HMT330: specification, output-line format and the simulated transmitter's protocol."""

import pytest
from metrolab.drivers.vaisala.protocol_hmt330 import format_line, parse_line
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator
from metrolab.drivers.vaisala.spec_hmt330 import SPEC, Measurand

from metrolab.clock import VirtualClock
from metrolab.instrument.errors import InstrumentReplyError, SpecificationUnavailable
from metrolab.instrument.simulation import LabEnvironment
from metrolab.units import Quantity


def test_humidity_tolerance_depends_on_reading_and_ambient() -> None:
    assert SPEC.tolerance(Measurand.HUMIDITY, None, Quantity(50, "percent")).magnitude == 1.0
    assert SPEC.tolerance(Measurand.HUMIDITY, None, Quantity(95, "percent")).magnitude == 1.7
    warm = SPEC.tolerance(Measurand.HUMIDITY, None, Quantity(50, "percent"),
                          ambient=Quantity(35, "degC"))
    assert warm.magnitude == pytest.approx(1.4)


def test_temperature_and_pressure_tolerances_keep_the_units() -> None:
    at_20 = SPEC.tolerance(Measurand.TEMPERATURE, None, Quantity(20, "degC"))
    assert at_20 == Quantity(0.2, "delta_degC")
    assert SPEC.tolerance(Measurand.TEMPERATURE, None, Quantity(303.15, "K")).to(
        "K").magnitude == pytest.approx(0.25)
    assert SPEC.tolerance(Measurand.PRESSURE, None, Quantity(1000, "hPa")) == Quantity(
        0.25, "hPa")
    with pytest.raises(SpecificationUnavailable, match="PRESSURE"):
        SPEC.tolerance(Measurand.PRESSURE, None, Quantity(300, "hPa"))


def test_output_line_round_trips_with_and_without_pressure() -> None:
    line = format_line(45.214, 23.126, None)
    assert line == "RH= 45.21 %RH T= 23.13 'C"
    reading = parse_line(">" + line)
    assert reading.humidity == Quantity(45.21, "percent")
    assert reading.temperature == Quantity(23.13, "degC")
    assert reading.pressure is None
    assert parse_line(format_line(45.2, 23.1, 1013.25)).pressure == Quantity(1013.25, "hPa")
    assert parse_line("T= 74.66'F RH= 16.03%RH").temperature == Quantity(74.66, "degF")


@pytest.mark.parametrize(
    "line", ["", "RH= 45.2 %RH", "RH= ***.* %RH T= 23.1 'C", "RH= 1 %RH RH= 2 %RH T= 3 'C",
             "Unknown command"],
)
def test_lines_without_a_valid_reading_are_reply_errors(line: str) -> None:
    with pytest.raises(InstrumentReplyError):
        parse_line(line)


@pytest.fixture
def sim() -> VaisalaHMT330Simulator:
    clock = VirtualClock(start=0.0)
    environment = LabEnvironment(seed=0, clock=clock)
    environment.set_temperature(20.5)
    environment.set_humidity(40.0)
    return VaisalaHMT330Simulator(seed=3, clock=clock, environment=environment)


def test_send_reads_the_laboratory_within_the_transmitter_spec(
    sim: VaisalaHMT330Simulator,
) -> None:
    reading = parse_line(sim.handle("send") or "")
    assert reading.temperature.magnitude == pytest.approx(20.5, abs=0.2)
    assert reading.humidity.magnitude == pytest.approx(40.0, abs=1.0)
    assert reading.pressure is None


def test_run_mode_streams_on_the_clock_and_accepts_only_s(
    sim: VaisalaHMT330Simulator,
) -> None:
    clock = sim.clock
    assert isinstance(clock, VirtualClock)
    assert sim.handle("INTV 5 S") == ">Output intrv.  : 5 S"
    assert sim.handle("R") is None
    assert len(sim.unsolicited()) == 1
    assert sim.unsolicited() == []
    clock.advance(10.0)
    assert len(sim.unsolicited()) == 2
    assert sim.handle("SEND") is None  # ignored while running
    sim.handle("S")
    clock.advance(60.0)
    assert sim.unsolicited() == []
    assert sim.handle("SEND") is not None


def test_echo_prompt_unknown_commands_and_errs(sim: VaisalaHMT330Simulator) -> None:
    assert sim.handle("ECHO ON") == ">Echo           : ON"
    assert (sim.handle("VERS") or "").split("\r\n") == [">VERS", "HMT330 / 5.16"]
    sim.handle("ECHO OFF")
    assert sim.handle("FOO") == ">Unknown command"
    assert sim.handle("ERRS") == ">No errors"
    sim.faults.arm("flood")
    assert (sim.handle("ERRS") or "").startswith(">Errors: E-200 Execution error")


def test_smode_run_starts_streaming_after_reset(sim: VaisalaHMT330Simulator) -> None:
    assert sim.handle("SMODE RUN") == ">Serial mode    : RUN"
    sim.handle("RESET")
    assert len(sim.unsolicited()) == 1
