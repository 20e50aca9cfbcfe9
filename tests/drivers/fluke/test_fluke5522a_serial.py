"""The 5522A on RS-232 (a pty): comp mode, and term mode with its prompt and echo."""

from collections.abc import Iterator

import pytest
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASerialSimulator

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, InstrumentTimeout
from metrolab.instrument.simulation import serve
from metrolab.testing.replay import ReplayTransport
from metrolab.units import Quantity


def test_term_mode_prompt_and_echo_come_before_the_answer() -> None:
    sim = Fluke5522ASerialSimulator(clock=VirtualClock(), mode="term")
    assert sim.handle("OUT 1 V") == "1> OUT 1 V"
    assert sim.handle("OUT?") == "2> OUT?\r\n1.0000000E+00,V,0E+00,0,0.00E+00"
    with pytest.raises(UserInputError, match="comp or term"):
        Fluke5522ASerialSimulator(mode="chatty")


def test_replay_term_mode_reads_every_echo() -> None:
    with ReplayTransport([
        ("OUT 1.0000000E+00 V", "1> OUT 1.0000000E+00 V"),
        ("ERR?", '2> ERR?\n0,"No Error"'),
        ("OUT?", "3> OUT?\n1.0000000E+00,V,0E+00,0,0.00E+00"),
    ]) as transport:
        cal = Fluke5522A(transport, echo=True)
        cal.set_output(Quantity(1, "V"))
        assert cal.output() == (Quantity(1.0, "V"), None)


@pytest.fixture(params=["comp", "term"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Fluke5522A,
                                                             Fluke5522ASerialSimulator]]:
    clock = VirtualClock()
    sim = Fluke5522ASerialSimulator(clock=clock, mode=request.param)
    with serve(sim) as server, Fluke5522A.open(
        server.resource, clock=clock, echo=request.param == "term", timeout_s=1.0
    ) as cal:
        yield cal, sim


def test_both_modes_over_a_pty(served: tuple[Fluke5522A, Fluke5522ASerialSimulator]) -> None:
    cal, _ = served
    assert cal.identity.model == "5522A"
    cal.set_output(Quantity(50, "V"), confirm_high_voltage=True)
    cal.operate()
    assert cal.wait_settled() > 0
    assert cal.output() == (Quantity(50.0, "V"), None)
    assert cal.drain_errors() == []


def test_both_modes_recover_from_garbled_and_late_answers(
    served: tuple[Fluke5522A, Fluke5522ASerialSimulator],
) -> None:
    cal, sim = served
    cal.set_output(Quantity(2, "V"))
    sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError):
        cal.output()
    assert cal.output()[0] == Quantity(2.0, "V")
    sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout):
        cal.output()
    assert cal.output()[0] == Quantity(2.0, "V")


def test_a_missing_echo_is_a_reply_error() -> None:
    clock = VirtualClock()
    sim = Fluke5522ASerialSimulator(clock=clock, mode="comp")
    with serve(sim) as server, Fluke5522A.open(server.resource, clock=clock, echo=True,
                                               timeout_s=1.0) as cal, \
            pytest.raises(InstrumentReplyError, match="echo"):
        cal.output()
