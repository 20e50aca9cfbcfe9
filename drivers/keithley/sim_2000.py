"""The Keithley 2000/2010 command set over the family engine: trigger model, continuous
initiation, the sample buffer, the TRACe reading buffer, status and system commands.

What the model does differently from the 344xx (profile quirks, 2000 User's Manual
ch. 5 and the SCPI reference tables as recalled [U] unless the profile says otherwise):

* continuous initiation is on after power-on and ``SYSTem:PRESet`` and off after
  ``*RST``; while it is on, ``READ?`` and ``INITiate`` give ``-213 Init ignored``;
* ``READ?`` answers every sample of every trigger (trigger count x ``SAMPle:COUNt``);
* the reading buffer is ``TRACe`` (or ``DATA``): ``POINts`` 2-1024, ``FEED SENSe``,
  ``FEED:CONTrol NEXT`` fills it from the next readings and returns to ``NEVer`` when it
  is full, setting bit 9 (buffer full) of the measurement event register, whose enabled
  bits are status byte bit 0;
* ``CONFigure:<function>`` is a one-shot set-up: immediate trigger, one trigger, one
  sample, automatic delay, continuous initiation off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import (
    Handler,
    Reply,
    no_params,
    nr3,
    number,
    one_param,
)

if TYPE_CHECKING:
    from metrolab.drivers.keithley.simulator import KeithleyDmmSimulator

#: measurement event register: buffer full
MEASUREMENT_BUFFER_FULL = 1 << 9
_SOURCES = ["IMMediate", "TIMer", "MANual", "BUS", "EXTernal"]
_SHORT = {"IMMEDIATE": "IMM", "TIMER": "TIM", "MANUAL": "MAN", "BUS": "BUS", "EXTERNAL": "EXT"}
_MAX_DELAY_S = 999999.999


@dataclass
class TraceBuffer:
    """The TRACe reading buffer: size, feed, feed control and the readings held."""

    points: int = 100
    feed: str = "SENS"
    control: str = "NEV"
    readings: list[float] = field(default_factory=list)


class Keithley2000Commands:
    """Trigger, buffer, status and system commands of one simulated 2000/2010."""

    def __init__(self, sim: KeithleyDmmSimulator) -> None:
        self.sim = sim
        self.trace = TraceBuffer()
        self.measurement_enable = 0
        self.measurement_event = 0
        self.reset(power_on=True)

    def reset(self, *, power_on: bool = False) -> None:
        """``*RST`` (``power_on``: the power-on and SYSTem:PRESet state, continuous
        initiation on where the profile says so)."""
        self.init_continuous = power_on and self.sim.MODEL.quirks.init_continuous_at_power_on
        self.source = "IMMEDIATE"
        self.count: float = 1.0
        self.delay_s = 0.0
        self.delay_auto = True
        self.timer_s = 0.1
        self.samples = 1
        self.armed = 0
        self.latest: np.ndarray | None = None
        self.fresh = False
        self.display_on = True
        self.text = ""
        self.text_on = False
        self.beeper = True

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the 2000's trigger, buffer, format, status, system and display commands."""
        for mode in self.sim.TABLE.ranges:
            if mode.header == "TEMPerature":
                continue
            tree.add(f"CONFigure:{mode.header}", partial(self.configure, mode))
            tree.add(f"MEASure:{mode.header}?", partial(self.measure, mode))
        tree.add("CONFigure?", lambda p: self._reply(p, self.sim.keithley.function_name()))
        tree.add("INITiate[:IMMediate]", self._initiate)
        tree.add("INITiate:CONTinuous", self._set_continuous)
        tree.add("INITiate:CONTinuous?", lambda p: self._reply(p, self._bit(self.init_continuous)))
        tree.add("ABORt", self._abort)
        tree.add("READ?", self.read)
        tree.add("FETCh?", self._fetch)
        tree.add("[SENSe[1]:]DATA:FRESh?", self._fresh)
        tree.add("[SENSe[1]:]DATA[:LATest]?", self._latest)
        trigger = "TRIGger[:SEQuence[1]]"
        tree.add(f"{trigger}:SOURce", self._set_source)
        tree.add(f"{trigger}:SOURce?", lambda p: self._reply(p, _SHORT[self.source]))
        tree.add(f"{trigger}:COUNt", self._set_count)
        tree.add(f"{trigger}:COUNt?", lambda p: self._reply(
            p, nr3(self.count) if math.isinf(self.count) else f"{int(self.count):+d}"))
        tree.add(f"{trigger}:DELay", self._set_delay)
        tree.add(f"{trigger}:DELay?", lambda p: self._reply(p, nr3(self.sim.trigger_delay_s())))
        tree.add(f"{trigger}:DELay:AUTO", self._set_delay_auto)
        tree.add(f"{trigger}:DELay:AUTO?", lambda p: self._reply(p, self._bit(self.delay_auto)))
        tree.add(f"{trigger}:TIMer", self._set_timer)
        tree.add(f"{trigger}:TIMer?", lambda p: self._reply(p, nr3(self.timer_s)))
        tree.add("SAMPle:COUNt", self._set_samples)
        tree.add("SAMPle:COUNt?", lambda p: self._reply(p, f"{self.samples:d}"))
        for root in ("TRACe", "DATA"):
            self._register_trace(tree, root)
        tree.add("FORMat[:DATA]", self._format)
        tree.add("FORMat[:DATA]?", lambda p: self._reply(p, "ASC"))
        tree.add("FORMat:ELEMents", self._elements)
        tree.add("FORMat:ELEMents?", lambda p: self._reply(p, "READ"))
        tree.add("STATus:PRESet", self._status_preset)
        tree.add("STATus:MEASurement:ENABle", self._set_measurement_enable)
        tree.add("STATus:MEASurement:ENABle?",
                 lambda p: self._reply(p, f"{self.measurement_enable:d}"))
        tree.add("STATus:MEASurement[:EVENt]?", self._measurement_event)
        tree.add("STATus:MEASurement:CONDition?", lambda p: self._reply(p, "0"))
        tree.add("STATus:QUEue:CLEar", self._clear_queue)
        tree.add("SYSTem:PRESet", self._preset)
        tree.add("SYSTem:VERSion?", lambda p: self._reply(p, "1991.0"))
        tree.add("SYSTem:LFRequency?",
                 lambda p: self._reply(p, f"{self.sim.MODEL.line_frequency:g}"))
        tree.add("SYSTem:BEEPer[:STATe]", self._flag_setter("beeper"))
        tree.add("SYSTem:BEEPer[:STATe]?", lambda p: self._reply(p, self._bit(self.beeper)))
        for header in ("SYSTem:LOCal", "SYSTem:REMote", "SYSTem:RWLock"):
            tree.add(header, no_params)
        tree.add("DISPlay:ENABle", self._flag_setter("display_on"))
        tree.add("DISPlay:ENABle?", lambda p: self._reply(p, self._bit(self.display_on)))
        tree.add("DISPlay[:WINDow[1]]:TEXT:DATA", self._set_text)
        tree.add("DISPlay[:WINDow[1]]:TEXT:DATA?", lambda p: self._reply(p, f'"{self.text}"'))
        tree.add("DISPlay[:WINDow[1]]:TEXT:STATe", self._flag_setter("text_on"))
        tree.add("DISPlay[:WINDow[1]]:TEXT:STATe?",
                 lambda p: self._reply(p, self._bit(self.text_on)))

    def _register_trace(self, tree: CommandTree, root: str) -> None:
        tree.add(f"{root}:CLEar", self._trace_clear)
        tree.add(f"{root}:POINts", self._set_points)
        tree.add(f"{root}:POINts?", lambda p: self._reply(p, f"{self.trace.points:d}"))
        tree.add(f"{root}:FREE?", lambda p: self._reply(
            p, f"{8 * (1024 - len(self.trace.readings)):d}, {8 * len(self.trace.readings):d}"))
        tree.add(f"{root}:FEED", self._set_feed)
        tree.add(f"{root}:FEED?", lambda p: self._reply(p, self.trace.feed))
        tree.add(f"{root}:FEED:CONTrol", self._set_feed_control)
        tree.add(f"{root}:FEED:CONTrol?", lambda p: self._reply(p, self.trace.control))
        tree.add(f"{root}:DATA?", lambda p: self._reply(
            p, self.encode(np.array(self.trace.readings))))

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    @staticmethod
    def _bit(flag: bool) -> str:
        return "1" if flag else "0"

    def _flag_setter(self, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self, name, boolean(one_param(params)))

        return handler

    @staticmethod
    def encode(values: np.ndarray) -> str:
        """Return readings as the 2000 sends them in ASCII: NR3, comma-separated."""
        return ",".join(nr3(v) for v in values.tolist())

    # ---------------------------------------------------------------- readings
    def _take(self, triggers: int) -> np.ndarray:
        """Take ``triggers`` bursts of ``SAMPle:COUNt`` readings now and keep them as the
        latest readings (and in TRACe when it is being fed)."""
        parts = [self.sim.keithley.take(self.samples)[0] for _ in range(triggers)]
        values = np.concatenate(parts) if parts else np.empty(0)
        self.latest, self.fresh = values, True
        self._feed_trace(values)
        return values

    def _feed_trace(self, values: np.ndarray) -> None:
        trace = self.trace
        if trace.control != "NEXT" or trace.feed == "NONE":
            return
        room = trace.points - len(trace.readings)
        trace.readings.extend(values[:room].tolist())
        if len(trace.readings) >= trace.points:
            trace.control = "NEV"
            self.measurement_event |= MEASUREMENT_BUFFER_FULL

    def _triggers(self) -> int:
        if math.isinf(self.count):
            raise CommandError(-221)  # an endless trigger count cannot end a READ?
        return int(self.count)

    def read(self, params: list[str]) -> Reply:
        """``READ?``: abort, initiate and fetch; -213 while continuous initiation is on."""
        no_params(params)
        if self.init_continuous:
            raise CommandError(-213, "Init ignored")
        if self.source == "BUS":
            raise CommandError(-214)
        return self.encode(self._take(self._triggers()))

    def configure(self, mode: Mode, params: list[str]) -> None:
        """``CONFigure:<function>``: select it as a one-shot measurement."""
        self.sim.sense.configure(mode, params)
        self.init_continuous = False
        self.source, self.count, self.samples, self.delay_auto = "IMMEDIATE", 1.0, 1, True

    def measure(self, mode: Mode, params: list[str]) -> Reply:
        """``MEASure:<function>?`` = CONFigure then READ?."""
        self.configure(mode, params)
        return self.read([])

    def _initiate(self, params: list[str]) -> None:
        no_params(params)
        if self.init_continuous or self.armed:
            raise CommandError(-213, "Init ignored")
        if self.source == "BUS":
            self.armed = int(self.count) if not math.isinf(self.count) else 2**62
            return
        self._take(self._triggers())

    def bus_trigger(self) -> None:
        """``*TRG``: one burst of samples when INIT armed the meter on a BUS trigger."""
        if self.armed <= 0:
            self.sim.push_error(-211, "Trigger ignored")
            return
        self._take(1)
        self.armed -= 1

    def _abort(self, params: list[str]) -> None:
        no_params(params)
        self.armed = 0

    def _fetch(self, params: list[str]) -> str:
        no_params(params)
        if self.latest is None or self.armed:
            raise CommandError(-230, "Data corrupt or stale")
        return self.encode(self.latest)

    def _fresh(self, params: list[str]) -> str:
        """``DATA:FRESh?``: a reading not returned before (continuous initiation makes one)."""
        no_params(params)
        if self.init_continuous:
            self._take(1)
        if not self.fresh or self.latest is None or not self.latest.size:
            raise CommandError(-230, "Data corrupt or stale")
        self.fresh = False
        return nr3(float(self.latest[-1]))

    def _latest(self, params: list[str]) -> str:
        no_params(params)
        if self.init_continuous:
            self._take(1)
        if self.latest is None or not self.latest.size:
            raise CommandError(-230, "Data corrupt or stale")
        return nr3(float(self.latest[-1]))

    # ---------------------------------------------------------------- settings
    def _set_continuous(self, params: list[str]) -> None:
        self.init_continuous = boolean(one_param(params))

    def _set_source(self, params: list[str]) -> None:
        self.source = choice(one_param(params), _SOURCES)

    def _set_count(self, params: list[str]) -> None:
        value = number(one_param(params), minimum=1, maximum=self.sim.MODEL.trigger.max_triggers,
                       default=1, infinite=True)
        self.count = value if math.isinf(value) else float(int(value))

    def _set_delay(self, params: list[str]) -> None:
        self.delay_s = number(one_param(params), minimum=0.0, maximum=_MAX_DELAY_S, default=0.0,
                              unit="S")
        self.delay_auto = False
        self.sim.settings.trigger.delay_s = self.delay_s
        self.sim.settings.trigger.delay_auto = False

    def _set_delay_auto(self, params: list[str]) -> None:
        self.delay_auto = boolean(one_param(params))
        self.sim.settings.trigger.delay_auto = self.delay_auto

    def _set_timer(self, params: list[str]) -> None:
        self.timer_s = number(one_param(params), minimum=0.001, maximum=_MAX_DELAY_S,
                              default=0.1, unit="S")

    def _set_samples(self, params: list[str]) -> None:
        self.samples = int(number(one_param(params), minimum=1,
                                  maximum=self.sim.MODEL.trigger.max_samples, default=1))

    def _trace_clear(self, params: list[str]) -> None:
        no_params(params)
        self.trace.readings = []

    def _set_points(self, params: list[str]) -> None:
        self.trace.points = int(number(one_param(params), minimum=2,
                                       maximum=self.sim.MODEL.trigger.memory, default=100))
        self.trace.readings = []

    def _set_feed(self, params: list[str]) -> None:
        self.trace.feed = choice(one_param(params), ["SENSe[1]", "CALCulate[1]", "NONE"])[:4]

    def _set_feed_control(self, params: list[str]) -> None:
        control = choice(one_param(params), ["NEVer", "NEXT"])[:4]
        self.trace.control = "NEV" if control == "NEVE" else control
        if self.trace.control == "NEXT":
            self.trace.readings = []

    def _format(self, params: list[str]) -> None:
        # binary SREal/DREal transfer is not modelled: only ASCii is accepted here
        if choice(one_param(params), ["ASCii", "SREal", "DREal"]) != "ASCII":
            raise CommandError(-224, "Illegal parameter value (binary formats not simulated)")

    def _elements(self, params: list[str]) -> None:
        if not params or any(choice(p, ["READing", "CHANnel", "UNITs"]) != "READING"
                             for p in params):
            raise CommandError(-224, "Illegal parameter value (only READing is simulated)")

    def _status_preset(self, params: list[str]) -> None:
        no_params(params)
        self.measurement_enable = 0

    def _set_measurement_enable(self, params: list[str]) -> None:
        self.measurement_enable = int(number(one_param(params), minimum=0, maximum=65535))

    def _measurement_event(self, params: list[str]) -> str:
        no_params(params)
        value, self.measurement_event = self.measurement_event, 0
        return f"{value:d}"

    def _clear_queue(self, params: list[str]) -> None:
        no_params(params)
        self.sim.errors.clear()

    def _preset(self, params: list[str]) -> None:
        no_params(params)
        self.sim.reset()
        self.init_continuous = self.sim.MODEL.quirks.init_continuous_at_power_on

    def _set_text(self, params: list[str]) -> None:
        text = one_param(params).strip()
        if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
            raise CommandError(-104)
        self.text = text[1:-1][: self.sim.MODEL.quirks.display_chars]
