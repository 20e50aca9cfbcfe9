"""A simulated Hart Scientific 1529 Chub-E4 thermometer readout (served on a pty).

Commands (1529 User's Guide ch. 8; case-insensitive, CR or LF terminated, replies end in
CR LF, **no** ``;`` compound commands: they give -102):

* ``FETCh? [n]``, ``MEASure? [n]``, ``READ? [n]``: the most recent reading of channel n
  (1-4); without n the channel scanned last. Plain ``25.0123`` or, with
  ``FORMat:STAMp ON``, ``status,channel,value,unit,h,m,s,year,month,day``.
* ``FORMat:STAMp ON|OFF`` (``?``), ``UNIT:TEMPerature C|F|K`` (``?``),
  ``SYSTem:ERRor?``, ``SYSTem:SNUMber?``, ``SYSTem:VERSion?`` and the 488.2 commands.

The readout scans its connected channels in turn, one per ``SAMPLE_PERIOD_S``; a
channel's reading changes only when it is scanned, and its noise is fixed per scan
(reading the same scan twice gives the same value, flagged status 0). Probes in the bath
read :meth:`set_bath` 's bath once it has a set point, else the laboratory air from the
:class:`~metrolab.instrument.simulation.LabEnvironment`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import (
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
from .protocol_1529 import CHANNELS, format_stamped, format_value

_UNIT_LETTERS = {"C": "C", "CEL": "C", "F": "F", "FAR": "F", "K": "K"}


class Hart1529Simulator(SimulatedInstrument):
    """The 1529 readout: four channels, a bath, the laboratory air, on an injected clock."""

    IDN: ClassVar[str] = "HART,1529,A2B3C4,2.01"
    ERROR_QUERY: ClassVar[str | None] = "SYSTem:ERRor?"
    SERVE_OVER: ClassVar[str] = "pty"
    REPLY_TERMINATOR: ClassVar[str] = "\r\n"
    SAMPLE_PERIOD_S: ClassVar[float] = 1.0

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None,
                 channels: dict[int, ProbeChannel | None] | None = None) -> None:
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.environment = environment or LabEnvironment(seed, self.clock)
        self.channels = channels if channels is not None else default_channels()
        self.bath = Bath(seed)
        self.stamp = False
        self.unit = "C"
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
        slot = math.floor(now / self.SAMPLE_PERIOD_S)
        position = connected.index(channel)
        return slot - ((slot - position) % len(connected))

    def _reading_c(self, channel: int, slot: int) -> float:
        probe = self.channels[channel]
        assert probe is not None
        when = slot * self.SAMPLE_PERIOD_S
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
        """``*RST``: plain replies in °C."""
        self.stamp = False
        self.unit = "C"

    def register_commands(self, tree: CommandTree) -> None:
        """Declare the 1529 commands this simulator implements."""
        for header in ("FETCh?", "MEASure?", "READ?"):
            tree.add(header, self._fetch)
        tree.add("FORMat:STAMp", self._stamp)
        tree.add("FORMat:STAMp?", lambda p: self._answer(p, "1" if self.stamp else "0"))
        tree.add("UNIT:TEMPerature", self._set_unit)
        tree.add("UNIT:TEMPerature?", lambda p: self._answer(p, self.unit))
        tree.add("SYSTem:SNUMber?", lambda p: self._answer(p, self.IDN.split(",")[2]))
        tree.add("SYSTem:VERSion?", lambda p: self._answer(p, "1994.0"))

    def _fetch(self, params: list[str]) -> str:
        now = self.clock.now()
        if params:
            channel = int(number(one_param(params), minimum=min(CHANNELS),
                                 maximum=max(CHANNELS)))
        else:
            connected = self._connected()
            if not connected:
                return format_value(None)
            channel = connected[math.floor(now / self.SAMPLE_PERIOD_S) % len(connected)]
        slot = self._latest_slot(channel, now)
        value = None if slot is None else self._in_unit(self._reading_c(channel, slot))
        if not self.stamp:
            return format_value(value)
        new = slot is not None and self._last_read.get(channel) != slot
        if slot is not None:
            self._last_read[channel] = slot
        when = now if slot is None else slot * self.SAMPLE_PERIOD_S
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

