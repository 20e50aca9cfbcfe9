"""Transports: how bytes reach an instrument and come back.

A :class:`Transport` moves one terminated message at a time. Implementations:
:class:`~metrolab.instrument.visa.VisaTransport` (pyvisa; ``@py`` = pyvisa-py by
default), :class:`~metrolab.instrument.serial_port.SerialTransport` (pyserial)
and :class:`~metrolab.instrument.inprocess.InProcessTransport` (a simulator in
the same process, for fast tests). Each transport carries the lock of its
resource, so every driver on one resource serialises its exchanges on it.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentConnectionError, InstrumentReplyError

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
#: parent of every per-resource I/O logger (``metrolab.io.<resource>``)
IO_LOGGER = "metrolab.io"


def io_logger(resource: str) -> logging.Logger:
    """Return the logger that records every write and read of ``resource`` at DEBUG
    (``metrolab.io.<resource>``; ``metrolab --log-io FILE`` sends them to a file)."""
    return logging.getLogger(f"{IO_LOGGER}.{resource}")


def resource_lock(resource: str) -> threading.RLock:
    """Return the one re-entrant lock of ``resource`` (the same object on every call)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(resource)
        if lock is None:
            lock = _LOCKS[resource] = threading.RLock()
        return lock


@runtime_checkable
class Transport(Protocol):
    """One open connection to one instrument, exchanging terminated messages."""

    resource: str
    timeout_s: float
    lock: threading.RLock

    def write(self, message: str) -> None:
        """Send ``message`` followed by the write termination."""
        ...

    def read(self) -> str:
        """Return the next reply message with its terminator stripped."""
        ...

    def query(self, message: str) -> str:
        """Send ``message`` and return the reply to it."""
        ...

    def read_raw(self) -> bytes:
        """Return the next reply as bytes: a whole ``#``-block, or the bytes up to the
        terminator; the terminator is removed."""
        ...

    def clear(self) -> None:
        """Discard pending input (late replies); output already written still goes out."""
        ...

    def close(self) -> None:
        """Close the connection (idempotent)."""
        ...


class MessageTransport(ABC):
    """What every transport implementation shares: the timeout property, ``query`` and
    the error for a reply that is not ASCII text. Subclasses set ``resource``, ``lock``
    and ``_timeout_s`` and implement the exchanges."""

    resource: str
    lock: threading.RLock
    _timeout_s: float

    @property
    def timeout_s(self) -> float:
        """Return the I/O timeout in seconds."""
        return self._timeout_s

    @timeout_s.setter
    def timeout_s(self, value: float) -> None:
        self._timeout_s = value
        self._apply_timeout(value)

    @abstractmethod
    def _apply_timeout(self, seconds: float) -> None:
        """Hand a new timeout (s) to the connection."""

    @abstractmethod
    def write(self, message: str) -> None:
        """Send ``message`` followed by the write termination."""

    @abstractmethod
    def read(self) -> str:
        """Return the next reply message with its terminator stripped."""

    def query(self, message: str) -> str:
        """Send ``message`` and return the reply (terminator stripped)."""
        self.write(message)
        return self.read()

    def not_ascii(self, data: bytes, hint: str) -> InstrumentReplyError:
        """Return the error for reply ``data`` that is not ASCII text (garbled; ``hint``
        names the likely cause)."""
        return InstrumentReplyError(
            f"reply is not ASCII text (garbled: {hint})", instrument=self.resource, reply=data
        )


def open_transport(
    resource: str,
    *,
    read_termination: str = "\n",
    write_termination: str = "\n",
    timeout_s: float = 5.0,
    backend: str | None = None,
    **serial: Any,
) -> Transport:
    """Open ``resource`` and return its transport, terminations set by the caller.

    * ``TCPIP...``, ``GPIB...``, ``USB...``, ``ASRL...::INSTR`` -> VisaTransport
      (``backend`` is the VISA library, ``@py`` unless given).
    * ``SIM::...`` -> InProcessTransport to a simulator served in this process
      (:func:`~metrolab.instrument.inprocess.serve_in_process`);
    * a device path (``/dev/ttyUSB0``, ``COM3``) or a pyserial URL, or any resource
      with ``backend="serial"`` -> SerialTransport; ``serial`` keyword arguments
      (``baudrate``, ``bytesize``, ``parity``, ``stopbits``, ...) go to pyserial.

    Raises UserInputError for an empty resource string.
    """
    if not resource.strip():
        raise UserInputError("empty resource string: give e.g. TCPIP0::192.168.0.5::5025::SOCKET")
    upper = resource.upper()
    if upper.startswith("SIM::"):
        from metrolab.instrument.inprocess import open_served

        return open_served(resource, timeout_s=timeout_s)
    is_visa = upper.startswith(("TCPIP", "GPIB", "USB", "ASRL", "VXI", "PXI"))
    if not is_visa and backend != "serial" and not looks_like_serial_port(resource):
        raise UserInputError(
            f"{resource!r} is not a resource string: give a VISA resource "
            "(TCPIP0::192.168.0.5::5025::SOCKET, GPIB0::22::INSTR, ASRL/dev/ttyUSB0::INSTR, "
            "USB0::...) or a serial port (/dev/ttyUSB0, COM3, socket://host:port)")
    if backend == "serial" or not is_visa:
        from metrolab.instrument.serial_port import SerialTransport

        return SerialTransport(
            resource,
            read_termination=read_termination,
            write_termination=write_termination,
            timeout_s=timeout_s,
            **serial,
        )
    from metrolab.instrument.visa import VisaTransport

    return VisaTransport(
        resource,
        read_termination=read_termination,
        write_termination=write_termination,
        timeout_s=timeout_s,
        backend=backend or "@py",
        **serial,
    )


#: pyserial URL schemes (``serial_for_url``)
_SERIAL_URLS = ("socket://", "rfc2217://", "loop://", "spy://", "alt://", "hwgrep://",
                "cp2110://")


def looks_like_serial_port(resource: str) -> bool:
    """Return True when ``resource`` names a serial port: a device path (``/dev/ttyUSB0``),
    ``COM3`` or ``\\\\.\\COM12`` (Windows), or a pyserial URL (``socket://host:port``)."""
    text = resource.strip()
    if text.lower().startswith(_SERIAL_URLS) or text.startswith("/"):
        return True
    port = text.upper().removeprefix("\\\\.\\")
    return port.startswith("COM") and port[3:].isdigit()


def serial_device(resource: str) -> str:
    """Return the pyserial port of ``resource``: ``ASRL/dev/pts/3::INSTR`` -> ``/dev/pts/3``."""
    text = resource.strip()
    if text.upper().startswith("ASRL"):
        text = text[4:]
        if text.upper().endswith("::INSTR"):
            text = text[: -len("::INSTR")]
        if text.isdigit():
            return f"COM{text}"
    return text


def apply_settings(
    resource: str,
    settings: dict[str, Any],
    assign: Callable[[str, Any], None],
    refusals: tuple[type[BaseException], ...],
) -> None:
    """Apply each serial setting of ``settings`` with ``assign(name, value)``, one by one.

    A setting the port refuses (one of ``refusals``: e.g. a pseudo-terminal refusing
    7 data bits with ``termios.error``) raises InstrumentConnectionError naming the
    resource and the setting.
    """
    for name, value in settings.items():
        try:
            assign(name, value)
        except refusals as exc:
            raise InstrumentConnectionError(
                f"the port refused the serial setting {name}={value!r}: {exc}",
                instrument=resource,
                command=f"{name}={value!r}",
                hint="use settings the port supports (a pseudo-terminal takes no framing)",
            ) from exc


def port_errors() -> tuple[type[Exception], ...]:
    """Return the exception types a serial port lets escape when it fails, goes away or
    refuses a setting (pyserial's, OSError and, on POSIX, ``termios.error``)."""
    import serial

    errors: tuple[type[Exception], ...] = (serial.SerialException, OSError)
    try:
        import termios
    except ImportError:  # not a POSIX system
        return errors
    return (*errors, termios.error)
