"""Transports over real sockets and pseudo-terminals, and how resources are opened."""

import os
import select
import tty

import pytest

from metrolab.errors import UserInputError
from metrolab.instrument import InProcessTransport, open_transport
from metrolab.instrument.errors import InstrumentConnectionError, InstrumentTimeout
from metrolab.instrument.serial_port import SerialTransport
from metrolab.instrument.simulation import serve_pty, serve_tcp
from metrolab.instrument.simulation.server import MessageSplitter
from metrolab.instrument.transport import serial_device
from metrolab.instrument.visa import VisaTransport

from .helpers import toy


def test_tcp_server_is_on_loopback_with_a_socket_resource() -> None:
    with serve_tcp(toy()) as server:
        assert server.resource == f"TCPIP0::127.0.0.1::{server.port}::SOCKET"
        transport = open_transport(server.resource, timeout_s=2.0)
        assert isinstance(transport, VisaTransport)
        assert transport.query("*IDN?") == "ACME,TOY,123,1.0"
        assert transport.query("BLOC?") == "#15a"  # text read stops at the first LF
        transport.clear()
        assert transport.query("ECHO? 1") == "1"
        transport.write("BLOC?")
        assert transport.read_raw() == b"#15a\nb\nc"
        transport.close()
        transport.close()


def test_crlf_writes_are_understood() -> None:
    with serve_tcp(toy()) as server:
        transport = VisaTransport(server.resource, write_termination="\r\n", timeout_s=2.0)
        assert transport.query("ECHO? crlf") == "crlf"
        transport.close()


def test_pty_through_pyvisa_and_pyserial() -> None:
    with serve_pty(toy()) as server:
        assert server.resource == f"ASRL{server.device}::INSTR"
        visa = open_transport(server.resource, timeout_s=2.0)
        assert isinstance(visa, VisaTransport)
        assert visa.query("ECHO? visa") == "visa"
        visa.close()
        serial = open_transport(server.resource, timeout_s=2.0, backend="serial")
        assert isinstance(serial, SerialTransport)
        assert serial.query("ECHO? serial") == "serial"
        serial.write("BLOC?")
        assert serial.read_raw() == b"#15a\nb\nc"
        serial.write("ECHO? x")
        assert serial.read_raw() == b"x"
        serial.close()


def test_serial_read_without_reply_times_out() -> None:
    with serve_pty(toy()) as server:
        serial = SerialTransport(server.device, timeout_s=0.05)
        serial.write("*CLS")
        with pytest.raises(InstrumentTimeout, match="no complete reply"):
            serial.read()
        serial.close()


def test_unreachable_resources_are_connection_errors() -> None:
    with pytest.raises(InstrumentConnectionError, match="cannot open"):
        open_transport("/dev/no-such-port", backend="serial")
    with pytest.raises(UserInputError):
        open_transport("  ")


def test_in_process_read_with_nothing_pending_times_out_at_once() -> None:
    transport = InProcessTransport(toy())
    with pytest.raises(InstrumentTimeout):
        transport.read()
    transport.close()
    with pytest.raises(InstrumentConnectionError, match="closed"):
        transport.write("*IDN?")


@pytest.mark.parametrize(
    ("resource", "device"),
    [
        ("ASRL/dev/pts/7::INSTR", "/dev/pts/7"),
        ("ASRL3::INSTR", "COM3"),
        ("/dev/ttyUSB0", "/dev/ttyUSB0"),
    ],
)
def test_serial_device_from_resource(resource: str, device: str) -> None:
    assert serial_device(resource) == device


def test_message_splitter_accepts_lf_crlf_and_lone_cr() -> None:
    splitter = MessageSplitter()
    assert splitter.feed(b"A\nB\r\nC\r") == ["A", "B", "C"]
    assert splitter.feed(b"\nD") == []  # the LF of C's CR LF, then D is incomplete
    assert splitter.feed(b"\n") == ["D"]


def test_pyserial_settings_reach_pyvisa_under_its_names() -> None:
    from pyvisa.constants import Parity, StopBits

    with serve_pty(toy()) as server:
        transport = open_transport(
            server.resource, timeout_s=2.0, baudrate=4800, bytesize=8, parity="N", stopbits=1
        )
        assert isinstance(transport, VisaTransport)
        resource = transport._res
        assert (resource.baud_rate, resource.data_bits) == (4800, 8)
        assert (resource.parity, resource.stop_bits) == (Parity.none, StopBits.one)
        assert transport.query("ECHO? framed") == "framed"
        transport.close()


@pytest.mark.parametrize("backend", [None, "serial"])
def test_a_setting_the_pty_refuses_is_a_connection_error_naming_it(backend: str | None) -> None:
    with serve_pty(toy()) as server:
        with pytest.raises(InstrumentConnectionError) as caught:
            open_transport(server.resource, timeout_s=1.0, backend=backend, bytesize=7)
        assert server.resource in str(caught.value)
        assert "bytesize=7" in str(caught.value)


@pytest.mark.parametrize("backend", [None, "serial"])
def test_serial_clear_drops_pending_input_but_sends_what_was_written(
    backend: str | None,
) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    resource = f"ASRL{os.ttyname(slave)}::INSTR"
    transport = open_transport(resource, timeout_s=0.2, backend=backend)
    try:
        os.write(master, b"stale\n")
        transport.write("*CLS")
        transport.clear()
        ready, _, _ = select.select([master], [], [], 1.0)
        assert ready and os.read(master, 100) == b"*CLS\n"
        with pytest.raises(InstrumentTimeout):
            transport.read()
    finally:
        transport.close()
        os.close(master)
        os.close(slave)
