"""The HMT330 driver: protocol replay, and against its simulator over a real pty."""

from collections.abc import Iterator

import pytest
from metrolab.drivers.vaisala import VaisalaHMT330
from metrolab.drivers.vaisala.hmt330 import MAX_SKIPPED_LINES
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator

from metrolab.clock import VirtualClock
from metrolab.instrument.errors import InstrumentReplyError, InstrumentTimeout
from metrolab.instrument.simulation import LabEnvironment, serve_pty
from metrolab.testing.replay import ReplayTransport
from metrolab.units import Quantity


def test_replay_first_read_stops_run_mode_turns_echo_off_and_sends() -> None:
    with ReplayTransport([
        ("S", "RH= 45.10 %RH T= 23.00 'C"),  # a streamed line still arriving
        ("ECHO OFF", ">Echo           : OFF"),
        ("FORM /", "OK"),
        ("SEND", "RH= 45.2 %RH T= 23.1 'C P= 1013.25 hPa"),
        ("SEND", "RH= 45.3 %RH T= 23.0 'C"),
    ]) as transport:
        hygrometer = VaisalaHMT330(transport)
        first = hygrometer.read()
        assert (first.temperature, first.humidity, first.pressure) == (
            Quantity(23.1, "degC"), Quantity(45.2, "percent"), Quantity(1013.25, "hPa"))
        assert hygrometer.read().pressure is None


def test_replay_a_long_streamed_backlog_is_discarded_not_read_line_by_line() -> None:
    backlog = "\n".join(["RH= 45.10 %RH T= 23.00 'C"] * (MAX_SKIPPED_LINES + 4))
    with ReplayTransport([
        ("S", backlog),
        ("ECHO OFF", ">Echo           : OFF"),
        ("FORM /", "OK"),
        ("SEND", "RH= 45.2 %RH T= 23.1 'C"),
    ]) as transport:
        assert VaisalaHMT330(transport).read().humidity == Quantity(45.2, "percent")


def test_replay_identity_and_errors() -> None:
    with ReplayTransport([
        ("S", None), ("ECHO OFF", "Echo           : OFF"), ("FORM /", "OK"),
        ("VERS", "HMT330 / 5.16"), ("SNUM", "Serial number  : J1234567"),
        ("ERRS", "Errors: E-200 Execution error; E-350 Queue overflow"),
    ]) as transport:
        hygrometer = VaisalaHMT330(transport)
        identity = hygrometer.identity
        assert (identity.manufacturer, identity.model, identity.serial, identity.firmware) == (
            "VAISALA", "HMT330", "J1234567", "5.16")
        assert hygrometer.drain_errors() == [(-200, "Execution error"), (-350, "Queue overflow")]


def test_replay_a_failed_sensor_is_an_error_not_a_reading() -> None:
    with ReplayTransport([
        ("S", None), ("ECHO OFF", "Echo           : OFF"), ("FORM /", "OK"),
        ("SEND", "RH= ***** %RH T= 23.1 'C"),
    ]) as transport, pytest.raises(InstrumentReplyError, match="sensor has failed"):
        VaisalaHMT330(transport).read()


@pytest.fixture
def served() -> Iterator[tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock]]:
    clock = VirtualClock(start=0.0)
    environment = LabEnvironment(seed=2, clock=clock)
    environment.set_temperature(21.0)
    environment.set_humidity(50.0)
    environment.set_pressure(1005.0)
    sim = VaisalaHMT330Simulator(seed=2, clock=clock, environment=environment,
                                 barometer=True, power_up_mode="RUN")
    with serve_pty(sim) as server, VaisalaHMT330.open(server.resource,
                                                      timeout_s=1.0) as hygrometer:
        yield hygrometer, sim, clock


def test_read_over_the_pty_from_a_transmitter_found_streaming(
    served: tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock],
) -> None:
    hygrometer, _, _ = served
    reading = hygrometer.read()
    assert reading.temperature.to("degC").magnitude == pytest.approx(21.0, abs=0.2)
    assert reading.humidity.to("percent").magnitude == pytest.approx(50.0, abs=1.0)
    assert reading.pressure is not None
    assert reading.pressure.to("hPa").magnitude == pytest.approx(1005.0, abs=0.25)
    assert hygrometer.identity.model == "HMT330"
    assert hygrometer.drain_errors() == []


def test_run_mode_over_the_pty(
    served: tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock],
) -> None:
    hygrometer, _, clock = served
    hygrometer.start_run(interval_s=5)
    clock.advance(10.0)
    streamed = [hygrometer.read_run(), hygrometer.read_run()]
    assert all(r.humidity.magnitude == pytest.approx(50.0, abs=1.0) for r in streamed)
    hygrometer.stop_run()
    assert hygrometer.read().temperature.magnitude == pytest.approx(21.0, abs=0.2)


def test_garbled_and_delayed_lines_never_become_readings(
    served: tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock],
) -> None:
    hygrometer, sim, _ = served
    hygrometer.read()
    sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError):
        hygrometer.read()
    assert hygrometer.read().humidity.magnitude == pytest.approx(50.0, abs=1.0)
    sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout):
        hygrometer.read()
    assert hygrometer.read().humidity.magnitude == pytest.approx(50.0, abs=1.0)


def test_flood_shows_in_errs_and_is_cleared(
    served: tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock],
) -> None:
    hygrometer, sim, _ = served
    hygrometer.read()
    sim.faults.arm("flood")
    errors = hygrometer.drain_errors()
    assert errors[-1] == (-350, "Queue overflow")
    assert hygrometer.drain_errors() == []


def test_reset_comes_back_streaming_and_is_prepared_again(
    served: tuple[VaisalaHMT330, VaisalaHMT330Simulator, VirtualClock],
) -> None:
    hygrometer, sim, _ = served
    hygrometer.read()
    hygrometer.reset()  # the simulator powers up in RUN mode
    assert hygrometer.read().humidity.magnitude == pytest.approx(50.0, abs=1.0)
    assert sim.running is False
