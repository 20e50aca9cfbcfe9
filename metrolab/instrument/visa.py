"""VISA transport through pyvisa (pyvisa-py, ``@py``, unless another library is named).

Terminations are always set explicitly: a SOCKET resource has no read
termination by default and would wait for its timeout on every read. A SOCKET
resource also gets TCP_NODELAY: with Nagle's algorithm on (pyvisa-py's default) a
command written right after another waits for the instrument's delayed ACK (about
40 ms), so "write, write, then ``SYST:ERR?``" cost tens of milliseconds per step.
Every write and read is logged at DEBUG on the logger ``metrolab.io.<resource>``.
"""

from __future__ import annotations

import functools
import logging
import socket
from typing import Any

from metrolab.instrument.blocks import BlockFormatError, block_header_size
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentReplyError,
    InstrumentTimeout,
)
from metrolab.instrument.transport import (
    MessageTransport,
    apply_settings,
    io_logger,
    port_errors,
    resource_lock,
)

_CHUNK_BYTES = 1 << 20
_MAX_DRAINED_MESSAGES = 10_000


@functools.cache
def resource_manager(backend: str = "@py") -> Any:
    """Return the shared pyvisa ResourceManager of ``backend`` (``@py`` = pyvisa-py)."""
    import pyvisa

    try:
        return pyvisa.ResourceManager(backend)
    except (OSError, ValueError) as exc:
        raise InstrumentConnectionError(
            f"cannot load the VISA library {backend!r}: {exc}",
            hint="install pyvisa-py or give the path of an installed VISA library",
        ) from exc


class VisaTransport(MessageTransport):
    """A pyvisa message-based resource with explicit terminations and typed errors."""

    def __init__(
        self,
        resource: str,
        *,
        read_termination: str = "\n",
        write_termination: str = "\n",
        timeout_s: float = 5.0,
        backend: str = "@py",
        **options: Any,
    ) -> None:
        import pyvisa

        self.resource = resource
        self.lock = resource_lock(resource)
        self._log = io_logger(resource)
        self._read_termination = read_termination
        self._closed = False
        try:
            self._res = resource_manager(backend).open_resource(
                resource,
                read_termination=read_termination,
                write_termination=write_termination,
                timeout=timeout_s * 1000.0,
                encoding="ascii",
            )
        except (pyvisa.errors.VisaIOError, ValueError, OSError) as exc:
            raise InstrumentConnectionError(
                f"cannot open: {exc}",
                instrument=resource,
                hint="check the resource string, the cable and that the instrument is on",
            ) from exc
        try:
            apply_settings(
                resource,
                options,
                self._set_option,
                (pyvisa.errors.Error, ValueError, KeyError, TypeError, AttributeError,
                 *port_errors()),
            )
        except InstrumentConnectionError:
            self._res.close()
            raise
        self._res.chunk_size = _CHUNK_BYTES
        self._timeout_s = timeout_s
        if resource.upper().endswith("::SOCKET"):
            self._send_without_delay()

    def _send_without_delay(self) -> None:
        """Switch Nagle's algorithm off (TCP_NODELAY) on a raw-socket resource.

        pyvisa-py 0.8 does not take ``VI_ATTR_TCPIP_NODELAY`` (its attribute table
        lacks the setter), so on that backend the option goes on the session's socket
        directly; any other VISA library gets the standard attribute. Raises
        InstrumentConnectionError when the library refuses it.
        """
        import pyvisa
        from pyvisa import constants

        visalib = self._res.visalib
        try:
            if type(visalib).__module__.startswith("pyvisa_py"):
                sock = visalib.sessions[self._res.session].interface
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            else:
                self._res.set_visa_attribute(
                    constants.ResourceAttribute.tcpip_nodelay, constants.VisaBoolean.true
                )
        except (pyvisa.errors.VisaIOError, OSError, AttributeError, KeyError) as exc:
            self._res.close()
            raise InstrumentConnectionError(
                f"cannot switch Nagle's algorithm off (TCP_NODELAY): {exc}",
                instrument=self.resource,
                hint="every command would wait ~40 ms for a delayed ACK; report this",
            ) from exc

    def nagle_disabled(self) -> bool:
        """Return True when the resource sends without Nagle's delay (TCP_NODELAY is set)."""
        from pyvisa import constants

        visalib = self._res.visalib
        if type(visalib).__module__.startswith("pyvisa_py"):
            sock = visalib.sessions[self._res.session].interface
            return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        value = self._res.get_visa_attribute(constants.ResourceAttribute.tcpip_nodelay)
        return bool(value)

    def _set_option(self, name: str, value: Any) -> None:
        """Set one serial setting given by its pyserial name (the pyvisa name works too)."""
        visa_name, visa_value = visa_setting(name, value)
        getattr(self._res, visa_name)  # AttributeError for a setting this resource lacks
        setattr(self._res, visa_name, visa_value)

    def _apply_timeout(self, seconds: float) -> None:
        self._res.timeout = seconds * 1000.0

    def write(self, message: str) -> None:
        """Send ``message`` plus the write termination."""
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("write %r", message)
        try:
            self._res.write(message)
        except Exception as exc:
            raise self._translate(exc, message) from exc

    def read(self) -> str:
        """Return the next reply, terminator stripped; raise InstrumentTimeout if none."""
        try:
            text: str = self._res.read()
        except UnicodeDecodeError as exc:
            raise self.not_ascii(exc.object, "check baud rate/parity or noise") from exc
        except Exception as exc:
            raise self._translate(exc, None) from exc
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("read %r", text)
        return text

    def read_raw(self) -> bytes:
        """Return the next reply as bytes: a whole definite-length block, header included,
        or the bytes up to the read termination; the termination is removed."""
        try:
            head = self._res.read_bytes(2)
            if head[:1] != b"#":
                rest = head + self._res.read_raw()
                data = rest.removesuffix(self._read_termination.encode("ascii"))
                if self._log.isEnabledFor(logging.DEBUG):
                    self._log.debug("read %r", data)
                return data
            digits = int(head[1:2]) if head[1:2].isdigit() else 0
            length_text = self._res.read_bytes(digits) if digits else b""
            _, length = block_header_size(head + length_text)
            block = head + length_text + self._read_payload(length)
            if self._log.isEnabledFor(logging.DEBUG):
                self._log.debug("read block of %d bytes %r", len(block), block[:40])
            return block
        except BlockFormatError as exc:
            raise InstrumentReplyError(
                f"bad binary block: {exc}", instrument=self.resource
            ) from exc
        except Exception as exc:
            raise self._translate(exc, None) from exc

    def _read_payload(self, length: int) -> bytes:
        """Read ``length`` block bytes and the terminator after them, with the termination
        character switched off (a payload byte equal to it must not end the read)."""
        from pyvisa import constants

        self._res.set_visa_attribute(constants.ResourceAttribute.termchar_enabled, False)
        try:
            payload = self._res.read_bytes(length) if length else b""
            if self._read_termination:
                self._res.read_bytes(len(self._read_termination))
        finally:
            self._res.set_visa_attribute(constants.ResourceAttribute.termchar_enabled, True)
        return bytes(payload)

    def clear(self) -> None:
        """Discard pending input: a raw socket is drained until quiet for 0.1 s, a serial
        port first sends what is still in its output buffer (a command just written is
        never lost) and then drops its input, other interfaces get a VISA device clear."""
        import pyvisa

        try:
            if self.resource.upper().endswith("::SOCKET"):
                self._drain()
            elif self._res.interface_type == pyvisa.constants.InterfaceType.asrl:
                self._res.flush(pyvisa.constants.BufferOperation.flush_write_buffer)
                self._res.flush(pyvisa.constants.BufferOperation.discard_read_buffer)
            else:
                self._res.clear()
        except Exception as exc:
            raise self._translate(exc, "device clear") from exc

    def _drain(self) -> None:
        # pyvisa-py's own clear() never returns once the peer has closed the socket,
        # so read (and drop) whole messages until none arrives within 0.1 s.
        import pyvisa

        saved = self._res.timeout
        self._res.timeout = 100
        try:
            for _ in range(_MAX_DRAINED_MESSAGES):
                try:
                    self._res.read_raw()
                except pyvisa.errors.VisaIOError as exc:
                    if exc.error_code == pyvisa.constants.StatusCode.error_timeout:
                        return
                    raise
        finally:
            self._res.timeout = saved

    def close(self) -> None:
        """Close the resource (idempotent)."""
        if not self._closed:
            self._closed = True
            try:
                self._res.close()
            except Exception as exc:
                raise self._translate(exc, "close") from exc

    def _translate(self, exc: Exception, command: str | None) -> Exception:
        import pyvisa

        if isinstance(exc, pyvisa.errors.VisaIOError):
            if exc.error_code == pyvisa.constants.StatusCode.error_timeout:
                return InstrumentTimeout(
                    f"no reply within {self._timeout_s:g} s",
                    instrument=self.resource,
                    command=command,
                    hint="the instrument may be busy or the terminations wrong",
                )
            return InstrumentConnectionError(
                f"I/O failed: {exc.description}",
                instrument=self.resource,
                command=command,
                hint="the connection was lost: reopen the resource",
            )
        if isinstance(exc, ConnectionRefusedError):
            return InstrumentConnectionError(
                "connection refused: nothing listens at this address and port",
                instrument=self.resource,
                command=command,
                hint="check the host and port, and that the instrument (or `metrolab sim "
                "serve`) is running",
            )
        if isinstance(exc, (OSError, pyvisa.errors.InvalidSession)):
            return InstrumentConnectionError(
                f"I/O failed: {exc}",
                instrument=self.resource,
                command=command,
                hint="the connection was lost: reopen the resource",
            )
        return exc


def visa_setting(name: str, value: Any) -> tuple[str, Any]:
    """Return the pyvisa name and value of the serial setting ``name=value``.

    This is the one mapping from pyserial's names to pyvisa's: ``baudrate`` ->
    ``baud_rate``, ``bytesize`` -> ``data_bits``, ``parity`` ("N"/"E"/"O"/"M"/"S") ->
    a ``Parity``, ``stopbits`` (1, 1.5, 2) -> ``stop_bits`` (a ``StopBits``),
    ``xonxoff``/``rtscts``/``dsrdtr`` (True) -> ``flow_control`` (a ``ControlFlow``;
    False -> none). Other names (pyvisa's own among them) pass unchanged.
    """
    from pyvisa.constants import ControlFlow, Parity, StopBits

    flows = {"xonxoff": ControlFlow.xon_xoff, "rtscts": ControlFlow.rts_cts,
             "dsrdtr": ControlFlow.dtr_dsr}
    if name in flows:
        return "flow_control", flows[name] if value else ControlFlow.none

    if name == "baudrate":
        return "baud_rate", value
    if name == "bytesize":
        return "data_bits", value
    if name == "parity" and isinstance(value, str):
        parities = {"N": Parity.none, "E": Parity.even, "O": Parity.odd,
                    "M": Parity.mark, "S": Parity.space}
        return "parity", parities[value.upper()]
    if name == "stopbits":
        stops = {1: StopBits.one, 1.5: StopBits.one_and_a_half, 2: StopBits.two}
        return "stop_bits", stops[value]
    return name, value
