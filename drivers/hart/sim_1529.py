"""A simulated thermometer readout of the family (1529, 1524, 1560, 1594A, 1595A), on a pty.

Its :class:`~.readout_profile.ReadoutProfile` gives the identity, the channels and the
input types each takes, and the dialect. Commands of the ``1529`` dialect (1529 User's
Guide ch. 8; case-insensitive, CR or LF terminated, replies end in CR LF, **no** ``;``
compound commands: they give -102):

* ``FETCh? [n]``, ``MEASure? [n]``, ``READ? [n]``: the most recent reading of channel n
  (1-4); without n the channel scanned last. Plain ``25.0123`` or, with
  ``FORMat:STAMp ON``, ``status,channel,value,unit,h,m,s,year,month,day``.
* ``SENSe<n>:DATA?``: the channel's raw input, ``100.0291, 0.0000`` (Ω for a PRT, kΩ for
  a thermistor; the second value is 0 for both); without the suffix -114 "Header suffix
  out of range" (User's Guide §8.3).
* ``STATus:MEASure?``: which channels hold a reading not yet read, one bit per channel
  (bit 0 = channel 1) [U: the bit layout was not read in the manual].
* ``SYSTem:TIME?`` / ``SYSTem:DATE?`` (``h,m,s`` / ``y,m,d``, UTC) and their settings;
  ``TRIGger:TIMer <s>`` (``?``): the scan period per channel, 0.1...3600 s [U: limits].
* ``FORMat:STAMp ON|OFF`` (``?``), ``UNIT:TEMPerature C|F|K`` (``?``),
  ``SYSTem:ERRor?``, ``SYSTem:SNUMber?``, ``SYSTem:VERSion?`` and the 488.2 commands.

In the ``super`` dialect (1594A/1595A User's Guide §8.7 [P]) ``FETC?`` on a channel
without a measurement answers nothing and queues -230 "Data corrupt or stale", and
``STAT:OPER?`` answers 16 when a new measurement arrived since the last ``FETC?`` (which
clears it) instead of ``STAT:MEAS?``. A thermocouple channel's ``SENS<n>:DATA?`` answers
its emf in mV and the reference-junction temperature (°C, the laboratory air).

An unknown header is queued as -113 "Undefined header" and gets no reply, as SCPI asks.
The readout scans its connected channels in turn, one per scan period; a channel's
reading changes only when it is scanned, and its noise is fixed per scan (reading the
same scan twice gives the same value, flagged status 0). Probes in the bath read
:meth:`set_bath` 's bath once it has a set point, else the laboratory air from the
:class:`~metrolab.instrument.simulation.LabEnvironment`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import (
    CommandError,
    CommandTree,
    LabEnvironment,
    SimulatedInstrument,
    boolean,
    choice,
    no_params,
    number,
    one_param,
)
from metrolab.instrument.simulation.parser import Reply, split_outside_quotes

from .probes_1529 import Bath, ProbeChannel, default_channels
from .protocol_1529 import format_stamped, format_value
from .readout_profile import ReadoutDialect, ReadoutProfile, readout_profile
from .sensors import Thermocouple
from .spec_1529 import SensorType, raw_value

_UNIT_LETTERS = {"C": "C", "CEL": "C", "F": "F", "FAR": "F", "K": "K"}


class ThermometerReadoutSimulator(SimulatedInstrument):
    """A readout of the family: its profile's channels, a bath, the laboratory air, on an
    injected clock. ``profile`` names the model (default: the class's ``PROFILE``)."""

    PROFILE: ClassVar[ReadoutProfile | None] = None
    ERROR_QUERY: ClassVar[str | None] = "SYSTem:ERRor?"
    SERVE_OVER: ClassVar[str] = "pty"
    REPLY_TERMINATOR: ClassVar[str] = "\r\n"
    SAMPLE_PERIOD_S: ClassVar[float] = 1.0
    #: limits of TRIGger:TIMer, seconds [U]
    TIMER_LIMITS_S: ClassVar[tuple[float, float]] = (0.1, 3600.0)

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None,
                 channels: dict[int, ProbeChannel | None] | None = None,
                 profile: ReadoutProfile | None = None) -> None:
        chosen = profile or self.PROFILE
        if chosen is None:
            raise UserInputError("a readout simulator needs a profile (readout_profile("
                                 "'hart-1529') ...)")
        self.profile = chosen
        inputs = {c.number: c.inputs for c in chosen.channel_list}
        if channels is not None:
            for number, probe in channels.items():
                if probe is not None and probe.sensor not in inputs.get(number, ()):
                    raise UserInputError(
                        f"{chosen.model} simulator: channel {number} does not take a "
                        f"{probe.sensor.value} (channels: {inputs})")
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.environment = environment or LabEnvironment(seed, self.clock)
        self.channels = channels if channels is not None else default_channels(inputs)
        self.bath = Bath(seed)
        self.stamp = False
        self.unit = "C"
        #: seconds per channel scan (TRIGger:TIMer)
        self.sample_period_s = self.SAMPLE_PERIOD_S
        #: seconds the readout's own clock is ahead of the simulator's (SYSTem:TIME/DATE)
        self.clock_offset_s = 0.0
        self._last_read: dict[int, int] = {}

    # -- set-up (Python side, for tests and the bench) ---------------------------------
    def set_bath(self, value_c: float) -> None:
        """Give the bath a new set point (°C); it approaches it on the simulator's clock."""
        now = self.clock.now()
        present = self.bath.temperature(now)
        start = present if present is not None else self.environment.temperature(now)
        self.bath.set(value_c, now, start)

    def set_dut_error(self, coefficients: tuple[float, ...], channel: int = 2) -> None:
        """Set the polynomial error (°C; c0 + c1·T + ...) of the probe on ``channel``."""
        probe = self.channels.get(channel)
        if probe is None:
            raise UserInputError(f"1529 simulator: no probe on channel {channel} to give an "
                                 f"error to (channels with probes: {self._connected()})")
        probe.error_polynomial = tuple(float(c) for c in coefficients)

    def true_temperature(self, channel: int, now: float) -> float:
        """Return the temperature (°C) the probe on ``channel`` is actually at."""
        probe = self.channels.get(channel)
        if probe is not None and probe.location == "bath":
            bath = self.bath.temperature(now)
            if bath is not None:
                return bath
        return self.environment.temperature(now)

    # -- scanning ----------------------------------------------------------------------
    def _connected(self) -> list[int]:
        return [c for c in sorted(self.channels) if self.channels[c] is not None]

    def _latest_slot(self, channel: int, now: float) -> int | None:
        connected = self._connected()
        if channel not in connected:
            return None
        slot = math.floor(now / self.sample_period_s)
        position = connected.index(channel)
        return slot - ((slot - position) % len(connected))

    def _reading_c(self, channel: int, slot: int) -> float:
        probe = self.channels[channel]
        assert probe is not None
        when = slot * self.sample_period_s
        rng = np.random.default_rng([self.seed, 1529, channel, slot & 0xFFFFFFFFFFFF])
        return probe.indication(self.true_temperature(channel, when), rng)

    def _in_unit(self, celsius: float) -> float:
        if self.unit == "F":
            return celsius * 9.0 / 5.0 + 32.0
        if self.unit == "K":
            return celsius + 273.15
        return celsius

    # -- protocol ----------------------------------------------------------------------
    def handle(self, message: str) -> Reply:
        """Run one message; a ``;`` compound command is refused with -102 like the 1529."""
        if len(split_outside_quotes(message, ";")) > 1:
            self.push_error(-102, "Syntax error")
            return None
        return super().handle(message)

    def reset(self) -> None:
        """``*RST``: plain replies in °C, the default scan period."""
        self.stamp = False
        self.unit = "C"
        self.sample_period_s = self.SAMPLE_PERIOD_S

    def register_commands(self, tree: CommandTree) -> None:
        """Declare the 1529 commands this simulator implements."""
        for header in ("FETCh?", "MEASure?", "READ?"):
            tree.add(header, self._fetch)
        tree.add("FORMat:STAMp", self._stamp)
        tree.add("FORMat:STAMp?", lambda p: self._answer(p, "1" if self.stamp else "0"))
        tree.add("UNIT:TEMPerature", self._set_unit)
        tree.add("UNIT:TEMPerature?", lambda p: self._answer(p, self.unit))
        tree.add("*IDN?", lambda p: self._answer(p, self.profile.idn))
        tree.add("SYSTem:SNUMber?", lambda p: self._answer(p, self.profile.serial_number))
        tree.add("SYSTem:VERSion?", lambda p: self._answer(p, "1994.0"))
        for channel in self.profile.channels:
            tree.add(f"SENSe{channel}:DATA?", self._raw_input_query(channel))
        tree.add("SENSe:DATA?", self._no_suffix)
        if self.profile.dialect is ReadoutDialect.SUPER_THERMOMETER:
            tree.add("STATus:OPERation?", lambda p: self._answer(p, self._operation()))
        else:
            tree.add("STATus:MEASure?", lambda p: self._answer(p, str(self._new_readings())))
        tree.add("SYSTem:TIME?", lambda p: self._answer(p, self._now_text("%H,%M,%S")))
        tree.add("SYSTem:DATE?", lambda p: self._answer(p, self._now_text("%Y,%m,%d")))
        tree.add("SYSTem:TIME", lambda p: self._set_clock(p, time=True))
        tree.add("SYSTem:DATE", lambda p: self._set_clock(p, time=False))
        tree.add("TRIGger:TIMer", self._set_timer)
        tree.add("TRIGger:TIMer?", lambda p: self._answer(p, f"{self.sample_period_s:g}"))

    def _raw_input_query(self, channel: int) -> Callable[[list[str]], str]:
        """Return the handler of ``SENSe<channel>:DATA?``."""
        return lambda params: self._answer(params, self._raw_input(channel))

    def _raw_input(self, channel: int) -> str:
        """Return ``SENSe<n>:DATA?``: the channel's resistance (Ω for a PRT, kΩ for a
        thermistor) at its latest scan and 0, a thermocouple's emf (mV) and its
        reference-junction temperature (°C), or ``9.91E+37`` without a probe. A probe
        with its own ``model`` (an ITS-90 SPRT, a PRT with its own coefficients ...) is
        converted with it, else with the readout's default for its sensor type."""
        now = self.clock.now()
        slot = self._latest_slot(channel, now)
        probe = self.channels.get(channel)
        if slot is None or probe is None:
            return f"{format_value(None)}, 0.0000"
        celsius = self._reading_c(channel, slot)
        model = probe.model
        if probe.sensor is SensorType.THERMOCOUPLE:
            junction = self.environment.temperature(now)
            if isinstance(model, Thermocouple):
                emf_mv = model.emf(celsius, reference_c=junction)
            else:
                emf_mv = (raw_value(probe.sensor, celsius)
                          - raw_value(probe.sensor, junction)) * 1e3
            return f"{emf_mv:.4f}, {junction:.4f}"
        if model is not None and not isinstance(model, Thermocouple):
            ohms = model.resistance(celsius)
        else:
            ohms = raw_value(probe.sensor, celsius)
        value = ohms / 1000.0 if probe.sensor is SensorType.THERMISTOR else ohms
        # the 1529 prints 4 decimals (User's Guide §8.4.1.9 example); a Super-Thermometer
        # resolves a ratio to about 1e-8 of a 25 Ω SPRT [U]: 7 decimals
        decimals = 7 if self.profile.dialect is ReadoutDialect.SUPER_THERMOMETER else 4
        return f"{value:.{decimals}f}, 0.0000"

    def _operation(self) -> str:
        """``STAT:OPER?`` (super dialect): 16 while a measurement has arrived that no
        ``FETC?`` has read yet (reading it clears the bit), else 0."""
        return "16" if self._new_readings() else "0"

    @staticmethod
    def _no_suffix(params: list[str]) -> str:
        raise CommandError(-114, "Header suffix out of range")

    def _new_readings(self) -> int:
        """Return one bit per channel (bit 0 = channel 1) with a reading not yet read."""
        now = self.clock.now()
        bits = 0
        for channel in self._connected():
            slot = self._latest_slot(channel, now)
            if slot is not None and self._last_read.get(channel) != slot:
                bits |= 1 << (channel - 1)
        return bits

    def _now_text(self, pattern: str) -> str:
        when = datetime.fromtimestamp(self.clock.now() + self.clock_offset_s, tz=UTC)
        return ",".join(str(int(part)) for part in when.strftime(pattern).split(","))

    def _set_clock(self, params: list[str], *, time: bool) -> None:
        if len(params) != 3:
            raise CommandError(-109 if len(params) < 3 else -108)
        fields = [int(number(p, minimum=0, maximum=9999)) for p in params]
        present = datetime.fromtimestamp(self.clock.now() + self.clock_offset_s, tz=UTC)
        try:
            wanted = (present.replace(hour=fields[0], minute=fields[1], second=fields[2])
                      if time else present.replace(year=fields[0], month=fields[1],
                                                   day=fields[2]))
        except ValueError:
            raise CommandError(-222) from None
        self.clock_offset_s += wanted.timestamp() - present.timestamp()

    def _set_timer(self, params: list[str]) -> None:
        low, high = self.TIMER_LIMITS_S
        self.sample_period_s = number(one_param(params), minimum=low, maximum=high,
                                      default=self.SAMPLE_PERIOD_S)

    def _fetch(self, params: list[str]) -> str:
        now = self.clock.now()
        if params:
            channels = self.profile.channels
            channel = int(number(one_param(params), minimum=min(channels),
                                 maximum=max(channels)))
            if channel not in channels:
                raise CommandError(-222, "Data out of range")
        else:
            connected = self._connected()
            if not connected:
                return format_value(None)
            channel = connected[math.floor(now / self.sample_period_s) % len(connected)]
        slot = self._latest_slot(channel, now)
        if slot is None and self.profile.dialect is ReadoutDialect.SUPER_THERMOMETER:
            raise CommandError(-230, "Data corrupt or stale")
        value = None if slot is None else self._in_unit(self._reading_c(channel, slot))
        new = slot is not None and self._last_read.get(channel) != slot
        if slot is not None:
            self._last_read[channel] = slot
        if not self.stamp:
            return format_value(value)
        when = (now if slot is None else slot * self.sample_period_s) + self.clock_offset_s
        return format_stamped(new, channel, value, self.unit, when)

    def _stamp(self, params: list[str]) -> None:
        self.stamp = boolean(one_param(params))

    def _set_unit(self, params: list[str]) -> None:
        word = choice(one_param(params), ["C", "CEL", "F", "FAR", "K"])
        self.unit = _UNIT_LETTERS[word]

    @staticmethod
    def _answer(params: list[str], value: str) -> str:
        no_params(params)
        return value



class Hart1529Simulator(ThermometerReadoutSimulator):
    """The 1529 readout: four channels, a bath, the laboratory air, on an injected clock."""

    PROFILE: ClassVar[ReadoutProfile | None] = readout_profile("hart-1529")
    IDN: ClassVar[str] = readout_profile("hart-1529").idn


_CLASSES: dict[str, type[ThermometerReadoutSimulator]] = {"hart-1529": Hart1529Simulator}


def readout_simulator_class(profile: ReadoutProfile) -> type[ThermometerReadoutSimulator]:
    """Return the simulator class of ``profile`` (``Hart1529Simulator``,
    ``Fluke1594ASimulator`` ...), made once per profile."""
    made = _CLASSES.get(profile.name)
    if made is None:
        prefix = "Fluke" if profile.manufacturer.upper() == "FLUKE" else "Hart"
        made = type(f"{prefix}{profile.model}Simulator", (ThermometerReadoutSimulator,),
                    {"PROFILE": profile, "IDN": profile.idn, "__module__": __name__,
                     "__doc__": f"A simulated {profile.model} thermometer readout (pty)."})
        _CLASSES[profile.name] = made
    return made


def create(name: str, *, seed: int = 0, clock: Clock | None = None
           ) -> ThermometerReadoutSimulator:
    """Return a new simulator of the packaged readout profile ``name``."""
    return readout_simulator_class(readout_profile(name))(seed=seed, clock=clock)
