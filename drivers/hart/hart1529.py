"""Driver for the Hart Scientific (Fluke) 1529 Chub-E4 thermometer readout, over serial.

The 1529 takes CR- or LF-terminated commands and answers with CR LF; it accepts no
``;`` compound commands. The driver turns on the time-stamped reply format
(``FORMat:STAMp ON``) before its first reading, so every reply names its channel and
unit: a reply for another channel (a stale one) is refused, never taken as a reading.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError
from metrolab.instrument.scpi import SCPIInstrument
from metrolab.instrument.transport import Transport
from metrolab.units import Quantity

from .protocol_1529 import CHANNELS, NO_READING, FetchReply, parse_fetch_reply
from .spec_1529 import SPEC, ReadoutSpecification

_TEMPERATURE_UNITS = {"degC", "degF", "kelvin"}


class Hart1529(SCPIInstrument):
    """A 1529 readout: temperatures of its four channels as quantities."""

    READ_TERMINATION: ClassVar[str] = "\r\n"
    WRITE_TERMINATION: ClassVar[str] = "\r"
    TIMEOUT_S: ClassVar[float] = 3.0
    ERROR_QUERY: ClassVar[str] = "SYST:ERR?"
    #: 9600 baud 8-N-1 is assumed (the 1529's default was not verified); it is also the
    #: default of pyvisa and pyserial, so nothing needs to be passed
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = {}
    #: no ``;`` compound commands: re-synchronisation sends ``*ESE n`` and ``*ESE?`` apart
    COMPOUND_COMMANDS: ClassVar[bool] = False
    #: readout accuracy specification
    spec: ClassVar[ReadoutSpecification] = SPEC

    def __init__(self, transport: Transport, *, name: str | None = None) -> None:
        super().__init__(transport, name=name or f"Hart 1529 at {transport.resource}")
        self._stamped = False

    def fetch(self, channel: int) -> FetchReply:
        """Return the most recent reading of ``channel`` (1-4) with its stamp (``FETC? n``).

        Raises UserInputError for a channel outside 1-4, InstrumentReplyError when the
        channel has no valid reading (no probe) or the reply is for another channel.
        """
        if channel not in CHANNELS:
            raise UserInputError(f"{self.name}: channel {channel} does not exist (use 1-4)")
        with self.lock:
            if not self._stamped:
                self.configure_with("FORM:STAM ON")
                self._stamped = True
            command = f"FETC? {channel}"
            reply = self.query(command)
            if f",{NO_READING}," in reply:
                raise InstrumentReplyError(
                    f"channel {channel} has no valid reading", instrument=self.name,
                    command=command, reply=reply, hint="is a probe connected and configured?",
                )
            parsed = parse_fetch_reply(reply, instrument=self.name, command=command)
            if parsed.channel is None:
                self._stamped = False
                raise InstrumentReplyError(
                    "the reply carries no channel stamp (was the readout reset?)",
                    instrument=self.name, command=command, reply=reply,
                    hint="the next reading turns the stamped format on again",
                )
            if parsed.channel != channel:
                raise InstrumentReplyError(
                    f"asked for channel {channel}, the reply is for channel {parsed.channel}",
                    instrument=self.name, command=command, reply=reply,
                )
            return parsed

    def reset(self) -> None:
        """Send ``*RST`` (plain replies, °C) and wait for it; the next reading turns the
        stamped format on again."""
        with self.lock:
            super().reset()
            self._stamped = False

    def read_temperature(self, channel: int) -> pint.Quantity:
        """Return the most recent temperature of ``channel`` (1-4) in the readout's unit
        (°C, °F or K).

        Raises InstrumentReplyError when the channel measures something else (Ω, mV).
        """
        reading = self.fetch(channel)
        if reading.unit not in _TEMPERATURE_UNITS:
            raise InstrumentReplyError(
                f"channel {channel} reports {reading.unit}, not a temperature",
                instrument=self.name, command=f"FETC? {channel}",
                hint="set the channel's probe type to a temperature conversion",
            )
        return Quantity(reading.value, reading.unit)
