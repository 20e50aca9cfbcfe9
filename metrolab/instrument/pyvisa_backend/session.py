"""One open VISA session of the ``@metrolab`` backend: its attributes, what it has sent
the simulator and the replies waiting to be read.

Reads end as on the bench: at the termination character when it is enabled; at the
end of each reply on GPIB and VXI-11/HiSLIP ``INSTR`` resources (EOI / END); on serial
ports at the termination character (``end_input`` = TERMCHAR, pyvisa's default). A raw
``SOCKET`` has no END: without a read termination a read times out, as pyvisa-py does.
Replies come back synchronously, so a read with nothing pending times out at once.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pyvisa import constants
from pyvisa.constants import InterfaceType
from pyvisa.constants import ResourceAttribute as A
from pyvisa.rname import ResourceName

from metrolab.instrument.simulation import ConnectionDropped, Session, SimulatedInstrument
from metrolab.instrument.simulation.server import MessageSplitter

StatusCode = constants.StatusCode
#: serial ``end_input`` values: none, last bit, termination character
_END_TERMCHAR = constants.SerialTermination.termination_char
_MAV = 16


def _board_number(parsed: ResourceName) -> int:
    """Return the board number of ``parsed`` (0 for a serial port named by its path)."""
    board = str(getattr(parsed, "board", "0") or "0")
    return int(board) if board.isdigit() else 0


def _defaults(parsed: ResourceName, interface: InterfaceType) -> dict[int, Any]:
    """Return the attribute values a freshly opened session of ``parsed`` has."""
    values: dict[int, Any] = {
        A.interface_type: interface,
        A.interface_number: _board_number(parsed),
        A.resource_class: parsed.resource_class,
        A.resource_name: str(parsed),
        A.resource_manufacturer_name: "metrolab",
        A.resource_manufacturer_id: 0x3FFF,
        A.resource_impl_version: 0x00100000,
        A.resource_spec_version: 0x00700000,
        A.resource_lock_state: constants.AccessModes.no_lock,
        A.timeout_value: 2000,
        A.max_queue_length: 50,
        A.user_data: 0,
        A.send_end_enabled: True,
        A.suppress_end_enabled: parsed.resource_class == "SOCKET",
        A.termchar_enabled: False,
        A.termchar: ord("\n"),
        A.io_prot: constants.IOProtocol.normal,
        A.file_append_enabled: False,
        A.dma_allow_enabled: False,
        A.read_buffer_operation_mode: 0,
        A.read_buffer_size: 4096,
        A.write_buffer_operation_mode: 0,
        A.write_buffer_size: 4096,
    }
    if interface == InterfaceType.asrl:
        values.update({
            A.asrl_baud_rate: 9600,
            A.asrl_data_bits: 8,
            A.asrl_parity: constants.Parity.none,
            A.asrl_stop_bits: constants.StopBits.one,
            A.asrl_flow_control: constants.ControlFlow.none,
            A.asrl_end_in: _END_TERMCHAR,
            A.asrl_end_out: constants.SerialTermination.none,
            A.asrl_discard_null: False,
            A.asrl_replace_char: 0,
            A.asrl_xon_char: 0x11,
            A.asrl_xoff_char: 0x13,
            A.asrl_break_length: 250,
            A.asrl_allow_transmit: True,
            A.asrl_connected: True,
        })
    elif interface == InterfaceType.gpib:
        values.update({
            A.gpib_primary_address: int(getattr(parsed, "primary_address", 0)),
            A.gpib_secondary_address: constants.VI_NO_SEC_ADDR,
            A.gpib_readdress_enabled: True,
            A.gpib_unadress_enable: False,
            A.gpib_ren_state: constants.LineState.asserted,
        })
    elif interface == InterfaceType.tcpip:
        host = str(getattr(parsed, "host_address", "localhost"))
        values.update({
            A.tcpip_address: host,
            A.tcpip_hostname: host,
            A.tcpip_port: int(getattr(parsed, "port", 0) or 0),
            A.tcpip_device_name: str(getattr(parsed, "lan_device_name", "")),
            A.tcpip_nodelay: True,
            A.tcpip_keepalive: False,
            A.tcpip_is_hislip: "hislip" in str(getattr(parsed, "lan_device_name", "")).lower(),
        })
    return values


class VisaSession:
    """A resource opened on a simulator: the bytes it wrote, the replies it can read."""

    def __init__(self, parsed: ResourceName, simulator: SimulatedInstrument) -> None:
        self.parsed = parsed
        self.simulator = simulator
        self.interface = InterfaceType(parsed.interface_type_const)
        self.attributes = _defaults(parsed, self.interface)
        self._session = Session(simulator)
        self._splitter = MessageSplitter()
        #: replies not read yet, one bytes object per message
        self._replies: deque[bytearray] = deque()
        self.connected = True

    # ------------------------------------------------------------------ output
    def write(self, data: bytes) -> tuple[int, StatusCode]:
        """Hand ``data`` to the simulator; queue what it answers."""
        if not self.connected:
            return 0, StatusCode.error_connection_lost
        for message in self._splitter.feed(bytes(data)):
            try:
                chunks = self._session.respond(message)
            except ConnectionDropped:
                self.connected = False
                self._replies.clear()
                return len(data), StatusCode.error_connection_lost
            self._replies.extend(bytearray(chunk) for chunk in chunks)
        return len(data), StatusCode.success

    # ------------------------------------------------------------------- input
    def read(self, count: int) -> tuple[bytes, StatusCode]:
        """Return up to ``count`` bytes and how the read ended (VISA status codes)."""
        if not self.connected:
            return b"", StatusCode.error_connection_lost
        pending = self._session.unsolicited()
        if pending:
            self._replies.append(bytearray(pending))
        if not self._replies:
            return b"", StatusCode.error_timeout
        if self._without_end():
            return self._drop_and_time_out()
        reply = self._replies[0]
        end = len(reply)
        status = StatusCode.success
        if self._termchar_ends():
            position = reply.find(bytes([self.attributes[A.termchar]]))
            if 0 <= position < count:
                end, status = position + 1, StatusCode.success_termination_character_read
        if end > count:
            end, status = count, StatusCode.success_max_count_read
        chunk = bytes(reply[:end])
        del reply[:end]
        if not reply:
            self._replies.popleft()
        return chunk, status

    def _termchar_ends(self) -> bool:
        if self.interface == InterfaceType.asrl:
            return bool(self.attributes[A.asrl_end_in] == _END_TERMCHAR)
        return bool(self.attributes[A.termchar_enabled])

    def _without_end(self) -> bool:
        """Return True when nothing can end the read: a raw socket (no END) whose reply
        holds no enabled termination character."""
        if self.parsed.resource_class != "SOCKET" and self.interface != InterfaceType.asrl:
            return False
        if not self._termchar_ends():
            return True
        termchar = bytes([self.attributes[A.termchar]])
        return not any(termchar in reply for reply in self._replies)

    def _drop_and_time_out(self) -> tuple[bytes, StatusCode]:
        self._replies.clear()
        return b"", StatusCode.error_timeout

    def bytes_pending(self) -> int:
        """Return how many reply bytes wait to be read."""
        return sum(len(reply) for reply in self._replies)

    def clear(self) -> None:
        """Device clear: drop every pending reply and partial input."""
        self._replies.clear()
        self._splitter = MessageSplitter()

    def status_byte(self) -> int:
        """Return the serial-poll status byte, MAV (bit 4) set while a reply waits."""
        stb = self.simulator.status_byte()
        if self._replies:
            stb |= _MAV
        return stb

    # -------------------------------------------------------------- attributes
    def get_attribute(self, attribute: int) -> tuple[Any, StatusCode]:
        """Return the value of ``attribute`` and success, or nonsupported."""
        if attribute == A.asrl_avalaible_number:
            return self.bytes_pending(), StatusCode.success
        if attribute in self.attributes:
            return self.attributes[attribute], StatusCode.success
        return None, StatusCode.error_nonsupported_attribute

    def set_attribute(self, attribute: int, value: Any) -> StatusCode:
        """Store ``value`` for an attribute this kind of session has."""
        if attribute not in self.attributes:
            return StatusCode.error_nonsupported_attribute
        self.attributes[attribute] = value
        return StatusCode.success
