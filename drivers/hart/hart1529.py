"""The thermometer readout family driver: Hart/Fluke 1529, 1524, 1560, 1594A and 1595A.

One class, :class:`ThermometerReadoutDriver`, drives every model; its
:class:`~.readout_profile.ReadoutProfile` (``PROFILE``) gives the channels and the
dialect. The named classes (:class:`Hart1529`, :class:`Fluke1594A` ...) set it;
:func:`open_readout` picks one from ``*IDN?``.

The readouts take CR- or LF-terminated commands and answer with CR LF; they accept no
``;`` compound commands. The driver turns on the time-stamped reply format
(``FORMat:STAMp ON``; taken to exist on every model [U], read for the 1529) before its
first reading, so every reply names its channel and unit: a reply for another channel
(a stale one) is refused, never taken as a reading. A Super-Thermometer (1594A/1595A)
answers nothing to ``FETC?`` on a channel without a measurement and queues -230: the
driver reads the error queue after the timeout and says so.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, InstrumentTimeout
from metrolab.instrument.readings import parse_number
from metrolab.instrument.scpi import SCPIInstrument
from metrolab.instrument.transport import Transport
from metrolab.units import Quantity

from .protocol_1529 import NO_READING, FetchReply, parse_fetch_reply
from .readout_profile import ReadoutDialect, ReadoutProfile, readout_profile
from .spec_1529 import ReadoutSpecification, SensorType

_TEMPERATURE_UNITS = {"degC", "degF", "kelvin"}


class ThermometerReadoutDriver(SCPIInstrument):
    """A readout of the family: temperatures of its channels as quantities. ``PROFILE``
    (set on the named subclasses) says which model it is."""

    PROFILE: ClassVar[ReadoutProfile]
    READ_TERMINATION: ClassVar[str] = "\r\n"
    WRITE_TERMINATION: ClassVar[str] = "\r"
    TIMEOUT_S: ClassVar[float] = 3.0
    ERROR_QUERY: ClassVar[str] = "SYST:ERR?"
    #: 9600 baud 8-N-1 is assumed (the 1529's default was not verified); it is also the
    #: default of pyvisa and pyserial, so nothing needs to be passed
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = {}
    #: no ``;`` compound commands: re-synchronisation sends ``*ESE n`` and ``*ESE?`` apart
    COMPOUND_COMMANDS: ClassVar[bool] = False
    #: readout accuracy specification (per input type; empty where none is held)
    spec: ClassVar[ReadoutSpecification]

    def __init__(self, transport: Transport, *, name: str | None = None) -> None:
        maker = self.PROFILE.manufacturer.title()
        super().__init__(transport,
                         name=name or f"{maker} {self.PROFILE.model} at {transport.resource}")
        self._stamped = False

    def fetch(self, channel: int) -> FetchReply:
        """Return the most recent reading of ``channel`` with its stamp (``FETC? n``).

        Raises UserInputError for a channel the model lacks, InstrumentReplyError when the
        channel has no valid reading (no probe) or the reply is for another channel.
        """
        channels = self.PROFILE.channels
        if channel not in channels:
            raise UserInputError(f"{self.name}: channel {channel} does not exist (use "
                                 f"{', '.join(map(str, channels))})")
        with self.lock:
            if not self._stamped:
                self.configure_with("FORM:STAM ON")
                self._stamped = True
            command = f"FETC? {channel}"
            reply = self._fetch_reply(command, channel)
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

    def _fetch_reply(self, command: str, channel: int) -> str:
        """Return the reply to ``command``; a Super-Thermometer's silence with -230 on its
        queue becomes InstrumentReplyError (no measurement on ``channel``)."""
        if self.PROFILE.dialect is not ReadoutDialect.SUPER_THERMOMETER:
            return self.query(command)
        try:
            return self.query(command)
        except InstrumentTimeout:
            errors = self.drain_errors()
            if any(code == -230 for code, _ in errors):
                raise InstrumentReplyError(
                    f"channel {channel} has no measurement (-230 Data corrupt or stale)",
                    instrument=self.name, command=command,
                    hint="is a probe connected and the channel enabled?") from None
            raise

    def read_raw(self, channel: int, sensor: SensorType) -> pint.Quantity:
        """Return the raw input of ``channel`` (``SENS<n>:DATA?``): resistance in Ω for a
        PRT or thermistor (the readout's kΩ converted), emf in mV for a thermocouple (its
        reference-junction temperature is the reply's second value), so a procedure can
        convert with the probe's own coefficients (e.g. ITS-90 for an SPRT).

        Raises UserInputError for a channel the model lacks or an input type the channel
        does not take, InstrumentReplyError when the channel has no valid reading.
        """
        if sensor not in self.PROFILE.inputs_of(channel):
            raise UserInputError(f"{self.name}: channel {channel} does not take a "
                                 f"{sensor.value} input")
        command = f"SENS{channel}:DATA?"
        reply = self.query(command)
        first = reply.split(",")[0].strip()
        if first == NO_READING:
            raise InstrumentReplyError(f"channel {channel} has no valid reading",
                                       instrument=self.name, command=command, reply=reply,
                                       hint="is a probe connected and configured?")
        value = parse_number(first, instrument=self.name, command=command)
        if sensor is SensorType.THERMOCOUPLE:
            return Quantity(value, "mV")
        return Quantity(value * 1000.0 if sensor is SensorType.THERMISTOR else value, "ohm")

    def reset(self) -> None:
        """Send ``*RST`` (plain replies, °C) and wait for it; the next reading turns the
        stamped format on again."""
        with self.lock:
            super().reset()
            self._stamped = False

    def read_temperature(self, channel: int) -> pint.Quantity:
        """Return the most recent temperature of ``channel`` in the readout's unit
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


class Hart1529(ThermometerReadoutDriver):
    """A Hart Scientific (Fluke) 1529 Chub-E4 readout: four channels."""

    PROFILE: ClassVar[ReadoutProfile] = readout_profile("hart-1529")
    spec: ClassVar[ReadoutSpecification] = PROFILE.spec


class Hart1524(ThermometerReadoutDriver):
    """A Hart Scientific (Fluke) 1524 reference thermometer: two channels."""

    PROFILE: ClassVar[ReadoutProfile] = readout_profile("hart-1524")
    spec: ClassVar[ReadoutSpecification] = PROFILE.spec


class Hart1560(ThermometerReadoutDriver):
    """A Hart Scientific 1560 Black Stack with SPRT, thermistor and thermocouple modules."""

    PROFILE: ClassVar[ReadoutProfile] = readout_profile("hart-1560")
    spec: ClassVar[ReadoutSpecification] = PROFILE.spec


class Fluke1594A(ThermometerReadoutDriver):
    """A Fluke 1594A Super-Thermometer."""

    PROFILE: ClassVar[ReadoutProfile] = readout_profile("fluke-1594a")
    spec: ClassVar[ReadoutSpecification] = PROFILE.spec


class Fluke1595A(ThermometerReadoutDriver):
    """A Fluke 1595A Super-Thermometer."""

    PROFILE: ClassVar[ReadoutProfile] = readout_profile("fluke-1595a")
    spec: ClassVar[ReadoutSpecification] = PROFILE.spec


#: the named driver of each packaged profile, by ``*IDN?`` model
READOUT_DRIVERS: dict[str, type[ThermometerReadoutDriver]] = {
    cls.PROFILE.model: cls for cls in (Hart1529, Hart1524, Hart1560, Fluke1594A, Fluke1595A)
}


def open_readout(resource: str, *, model: str | None = None, **options: Any
                 ) -> ThermometerReadoutDriver:
    """Open ``resource`` with the driver of its model: ``model`` (``1594A``) when given,
    else the model field of its ``*IDN?``. Returns the opened driver.

    Raises UserInputError when no profile has that model (the connection is closed).
    """
    if model is None:
        with Hart1529.open(resource, **options) as probe:
            model = probe.identity.model
    cls = READOUT_DRIVERS.get(model.upper())
    if cls is None:
        raise UserInputError(f"no readout profile for model {model!r}: held are "
                             f"{', '.join(READOUT_DRIVERS)}")
    return cls.open(resource, **options)
