"""The 5522A on RS-232 (a pty): terminal-mode framing, computer mode, control characters,
and the driver in both modes."""

import os
import select
import time
from collections.abc import Iterator

import pytest
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.fluke.serial_5522a import Fluke5522ASerialSimulator

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, InstrumentTimeout, SCPIError
from metrolab.instrument.simulation import serve
from metrolab.units import Quantity

IDN = "FLUKE,5522A,1972905,1.1+1.3+1.8"


def test_term_mode_echoes_then_answers_then_prompts() -> None:
    sim = Fluke5522ASerialSimulator(clock=VirtualClock(), mode="term")
    assert sim.handle("OUT 1 V") == "OUT 1 V\r\n2> "
    assert sim.handle("*IDN?") == f"*IDN?\r\n{IDN}\r\n3> "
    assert sim.handle("OUT 2000 V") == "OUT 2000 V\r\nFault 1306: Bad parameter value\r\n4> "
    assert sim.handle("ERR?") == 'ERR?\r\n1306,"Bad parameter value"\r\n5> '  # queued too
    assert sim.handle("\x03") == "\r\n1> "  # ^C: device clear restarts the count
    assert sim.handle("OUT?") == "OUT?\r\n1.0000000E+00,V,0E+00,0,0.00E+00\r\n2> "
    # ^P: the serial-poll string (status byte 0, ESR 0x90: power on and 1306's EXE)
    assert sim.handle("\x10") == "SPL: 00 90 0000 0000\r\n"
    with pytest.raises(UserInputError, match="comp or term"):
        Fluke5522ASerialSimulator(mode="chatty")


def test_comp_mode_answers_only_and_reports_a_service_request() -> None:
    sim = Fluke5522ASerialSimulator(clock=VirtualClock(), mode="comp", eol="LF")
    assert sim.handle("OUT 1 V") is None
    assert sim.handle("*IDN?") == f"{IDN}\n"
    assert sim.handle("\x03") is None
    sim.handle("*CLS;*SRE 8")  # service request on EAV (an error queued)
    # the status byte 0x48 (MSS | EAV) and the ESR 0x20 (CME for 1300)
    assert sim.handle("BOGUS") == "SRQ: 48 20 0000 0000\n"
    assert sim.handle("SP_SET?") == "9600,COMP,XON,DBIT8,SBIT1,PNONE,LF\n"


def read_until_prompt(fd: int, timeout_s: float = 5.0) -> bytes:
    """Read from ``fd`` until the output ends in a ``N> `` prompt (MCUSH-style framing)."""
    data = b""
    deadline = time.monotonic() + timeout_s
    while not (data.endswith(b"> ") and data.rstrip(b"> ").split(b"\n")[-1].isdigit()):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(remaining, 0))
        if not ready:
            raise TimeoutError(f"no prompt; got {data!r}")
        data += os.read(fd, 4096)
    return data


def test_mcush_connect_and_output_sequence_over_the_pty() -> None:
    """The third-party MCUSH driver's way of talking to a 5520A/5522A in terminal mode
    (pengshulin/mcush ``test/mcush/fluke/F5520A.py`` and ``test/mcush/Instrument.py``):
    send ``^C`` and read to the first prompt; then for each command write it with LF, read
    to the next ``N> `` prompt, check the echo equals the command and that the prompt
    count runs on from 2, and look for ``Fault N:`` lines. Its connect step: ``*idn?``,
    ``STBY``, ``*opc?``, ``remote``; its output step: ``*CLS``, ``OUT ...``, ``OPER``,
    ``*opc?``; then ``OUT?``, ``RANGE?``, ``CLOCK``. This replays that sequence."""
    clock = VirtualClock()
    sim = Fluke5522ASerialSimulator(clock=clock, mode="term")
    with serve(sim) as server:
        fd = os.open(server.device, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, b"\x03")
            assert read_until_prompt(fd).endswith(b"1> ")
            expected_prompt = 2
            answers: dict[str, list[str]] = {}
            for command in ["*idn?", "STBY", "*opc?", "remote", "*CLS", "OUT 10.0 V",
                            "OPER", "*opc?", "OUT?", "RANGE?", "CLOCK 2026,1,2,3,4,5",
                            "STBY", "OUT 0 V, 0 Hz"]:
                os.write(fd, command.encode() + b"\n")
                lines = read_until_prompt(fd).decode().split("\r\n")
                assert lines[0] == command  # the echo
                assert lines[-1] == f"{expected_prompt}> "
                assert not [line for line in lines if line.startswith("Fault")], lines
                answers[command] = lines[1:-1]
                expected_prompt += 1
        finally:
            os.close(fd)
    assert answers["*idn?"] == [IDN]
    assert answers["*opc?"] == ["1"]  # the second one, after OPER: once settled
    assert answers["OUT?"] == ["1.0000000E+01,V,0E+00,0,0.00E+00"]
    assert answers["RANGE?"] == ["3.299999E+01,0"]
    assert sim.remote and not sim.output.operating and sim.output.value == 0.0
    assert clock.now() > VirtualClock().now() + 1.0  # *opc? waited for the settling


def test_control_characters_act_at_once_and_c_drops_a_partial_line() -> None:
    sim = Fluke5522ASerialSimulator(clock=VirtualClock(), mode="term")
    with serve(sim) as server:
        fd = os.open(server.device, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, b"OUT 5")  # a partial line ...
            os.write(fd, b"\x03")  # ... dropped by the device clear
            assert read_until_prompt(fd) == b"\r\n1> "
            os.write(fd, b" V\r\nOUT?\r")
            out = read_until_prompt(fd)
            if not out.endswith(b"3> "):  # both answers may come in one read, or in two
                out += read_until_prompt(fd)
        finally:
            os.close(fd)
    assert out.decode().split("\r\n") == [
        "V", "Fault 1300: Bad syntax", "2> OUT?", "0.0000000E+00,V,0E+00,0,0.00E+00", "3> "]


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
    cal.write("LIMIT 60 V, -60 V")
    with pytest.raises(SCPIError, match="509"):
        cal.set_output(Quantity(100, "V"), confirm_high_voltage=True)
    assert cal.query("*OPC?") == "1"


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
    with serve(sim) as server, Fluke5522A.open(server.resource, clock=clock, echo=False,
                                               timeout_s=1.0) as cal:
        cal.echo = True  # the driver believes the port is in term mode: it is not
        with pytest.raises(InstrumentReplyError, match="echo"):
            cal.output()
