"""Driver for the Vaisala HMT330 humidity and temperature transmitter (serial ASCII).

Not SCPI: one command per line (CR), answers end in CR LF; with the echo on a ``>``
prompt follows each answer. Before its first exchange the driver stops a run mode the
transmitter may be in (``S``), discards what it streamed, turns the echo off, so every
later line it reads is an answer to its own command, and restores the default output
format (``FORM /``: ``RH= 45.2 %RH T= 23.1 'C``, with ``P= ... hPa`` on a model with a
barometer), the one :func:`~.protocol_hmt330.parse_line` reads. A format set for other
software on the transmitter is replaced.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentReplyError,
    InstrumentTimeout,
)
from metrolab.instrument.scpi import Identity, SCPIInstrument
from metrolab.instrument.transport import Transport

from .protocol_hmt330 import EnvironmentReading, parse_line
from .spec_hmt330 import SPEC, TransmitterSpecification

#: HMT330 user-port default (HMT310 User's Guide: 4800 baud, even parity, 7 data bits, 1 stop)
BAUD_RATE = 4800
_ERROR_ENTRY = re.compile(r"E(-?\d+)\s+([^;]*)")
_ECHO_OFF = re.compile(r"Echo\s*:\s*OFF", re.IGNORECASE)
_FORM_OK = re.compile(r"^>?\s*OK\s*$")
_VERSION = re.compile(r"^>?\s*HMT\w*\s*/")
#: lines read past (streamed readings, echo, prompts) while waiting for an answer
MAX_SKIPPED_LINES = 16


class VaisalaHMT330(SCPIInstrument):
    """An HMT330 transmitter: laboratory temperature, humidity and (if fitted) pressure."""

    READ_TERMINATION: ClassVar[str] = "\r\n"
    WRITE_TERMINATION: ClassVar[str] = "\r"
    TIMEOUT_S: ClassVar[float] = 3.0
    ERROR_QUERY: ClassVar[str] = "ERRS"
    #: accuracy specification of the transmitter
    spec: ClassVar[TransmitterSpecification] = SPEC

    def __init__(self, transport: Transport, *, name: str | None = None) -> None:
        super().__init__(transport, name=name or f"Vaisala HMT330 at {transport.resource}")
        self._prepared = False

    @classmethod
    def open(cls, resource: str, *, name: str | None = None, timeout_s: float | None = None,
             **transport_options: Any) -> Self:
        """Open ``resource`` at 4800 baud, 7 data bits, even parity, 1 stop bit.

        The settings are given by their pyserial names; the transport maps them for
        pyvisa on ``ASRL...::INSTR`` resources. Options given explicitly win. On a
        pseudo-terminal (``/dev/pts/N``, a simulator) no framing is applied: a pty has
        no line settings and refuses 7 data bits.
        """
        defaults: dict[str, Any] = {} if "/dev/pts/" in resource else {
            "baudrate": BAUD_RATE, "bytesize": 7, "parity": "E", "stopbits": 1}
        return super().open(resource, name=name, timeout_s=timeout_s,
                            **{**defaults, **transport_options})

    # -- set-up ------------------------------------------------------------------------
    def prepare(self) -> None:
        """Stop any run mode, turn the echo off and restore the default output format (done
        once, before the first exchange).

        Lines already streamed are discarded; any still arriving are read past until
        the answer to ``ECHO OFF``. Raises InstrumentReplyError if that answer does not
        come, or if ``FORM /`` is not answered ``OK``.
        """
        with self.lock:
            self.transport.write("S")
            self.transport.clear()
            self._sync("ECHO OFF", _ECHO_OFF)
            self._sync("FORM /", _FORM_OK)
            self._prepared = True

    def _sync(self, command: str, answer: re.Pattern[str]) -> None:
        """Send ``command`` and read lines until one matches ``answer``; raise
        InstrumentReplyError when none of the next ``MAX_SKIPPED_LINES`` does."""
        self.transport.write(command)
        for _ in range(MAX_SKIPPED_LINES):
            try:
                line = self.transport.read()
            except InstrumentTimeout:
                break
            if answer.search(line):
                return
        raise InstrumentReplyError(
            f"no answer to {command} among the lines that came back", instrument=self.name,
            command=command, hint="check that this is an HMT330 on the right port",
        )

    def reset(self) -> None:
        """Restart the transmitter (``RESET``) and prepare it again; it comes back in its
        power-up serial mode, which may be the run mode."""
        with self.lock:
            self.transport.write("RESET")
            self._prepared = False
            self.prepare()

    def _ensure_prepared(self) -> None:
        if not self._prepared:
            self.prepare()

    # -- readings ----------------------------------------------------------------------
    def read(self) -> EnvironmentReading:
        """Return one reading (``SEND``): temperature, humidity in %, pressure or None.

        Raises InstrumentReplyError for a line that is not an output line (or shows a
        failed sensor), InstrumentTimeout when nothing comes back.
        """
        with self.lock:
            self._ensure_prepared()
            reply = self.query("SEND")
            return parse_line(reply, instrument=self.name, command="SEND")

    def start_run(self, interval_s: float = 2.0) -> EnvironmentReading:
        """Start the run mode: one line every ``interval_s`` seconds (whole seconds, 1-255).

        Returns the first streamed reading, which the transmitter sends at once (so when
        this returns, the run mode has started).
        """
        seconds = round(interval_s)
        if not 1 <= seconds <= 255:
            raise InstrumentReplyError(f"interval {interval_s} s is outside 1...255 s",
                                       instrument=self.name, command="INTV")
        with self.lock:
            self._ensure_prepared()
            self.query(f"INTV {seconds} S")
            self.write("R")
            return self.read_run()

    def read_run(self) -> EnvironmentReading:
        """Return the next line streamed in run mode (blocks up to the timeout)."""
        with self.lock:
            line = self.transport.read()
            return parse_line(line, instrument=self.name, command="R")

    def stop_run(self) -> None:
        """Stop the run mode (``S``): discard the lines streamed, read past any still on
        their way."""
        with self.lock:
            self.transport.write("S")
            self.transport.clear()
            self._sync("VERS", _VERSION)

    # -- identity and errors -----------------------------------------------------------
    @property
    def identity(self) -> Identity:
        """Return ``VAISALA, <model>, <serial>, <firmware>`` from ``VERS`` and ``SNUM``."""
        if self._identity is None:
            with self.lock:
                self._ensure_prepared()
                version = self.query("VERS").lstrip(">").strip()
                serial = self.query("SNUM").lstrip(">").split(":")[-1].strip()
            model, _, firmware = version.partition("/")
            if not model.strip() or not firmware.strip():
                raise InstrumentReplyError("VERS reply is not MODEL / VERSION",
                                           instrument=self.name, command="VERS", reply=version)
            self._identity = Identity("VAISALA", model.strip(), serial, firmware.strip())
        return self._identity

    def drain_errors(self) -> list[tuple[int, str]]:
        """Return the errors ``ERRS`` reports (reading clears them) as ``(code, text)``."""
        with self.lock:
            self._ensure_prepared()
            reply = self.query("ERRS").lstrip(">").strip()
        if reply.lower() == "no errors":
            return []
        entries = _ERROR_ENTRY.findall(reply)
        if not reply.startswith("Errors:") or not entries:
            raise InstrumentReplyError("ERRS reply is neither 'No errors' nor a list",
                                       instrument=self.name, command="ERRS", reply=reply)
        return [(int(code), text.strip()) for code, text in entries]

    def resynchronise(self) -> None:
        """Discard late lines, then read until the answer to ``VERS`` comes back.

        Raises InstrumentConnectionError when it never does.
        """
        with self.lock:
            self.transport.clear()
            try:
                self._sync("VERS", _VERSION)
            except InstrumentReplyError as exc:
                raise InstrumentConnectionError(
                    "cannot re-synchronise after a lost reply", instrument=self.name,
                    command="VERS", hint="check the cable; reopen the port",
                ) from exc
            self._out_of_step = False
