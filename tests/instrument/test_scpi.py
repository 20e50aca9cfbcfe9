"""The SCPI base: identity, status, errors after configuration, blocks."""

import pytest

from metrolab.instrument import InProcessTransport, SCPIInstrument
from metrolab.instrument.errors import InstrumentError, InstrumentReplyError, SCPIError
from metrolab.instrument.scpi import Identity
from metrolab.testing.replay import ReplayTransport

from .helpers import toy


def test_identity_is_parsed_into_four_fields() -> None:
    driver = SCPIInstrument(InProcessTransport(toy()))
    assert driver.identity == Identity("ACME", "TOY", "123", "1.0")
    assert driver.identity.to_dict()["serial"] == "123"


@pytest.mark.parametrize("reply", ["ACME,TOY,123", "", ",TOY,1,2", "A,B,C,D,E"])
def test_malformed_identity_is_a_reply_error(reply: str) -> None:
    with pytest.raises(InstrumentReplyError, match=r"\*IDN\?"):
        Identity.parse(reply, instrument="x")


def test_configuration_error_is_raised_with_command_code_and_message() -> None:
    driver = SCPIInstrument(InProcessTransport(toy()), name="toy")
    with pytest.raises(SCPIError) as caught:
        driver.configure_with("VOLT 50")
    error = caught.value
    assert (error.code, error.message, error.command) == (-222, "Data out of range", "VOLT 50")
    assert "toy" in str(error) and "VOLT 50" in str(error)
    driver.configure_with("VOLT 5")  # the queue was drained: the next one is clean
    assert driver.query("VOLT?") == "+5.00000000E+00"


def test_all_errors_are_listed_oldest_first() -> None:
    sim = toy()
    driver = SCPIInstrument(InProcessTransport(sim))
    with pytest.raises(SCPIError) as caught:
        driver.configure_with("NOPE", "VOLT 99")
    assert caught.value.errors == [(-113, "Undefined header"), (-222, "Data out of range")]


def test_a_queue_that_never_empties_stops_the_drain() -> None:
    script = [("SYST:ERR?", '-200,"Execution error"')] * 22
    driver = SCPIInstrument(ReplayTransport(script))
    with pytest.raises(InstrumentError, match="still not empty"):
        driver.drain_errors()


def test_reset_status_and_wait() -> None:
    script = [
        ("*RST", None),
        ("*OPC?", "1"),
        ("*CLS", None),
        ("*STB?", "+4"),
        ("*ESR?", "+32"),
    ]
    with ReplayTransport(script) as transport:
        driver = SCPIInstrument(transport)
        driver.reset()
        driver.clear_status()
        assert driver.status_byte() == 4
        assert driver.event_status() == 32


def test_opc_must_answer_one() -> None:
    driver = SCPIInstrument(ReplayTransport([("*OPC?", "0")]))
    with pytest.raises(InstrumentReplyError, match="must answer 1"):
        driver.wait_complete()


def test_binary_block_payload_may_contain_line_feeds() -> None:
    driver = SCPIInstrument(InProcessTransport(toy()))
    assert driver.query_block("BLOC?") == b"a\nb\nc"


def test_text_where_a_block_was_expected_is_a_reply_error() -> None:
    driver = SCPIInstrument(InProcessTransport(toy()))
    with pytest.raises(InstrumentReplyError, match="binary block"):
        driver.query_block("VOLT?")
    assert driver.query("ECHO? 7") == "7"


class _Recording(InProcessTransport):
    """An in-process transport that keeps every message written."""

    def __init__(self) -> None:
        super().__init__(toy())
        self.sent: list[str] = []

    def write(self, message: str) -> None:
        self.sent.append(message)
        super().write(message)


@pytest.mark.parametrize(("compound", "first"), [(True, ["*ESE {t};*ESE?"]),
                                                 (False, ["*ESE {t}", "*ESE?"])])
def test_resync_sends_the_token_as_the_driver_declares(compound: bool, first: list[str]) -> None:
    class Driver(SCPIInstrument):
        COMPOUND_COMMANDS = compound

    transport = _Recording()
    Driver(transport).resynchronise()
    token = transport.sent[0].split()[1].split(";")[0]
    assert transport.sent == [*(m.format(t=token) for m in first), "*ESE 0"]


@pytest.mark.parametrize(("resource", "serial"), [
    ("SIM::Keysight34465ASimulator::3::INSTR", False),  # in-process: no RS-232 handshake
    ("TCPIP0::127.0.0.1::5025::SOCKET", False),
    ("GPIB0::22::INSTR", False),
    ("ASRL/dev/pts/3::INSTR", True),
    ("/dev/ttyUSB0", True),
])
def test_only_serial_ports_count_as_serial(resource: str, serial: bool) -> None:
    """An in-process simulator (SIM::) was taken for a serial port, so the 34401A driver
    sent SYST:REM to it and left error -113 on a 34465A (found by the daq work)."""
    from metrolab.instrument.scpi import is_serial_resource

    assert is_serial_resource(resource, {}) is serial
