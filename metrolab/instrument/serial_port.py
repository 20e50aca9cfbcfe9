"""Serial transport through pyserial, for instruments outside VISA or not speaking SCPI.

Every write and read is logged at DEBUG on the logger ``metrolab.io.<resource>``.
"""

from __future__ import annotations

import logging
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
    serial_device,
)


class SerialTransport(MessageTransport):
    """A pyserial port exchanging terminated ASCII messages.

    ``resource`` is a device (``/dev/ttyUSB0``, ``COM3``), a pyserial URL, or a VISA
    ``ASRL<device>::INSTR`` string. ``options`` go to :func:`serial.serial_for_url`
    (``baudrate``, ``bytesize``, ``parity``, ``stopbits``, ``rtscts``...).
    """

    def __init__(
        self,
        resource: str,
        *,
        read_termination: str = "\n",
        write_termination: str = "\n",
        timeout_s: float = 5.0,
        **options: Any,
    ) -> None:
        import serial

        self.resource = resource
        self.lock = resource_lock(resource)
        self._log = io_logger(resource)
        self._read_term = read_termination.encode("ascii")
        self._write_term = write_termination.encode("ascii")
        if not self._read_term:
            raise InstrumentConnectionError(
                "a serial transport needs a read termination", instrument=resource
            )
        try:
            self._port = serial.serial_for_url(
                serial_device(resource), timeout=timeout_s, write_timeout=timeout_s
            )
        except (serial.SerialException, ValueError, OSError) as exc:
            raise InstrumentConnectionError(
                f"cannot open serial port: {exc}",
                instrument=resource,
                hint="check the device name, permissions and that nothing else holds it",
            ) from exc
        try:
            apply_settings(
                resource, options, self._set_option, (ValueError, TypeError, *port_errors())
            )
        except InstrumentConnectionError:
            self._port.close()
            raise
        self._timeout_s = timeout_s

    def _set_option(self, name: str, value: Any) -> None:
        """Set one pyserial setting of the open port (pyserial reconfigures it at once)."""
        if not hasattr(self._port, name):
            raise AttributeError(f"pyserial ports have no setting {name!r}")
        setattr(self._port, name, value)

    def _apply_timeout(self, seconds: float) -> None:
        self._port.timeout = seconds
        self._port.write_timeout = seconds

    def write(self, message: str) -> None:
        """Send ``message`` plus the write termination."""
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("write %r", message)
        try:
            self._port.write(message.encode("ascii") + self._write_term)
            self._port.flush()
        except port_errors() as exc:
            raise self._lost(exc, message) from exc

    def read(self) -> str:
        """Return the next reply, terminator stripped; raise InstrumentTimeout if none."""
        data = self._read_line()
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("read %r", data)
        try:
            return data.decode("ascii")
        except UnicodeDecodeError as exc:
            raise self.not_ascii(data, "check baud rate and parity") from exc

    def read_raw(self) -> bytes:
        """Return the next reply as bytes: a whole definite-length block, header included,
        or the bytes up to the read termination; the termination is removed."""
        head = self._read_exactly(2)
        if head[:1] != b"#":
            data = head
            while not data.endswith(self._read_term):
                data += self._read_exactly(1)
            data = data[: -len(self._read_term)]
            if self._log.isEnabledFor(logging.DEBUG):
                self._log.debug("read %r", data)
            return data
        digits = int(head[1:2]) if head[1:2].isdigit() else 0
        length_text = self._read_exactly(digits)
        try:
            _, length = block_header_size(head + length_text)
        except BlockFormatError as exc:
            raise InstrumentReplyError(
                f"bad binary block: {exc}", instrument=self.resource
            ) from exc
        payload = self._read_exactly(length)
        self._read_exactly(len(self._read_term))
        block = head + length_text + payload
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("read block of %d bytes %r", len(block), block[:40])
        return block

    def clear(self) -> None:
        """Discard pending input; output still buffered is sent first, never dropped."""
        try:
            self._port.flush()
            self._port.reset_input_buffer()
        except port_errors() as exc:
            raise self._lost(exc, "clear") from exc

    def close(self) -> None:
        """Close the port (idempotent)."""
        try:
            self._port.close()
        except port_errors() as exc:
            raise self._lost(exc, "close") from exc

    def _read_line(self) -> bytes:

        try:
            data = self._port.read_until(self._read_term)
        except port_errors() as exc:
            raise self._lost(exc, None) from exc
        if not data.endswith(self._read_term):
            raise InstrumentTimeout(
                f"no complete reply within {self._timeout_s:g} s",
                instrument=self.resource,
                reply=data or None,
                hint="check the cable, baud rate and terminations",
            )
        return data[: -len(self._read_term)]

    def _read_exactly(self, count: int) -> bytes:

        try:
            data = self._port.read(count)
        except port_errors() as exc:
            raise self._lost(exc, None) from exc
        if len(data) != count:
            raise InstrumentTimeout(
                f"only {len(data)} of {count} bytes arrived within {self._timeout_s:g} s",
                instrument=self.resource,
            )
        return bytes(data)

    def _lost(self, exc: BaseException, command: str | None) -> InstrumentConnectionError:
        return InstrumentConnectionError(
            f"serial I/O failed: {exc}",
            instrument=self.resource,
            command=command,
            hint="the port was closed or unplugged: reopen it",
        )

