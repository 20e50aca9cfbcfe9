"""HMT330: specification, output-line format and the simulated transmitter's protocol."""

import math
import re

import pytest
from metrolab.drivers.vaisala.protocol_hmt330 import format_line, parse_line
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator, humidity_quantities
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
    assert sim.handle("INTV 5 S") == "Output intrv.  : 5 S\r\n"
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


def test_echo_brings_the_prompt_and_unknown_commands_are_answered(
    sim: VaisalaHMT330Simulator,
) -> None:
    # the line is echoed as it is typed: before ECHO ON has run, so not this one
    assert sim.handle("ECHO ON") == "Echo           : ON\r\n>"
    assert sim.handle("VERS") == "VERS\r\nHMT330 / 5.16\r\n>"
    assert sim.handle("ECHO OFF") == "ECHO OFF\r\nEcho           : OFF\r\n"
    assert sim.handle("FOO") == "Unknown command\r\n"
    assert sim.handle("ERRS") == "No errors\r\n"
    sim.faults.arm("flood")
    assert (sim.handle("ERRS") or "").startswith("Errors: E-200 Execution error")


def test_smode_run_streams_at_once_and_after_reset(sim: VaisalaHMT330Simulator) -> None:
    assert sim.handle("SMODE RUN") is None or sim.running  # streaming: no answer needed
    assert len(sim.unsolicited()) == 1
    sim.handle("S")
    assert sim.handle("SMODE") == "Serial mode    : RUN\r\n"
    sim.handle("RESET")
    assert sim.running and len(sim.unsolicited()) == 1


def test_the_manuals_form_examples(sim: VaisalaHMT330Simulator) -> None:
    """HMT330 User's Guide, FORM command examples (Table 27 and the lines after it)."""
    assert sim.handle('form "RH=" 4.2 rh U5 #t "T=" t U3 #r #n') == "OK\r\n"
    line = sim.handle("send") or ""
    assert re.fullmatch(r"RH=\s*\d+\.\d\d%RH {2}\tT=\s*\d+\.\d\d'C \r\n", line), line
    sim.handle('form "Tfrost=" tdf U3 #t "Temp=" t U3 #r#n')
    line = sim.handle("send") or ""
    assert re.fullmatch(r"Tfrost=\s*-?\d+\.\d'C \tTemp=\s*\d+\.\d'C \r\n", line), line
    assert sim.handle("form /") == "OK\r\n"
    assert re.fullmatch(r"RH=\s*\d+\.\d %RH T=\s*\d+\.\d 'C\r\n", sim.handle("send") or "")
    assert sim.handle("FORM ?") == (
        'Output format  : "RH=" 3.1 RH " " U " " "T=" 3.1 T " " U \\r \\n\r\n')
    assert sim.handle("FORM 3.1 RH BOGUS") == "Syntax error\r\n"


def test_form_fields_checksums_and_units(sim: VaisalaHMT330Simulator) -> None:
    sim.handle('FORM ADDR " " SN " " ERR " " STAT " " 2.2 TD " " U " " TIME #r CS2 #r#n')
    line = sim.handle("SEND") or ""
    message, checksum, _ = line.split("\r")
    assert message.startswith("00 J1234567 0000 N 0     ") and "'C 00:00:00" in message
    assert checksum == f"{sum((message + chr(13)).encode()) % 256:02X}"
    sim.handle("UNIT N;FORM 3.1 T U #r#n")
    assert sim.handle("UNIT N") == "Output units   : non metric\r\n"
    sim.handle("FORM 3.1 T U #r#n")
    assert (sim.handle("SEND") or "").endswith("'F\r\n")


def test_derived_humidity_quantities_match_an_independent_formula() -> None:
    """Dew point from RH and T by the Magnus formula (Sonntag 1990), and the
    Alduchov-Eskridge (1996) variant as an independent check."""
    values = humidity_quantities(50.0, 20.0, 1013.25)
    gamma = math.log(0.5) + 17.625 * 20.0 / (243.04 + 20.0)
    assert values["TD"] == pytest.approx(243.04 * gamma / (17.625 - gamma), abs=0.05)
    assert values["TD"] == pytest.approx(9.26, abs=0.02)  # the usual table value
    assert values["PWS"] == pytest.approx(23.37, abs=0.05)  # hPa at 20 °C
    assert values["TW"] == pytest.approx(13.7, abs=0.3)  # Stull 2011, fig. 1 region


def test_poll_mode_answers_only_its_address(sim: VaisalaHMT330Simulator) -> None:
    sim.handle("ADDR 5")
    assert sim.handle("SMODE POLL") == "Serial mode    : POLL\r\n"
    assert sim.handle("SEND") is None
    assert sim.handle("SEND 4") is None
    assert (sim.handle("SEND 5") or "").startswith("RH=")
    assert sim.handle("VERS") is None
    assert (sim.handle("??") or "").startswith("HMT330 / 5.16\r\nSerial number  : J1234567")
    assert sim.handle("OPEN 5") == "HMT330: 5 line opened for operator commands\r\n"
    assert sim.handle("VERS") == "HMT330 / 5.16\r\n"
    assert sim.handle("CLOSE") == "line closed\r\n"
    assert sim.handle("VERS") is None


def test_settings_modules_and_serial_line(sim: VaisalaHMT330Simulator) -> None:
    settings = (sim.handle("?") or "").split("\r\n")
    assert settings[0] == "HMT330 / 5.16"
    assert "Serial mode    : STOP" in settings and "Baud P D S     : 4800 E 7 1" in settings
    assert sim.handle("MODS") == ("Module 1       : not installed\r\n"
                                  "Module 2       : not installed\r\n")
    assert sim.handle("SERI 9600 N 8 1") == "Baud P D S     : 9600 N 8 1\r\n"
    assert sim.handle("SERI 1234") == "Invalid value\r\n"
    assert sim.handle("FTIME ON") == "Form. time     : ON\r\n"
    assert re.fullmatch(r"\d\d:\d\d:\d\d RH=.*\r\n", sim.handle("SEND") or "")
