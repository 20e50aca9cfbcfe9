"""Raw-socket resources send each message at once (TCP_NODELAY), unlike pyvisa-py's default."""

import socket

from metrolab.instrument import open_transport
from metrolab.instrument.simulation import serve_tcp
from metrolab.instrument.visa import VisaTransport, resource_manager

from .helpers import toy


def test_a_socket_resource_has_nagle_switched_off() -> None:
    with serve_tcp(toy()) as server:
        transport = open_transport(server.resource)
        try:
            assert isinstance(transport, VisaTransport)
            assert transport.nagle_disabled()
            assert transport.query("VOLT?") == "+1.00000000E+00"
        finally:
            transport.close()


def test_pyvisa_py_alone_leaves_nagle_on() -> None:
    """The reason for the option: the same resource opened by plain pyvisa-py."""
    with serve_tcp(toy()) as server:
        raw = resource_manager("@py").open_resource(server.resource)
        try:
            sock = raw.visalib.sessions[raw.session].interface
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        finally:
            raw.close()
