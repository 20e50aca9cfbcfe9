"""The IEEE 488.2 / SCPI base every message-based driver builds on.

One lock per resource makes each exchange (command and its reply) atomic, so
threads may share a driver. After a timeout or a garbled reply the driver is
marked out of step; before its next exchange it clears the transport and
re-synchronises with a unique token, so a late reply is never taken for the
answer to a later query.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from metrolab.instrument.blocks import BlockFormatError, block_payload
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentError,
    InstrumentReplyError,
    InstrumentTimeout,
    SCPIError,
)
from metrolab.instrument.transport import Transport, open_transport

_ERROR_REPLY = re.compile(r'\s*([+-]?\d+)\s*,\s*"?(.*?)"?\s*')
#: how an empty error queue answers (``0,"No error"``, ``+0,"No error"``)
_EMPTY_QUEUE = ("0,", "+0,")
_TOKENS = itertools.count(1)
_Reply = TypeVar("_Reply", str, bytes)


@dataclass(frozen=True)
class Identity:
    """The four fields of an ``*IDN?`` reply."""

    manufacturer: str
    model: str
    serial: str
    firmware: str

    @classmethod
    def parse(cls, reply: str, *, instrument: str = "") -> Identity:
        """Return the identity in ``reply`` (``MAKER,MODEL,SERIAL,FIRMWARE``).

        Raises InstrumentReplyError when it has not exactly four fields.
        """
        fields = [field.strip() for field in reply.strip().split(",")]
        if len(fields) != 4 or not fields[0] or not fields[1]:
            raise InstrumentReplyError(
                "*IDN? reply is not MANUFACTURER,MODEL,SERIAL,FIRMWARE",
                instrument=instrument,
                command="*IDN?",
                reply=reply,
            )
        return cls(*fields)

    def to_dict(self) -> dict[str, str]:
        """Return the fields as a plain dict (for records)."""
        return {
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
        }

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}, serial {self.serial}, firmware {self.firmware}"


class SCPIInstrument:
    """A message-based instrument speaking IEEE 488.2 (and usually SCPI).

    Subclasses set the class attributes (terminations, timeout, error query,
    serial settings) and add their own commands. ``transport`` is any
    :class:`~metrolab.instrument.transport.Transport`.
    """

    READ_TERMINATION: ClassVar[str] = "\n"
    WRITE_TERMINATION: ClassVar[str] = "\n"
    TIMEOUT_S: ClassVar[float] = 5.0
    #: query popping one entry of the error queue
    ERROR_QUERY: ClassVar[str] = "SYST:ERR?"
    #: most entries the error queue can hold (bounds a drain)
    ERROR_QUEUE_DEPTH: ClassVar[int] = 20
    #: pyserial settings used when the resource is a serial port
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = {}
    #: what ends a reply over a serial port when it differs from ``READ_TERMINATION``
    #: (the 34401A and 884xA answer CR LF on RS-232); None: ``READ_TERMINATION``
    SERIAL_READ_TERMINATION: ClassVar[str | None] = None
    #: True when the instrument takes ``;`` compound commands: re-synchronisation then
    #: sends ``*ESE <token>;*ESE?`` as one message, otherwise as two
    COMPOUND_COMMANDS: ClassVar[bool] = True

    def __init__(self, transport: Transport, *, name: str | None = None) -> None:
        self.transport = transport
        self.name = name or transport.resource
        self.lock = transport.lock
        self._out_of_step = False
        self._identity: Identity | None = None

    @classmethod
    def open(
        cls,
        resource: str,
        *,
        name: str | None = None,
        timeout_s: float | None = None,
        **transport_options: Any,
    ) -> Self:
        """Open ``resource`` with this driver's terminations and return the driver.

        ``transport_options`` go to :func:`~metrolab.instrument.transport.open_transport`
        (``backend=``, serial settings...).
        """
        serial = is_serial_resource(resource, transport_options)
        options = {**(cls.SERIAL_SETTINGS if serial else {}), **transport_options}
        read_termination = (cls.SERIAL_READ_TERMINATION or cls.READ_TERMINATION) if serial \
            else cls.READ_TERMINATION
        transport = open_transport(
            resource,
            read_termination=read_termination,
            write_termination=cls.WRITE_TERMINATION,
            timeout_s=timeout_s if timeout_s is not None else cls.TIMEOUT_S,
            **options,
        )
        driver = cls(transport, name=name)
        driver.opened(serial=serial)
        return driver

    def opened(self, *, serial: bool) -> None:
        """Prepare the instrument right after :meth:`open` (``serial``: over a serial port).

        Does nothing here; a driver whose instrument needs a first command overrides it.
        """

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- exchanges
    def write(self, command: str) -> None:
        """Send ``command`` (no reply expected)."""
        with self.lock:
            self._resync_if_needed()
            self.transport.write(command)

    def query(self, command: str) -> str:
        """Send ``command`` and return its reply as text (terminator stripped).

        Raises InstrumentTimeout when no reply comes (the driver re-synchronises
        before its next exchange), InstrumentReplyError for a garbled reply.
        """
        with self.lock:
            reply = self._exchange(command, self.transport.read)
            if not reply.isprintable():
                self._out_of_step = True
                raise InstrumentReplyError(
                    "reply has control characters (garbled)",
                    instrument=self.name,
                    command=command,
                    reply=reply,
                )
            return reply

    def query_block(self, command: str) -> bytes:
        """Send ``command`` and return the payload of the definite-length block it answers.

        Raises InstrumentReplyError when the reply is not a complete block.
        """
        with self.lock:
            data = self._exchange(command, self.transport.read_raw)
            try:
                return block_payload(data)
            except BlockFormatError as exc:
                self._out_of_step = True
                raise InstrumentReplyError(
                    f"expected a binary block: {exc}",
                    instrument=self.name,
                    command=command,
                    reply=data[:40],
                ) from exc

    def _exchange(self, command: str, receive: Callable[[], _Reply]) -> _Reply:
        """Send ``command`` (re-synchronised first if out of step) and return what
        ``receive`` reads back; a transport error is restated for this driver."""
        if self._out_of_step:
            self.resynchronise()
        self.transport.write(command)
        try:
            return receive()
        except InstrumentError as exc:
            raise self._exchange_failed(exc, command) from exc

    def _exchange_failed(self, exc: InstrumentError, command: str) -> InstrumentError:
        """Return ``exc`` restated for this driver and ``command``; a timeout or a garbled
        reply leaves the driver out of step until it re-synchronises."""
        if isinstance(exc, InstrumentTimeout):
            self._out_of_step = True
            return InstrumentTimeout(
                exc.detail,
                instrument=self.name,
                command=command,
                hint="a late reply will be discarded before the next command",
            )
        if isinstance(exc, InstrumentReplyError):
            self._out_of_step = True
            return InstrumentReplyError(
                exc.detail, instrument=self.name, command=command, reply=exc.reply
            )
        if isinstance(exc, InstrumentConnectionError):
            return InstrumentConnectionError(
                exc.detail, instrument=self.name, command=command, hint="reopen the resource"
            )
        return exc

    def _resync_if_needed(self) -> None:
        if self._out_of_step:
            self.resynchronise()

    def resynchronise(self) -> None:
        """Discard anything late and prove the next reply belongs to the next query.

        Clears the transport, then sends ``*ESE <token>;*ESE?`` (or, when
        ``COMPOUND_COMMANDS`` is False, ``*ESE <token>`` and ``*ESE?`` as two messages)
        and discards replies until the token comes back; ``*ESE 0`` restores the mask.
        Raises InstrumentConnectionError when the token does not come back within one
        timeout (the connection is gone). Drivers of instruments without ``*ESE``
        override this.
        """
        with self.lock:
            self.transport.clear()
            token = 1 + next(_TOKENS) % 255
            messages = [f"*ESE {token}", "*ESE?"]
            if self.COMPOUND_COMMANDS:
                messages = [";".join(messages)]
            for message in messages:
                self.transport.write(message)
            command = ";".join(messages)
            for _ in range(8):
                try:
                    reply = self.transport.read()
                except InstrumentReplyError:
                    continue  # a garbled late reply
                except InstrumentTimeout:
                    break
                if reply.strip().lstrip("+") == str(token):
                    self.transport.write("*ESE 0")
                    self._out_of_step = False
                    return
            raise InstrumentConnectionError(
                "cannot re-synchronise after a lost reply",
                instrument=self.name,
                command=command,
                hint="reopen the resource; if it persists, power-cycle the instrument",
            )

    # -------------------------------------------------------- IEEE 488.2
    @property
    def identity(self) -> Identity:
        """Return the parsed ``*IDN?`` reply (asked once, then remembered)."""
        if self._identity is None:
            self._identity = Identity.parse(self.query("*IDN?"), instrument=self.name)
        return self._identity

    def reset(self) -> None:
        """Send ``*RST`` and wait until it has completed."""
        with self.lock:
            self.write("*RST")
            self.wait_complete()

    def clear_status(self) -> None:
        """Send ``*CLS``: clear the event registers and the error queue."""
        self.write("*CLS")

    def wait_complete(self) -> None:
        """Block until pending operations are complete (``*OPC?`` answers 1)."""
        reply = self.query("*OPC?")
        if reply.strip().lstrip("+") != "1":
            raise InstrumentReplyError(
                "*OPC? must answer 1", instrument=self.name, command="*OPC?", reply=reply
            )

    def status_byte(self) -> int:
        """Return the status byte (``*STB?``) as an int 0-255."""
        return self._query_int("*STB?")

    def event_status(self) -> int:
        """Return and clear the Standard Event Status Register (``*ESR?``), an int 0-255."""
        return self._query_int("*ESR?")

    def _query_int(self, command: str) -> int:
        reply = self.query(command)
        try:
            return int(reply.strip())
        except ValueError:
            raise InstrumentReplyError(
                "reply is not an integer", instrument=self.name, command=command, reply=reply
            ) from None

    # ----------------------------------------------------------- errors
    def parse_error(self, reply: str) -> tuple[int, str]:
        """Return ``(code, message)`` from one error-query reply (``-113,"Undefined header"``)."""
        match = _ERROR_REPLY.fullmatch(reply)
        if match is None:
            raise InstrumentReplyError(
                'error-query reply is not CODE,"MESSAGE"',
                instrument=self.name,
                command=self.ERROR_QUERY,
                reply=reply,
            )
        return int(match.group(1)), match.group(2)

    def drain_errors(self) -> list[tuple[int, str]]:
        """Return every entry of the error queue (oldest first), emptying it.

        Raises InstrumentError when the queue does not empty within its depth
        (errors keep coming: an instrument fault or a flood).
        """
        errors: list[tuple[int, str]] = []
        with self.lock:
            for _ in range(self.ERROR_QUEUE_DEPTH + 2):
                reply = self.query(self.ERROR_QUERY)
                if reply.startswith(_EMPTY_QUEUE):
                    return errors  # the usual answer, known without parsing it
                code, message = self.parse_error(reply)
                if code == 0:
                    return errors
                errors.append((code, message))
        raise InstrumentError(
            f"error queue still not empty after {len(errors)} reads; first {errors[:3]}",
            instrument=self.name,
            command=self.ERROR_QUERY,
            hint="errors are being generated continuously: check the instrument",
        )

    def check_errors(self, command: str) -> None:
        """Raise SCPIError (first error, all listed) if ``command`` left errors on the queue."""
        errors = self.drain_errors()
        if errors:
            code, message = errors[0]
            raise SCPIError(code, message, instrument=self.name, command=command, errors=errors)

    def configure_with(self, *commands: str) -> None:
        """Send ``commands`` as one locked sequence, then raise SCPIError if any failed."""
        with self.lock:
            self._resync_if_needed()  # once: the writes below keep the driver in step
            # straight to the transport unless a driver adds to write() (an echo to read)
            plain = type(self).write is SCPIInstrument.write
            write = self.transport.write if plain else self.write
            for command in commands:
                write(command)
            self.check_errors("; ".join(commands))


def is_serial_resource(resource: str, options: dict[str, Any]) -> bool:
    """Return True when ``resource`` (opened with ``options``) is a serial port."""
    upper = resource.upper()
    return (
        options.get("backend") == "serial"
        or upper.startswith("ASRL")
        or not upper.startswith(("TCPIP", "GPIB", "USB", "VXI", "PXI", "SIM::"))
    )
