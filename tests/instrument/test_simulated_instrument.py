"""The simulated instrument base: IEEE 488.2 common commands, error queue and registers."""

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import SimulatedInstrument


class Plain(SimulatedInstrument):
    IDN = "ACME,PLAIN,7,1.0"
    ERROR_QUEUE_DEPTH = 5


def test_identity_and_opc() -> None:
    sim = Plain(clock=VirtualClock())
    assert sim.handle("*IDN?") == "ACME,PLAIN,7,1.0"
    assert sim.handle("*OPC?") == "1"


def test_error_queue_is_fifo_and_reads_no_error_when_empty() -> None:
    sim = Plain(clock=VirtualClock())
    sim.handle("FOO")
    sim.handle("*ESE 999")
    assert sim.handle("SYST:ERR?") == '-113,"Undefined header"'
    assert sim.handle("SYSTEM:ERROR:NEXT?") == '-222,"Data out of range"'
    assert sim.handle("SYST:ERR?") == '+0,"No error"'


def test_overflow_replaces_the_newest_entry_with_350() -> None:
    sim = Plain(clock=VirtualClock())
    for _ in range(9):
        sim.handle("FOO")
    codes = [sim.pop_error()[0] for _ in range(6)]
    assert codes == [-113, -113, -113, -113, -350, 0]


def test_esr_bits_follow_error_classes_and_clear_on_read() -> None:
    sim = Plain(clock=VirtualClock())
    assert sim.handle("*ESR?") == "+128"  # power-on
    sim.handle("FOO")  # command error -> CME (32)
    sim.handle("*ESE 999")  # execution error -> EXE (16)
    assert sim.handle("*ESR?") == "+48"
    assert sim.handle("*ESR?") == "+0"


def test_status_byte_summarises_queue_and_enabled_events() -> None:
    sim = Plain(clock=VirtualClock())
    sim.handle("*CLS")
    assert sim.handle("*STB?") == "+0"
    sim.handle("FOO")
    assert int(str(sim.handle("*STB?"))) & 4  # EAV
    sim.handle("*ESE 32;*SRE 32")
    stb = int(str(sim.handle("*STB?")))
    assert stb & 32 and stb & 64  # ESB and MSS


def test_rst_keeps_the_error_queue_and_cls_clears_it() -> None:
    sim = Plain(clock=VirtualClock())
    sim.handle("FOO")
    sim.handle("*RST")
    assert sim.errors
    sim.handle("*CLS")
    assert not sim.errors
    assert sim.handle("*ESR?") == "+0"


def test_latency_is_spent_on_the_injected_clock_only_for_replies() -> None:
    clock = VirtualClock(start=0.0)
    sim = Plain(clock=clock, latency_s=0.25)
    sim.handle("*CLS")
    assert clock.now() == 0.0
    sim.handle("*IDN?")
    assert clock.now() == 0.25


def test_unsolicited_messages_are_handed_out_once() -> None:
    sim = Plain(clock=VirtualClock())
    sim.emit("T= 23.1 'C")
    assert sim.unsolicited() == ["T= 23.1 'C"]
    assert sim.unsolicited() == []


def test_fault_switchboard_counts_down_and_clears() -> None:
    from metrolab.instrument.simulation import Fault

    sim = Plain(clock=VirtualClock())
    sim.faults.arm("garble", count=2)
    sim.faults.arm(Fault.DELAY)
    assert sim.faults.armed() == {Fault.GARBLE: 2, Fault.DELAY: 1}
    assert sim.faults.take(Fault.GARBLE)
    assert sim.faults.armed() == {Fault.GARBLE: 1, Fault.DELAY: 1}
    sim.faults.clear()
    assert not sim.faults.take(Fault.GARBLE)
