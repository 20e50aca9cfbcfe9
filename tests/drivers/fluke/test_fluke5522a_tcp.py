"""The 5522A driver against its simulator over a real TCP socket (pyvisa-py SOCKET)."""

from collections.abc import Iterator

import pytest
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument.errors import (
    InstrumentReplyError,
    InstrumentTimeout,
    SafetyInterlockError,
    SCPIError,
)
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import serve_tcp
from metrolab.units import Quantity


@pytest.fixture
def bench() -> Iterator[tuple[Fluke5522A, Fluke5522ASimulator, VirtualClock]]:
    clock = VirtualClock(start=0.0)
    sim = Fluke5522ASimulator(seed=2, clock=clock)
    with serve_tcp(sim) as server, Fluke5522A.open(
        server.resource, clock=clock, timeout_s=1.0
    ) as cal:
        yield cal, sim, clock


def test_identity_and_a_settled_10_v(bench: tuple[Fluke5522A, Fluke5522ASimulator,
                                                  VirtualClock]) -> None:
    cal, sim, clock = bench
    assert cal.identity.model == "5522A"
    cal.set_output(Quantity(10, "V"))
    cal.operate()
    waited = cal.wait_settled(timeout_s=30)
    assert 1.0 < waited < 5.0
    assert sim.stimulus(Function.DCV, clock.now()).value == pytest.approx(10.0, abs=140e-6)
    assert cal.output() == (Quantity(10.0, "V"), None)
    cal.standby()
    assert not cal.is_operating()


def test_interlock_end_to_end(bench: tuple[Fluke5522A, Fluke5522ASimulator,
                                           VirtualClock]) -> None:
    cal, sim, clock = bench
    with pytest.raises(SafetyInterlockError):
        cal.set_output(Quantity(100, "V"))
    assert cal.output()[0] == Quantity(0.0, "V")  # nothing was sent
    cal.set_output(Quantity(100, "V"), confirm_high_voltage=True)
    cal.operate()
    assert cal.is_operating()
    cal.wait_settled()
    assert sim.stimulus(Function.DCV, clock.now()).value == pytest.approx(100.0, abs=5e-3)
    assert cal.drain_errors() == []


def test_delayed_reply_times_out_and_the_late_reply_is_never_taken(
    bench: tuple[Fluke5522A, Fluke5522ASimulator, VirtualClock],
) -> None:
    cal, sim, _ = bench
    cal.set_output(Quantity(1, "V"))
    sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout):
        cal.instrument_status()
    cal.set_output(Quantity(2, "V"))
    assert cal.output()[0] == Quantity(2.0, "V")


def test_garbled_reply_is_an_error_never_a_value(
    bench: tuple[Fluke5522A, Fluke5522ASimulator, VirtualClock],
) -> None:
    cal, sim, _ = bench
    cal.set_output(Quantity(1, "V"))
    sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError):
        cal.output()
    assert cal.output()[0] == Quantity(1.0, "V")


def test_flooded_error_queue_is_reported_not_ignored(
    bench: tuple[Fluke5522A, Fluke5522ASimulator, VirtualClock],
) -> None:
    cal, sim, _ = bench
    sim.faults.arm("flood")
    with pytest.raises(SCPIError, match=r"OUT 1\.0000000E") as caught:
        cal.set_output(Quantity(1, "V"))
    assert caught.value.errors[-1] == (1, "Error queue overflow")
    assert cal.drain_errors() == []  # the whole queue was read: the driver can go on


def test_dropped_connection_is_a_typed_error_not_a_reading(
    bench: tuple[Fluke5522A, Fluke5522ASimulator, VirtualClock],
) -> None:
    cal, sim, _ = bench
    sim.faults.arm("drop")
    # pyvisa-py reports a socket closed by the peer as a read that never completes
    with pytest.raises(InstrumentTimeout, match="OUT\\?"):
        cal.output()
