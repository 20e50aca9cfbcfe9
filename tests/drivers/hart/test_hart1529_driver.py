"""The 1529 driver: protocol replay, and against its simulator over a real pty (pyvisa-py ASRL)."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from metrolab.drivers.hart import Hart1529
from metrolab.drivers.hart.sim_1529 import Hart1529Simulator

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, InstrumentTimeout, SCPIError
from metrolab.instrument.simulation import LabEnvironment, serve_pty
from metrolab.testing.replay import ReplayTransport
from metrolab.units import Quantity

NO_ERROR = ("SYST:ERR?", '0,"No error"')
START = 1_767_225_600.0


def test_replay_read_temperature_turns_stamps_on_once() -> None:
    with ReplayTransport([
        ("FORM:STAM ON", None), NO_ERROR,
        ("FETC? 2", "1,2,25.0123,C,14,5,35,2026,1,5"),
        ("FETC? 1", "0,1,298.1500,K,14,5,36,2026,1,5"),
    ]) as transport:
        readout = Hart1529(transport)
        assert readout.read_temperature(2) == Quantity(25.0123, "degC")
        assert readout.read_temperature(1) == Quantity(298.15, "K")


def test_replay_a_reply_for_another_channel_is_refused() -> None:
    with ReplayTransport([
        ("FORM:STAM ON", None), NO_ERROR,
        ("FETC? 2", "1,3,25.0123,C,14,5,35,2026,1,5"),
    ]) as transport, pytest.raises(InstrumentReplyError, match="channel 3"):
        Hart1529(transport).read_temperature(2)


def test_replay_resistance_is_not_a_temperature_and_bad_channels_send_nothing() -> None:
    with ReplayTransport([
        ("FORM:STAM ON", None), NO_ERROR,
        ("FETC? 1", "1,1,100.0123,O,14,5,35,2026,1,5"),
    ]) as transport:
        readout = Hart1529(transport)
        with pytest.raises(InstrumentReplyError, match="not a temperature"):
            readout.read_temperature(1)
        with pytest.raises(UserInputError, match="channel 5"):
            readout.read_temperature(5)


@pytest.fixture
def served() -> Iterator[tuple[Hart1529, Hart1529Simulator, VirtualClock]]:
    clock = VirtualClock(start=START)
    environment = LabEnvironment(seed=1, clock=clock)
    environment.set_temperature(22.0)
    sim = Hart1529Simulator(seed=1, clock=clock, environment=environment)
    with serve_pty(sim) as server, Hart1529.open(server.resource, timeout_s=1.0) as readout:
        yield readout, sim, clock


def test_readings_over_the_pty_follow_the_bath(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, sim, clock = served
    assert readout.identity.model == "1529"
    assert readout.read_temperature(3).to("degC").magnitude == pytest.approx(22.0, abs=0.01)
    sim.set_bath(-20.0)
    clock.advance(3600.0)
    reference = readout.read_temperature(1)
    assert reference.to("degC").magnitude == pytest.approx(-20.0, abs=0.005)
    dut = readout.read_temperature(2)
    expected_error = 0.03 - 4e-4 * -20.0 + 2e-6 * 400.0
    error = (dut - reference).to("delta_degC").magnitude
    assert error == pytest.approx(expected_error, abs=0.006)
    assert readout.drain_errors() == []


def test_empty_channel_is_a_reply_error(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, _, _ = served
    with pytest.raises(InstrumentReplyError, match="no valid reading"):
        readout.read_temperature(4)


def test_garbled_and_delayed_replies_never_become_readings(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, sim, _ = served
    good = readout.read_temperature(3)
    sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError):
        readout.read_temperature(1)
    assert readout.read_temperature(3) == good  # re-synchronised after the garbled reply
    sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout):
        readout.read_temperature(1)
    # the late channel-1 reply is discarded by the re-synchronisation
    assert readout.read_temperature(3) == good


def test_flooded_error_queue_is_a_typed_error_then_the_driver_recovers(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, sim, _ = served
    sim.faults.arm("flood")
    with pytest.raises(SCPIError, match="FORM:STAM ON") as caught:
        readout.read_temperature(3)  # the configuration before the first reading
    assert caught.value.errors[-1] == (-350, "Queue overflow")
    assert readout.drain_errors() == []
    assert readout.read_temperature(3).to("degC").magnitude == pytest.approx(22.0, abs=0.01)


def test_a_reset_readout_is_noticed_and_the_stamp_turned_on_again(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, sim, _ = served
    readout.read_temperature(3)
    sim.handle("*RST")  # someone reset the readout behind the driver's back
    with pytest.raises(InstrumentReplyError, match="no channel stamp"):
        readout.read_temperature(3)
    assert readout.read_temperature(3).to("degC").magnitude == pytest.approx(22.0, abs=0.01)
    readout.reset()
    assert readout.read_temperature(3).to("degC").magnitude == pytest.approx(22.0, abs=0.01)


def test_threads_sharing_the_readout_each_get_their_own_channel(
    served: tuple[Hart1529, Hart1529Simulator, VirtualClock],
) -> None:
    readout, _, _ = served

    def read_many(channel: int) -> set[int]:
        return {readout.fetch(channel).channel or 0 for _ in range(50)}

    with ThreadPoolExecutor(max_workers=3) as pool:
        seen = list(pool.map(read_many, [1, 2, 3, 1, 2, 3]))
    assert seen == [{1}, {2}, {3}, {1}, {2}, {3}]
