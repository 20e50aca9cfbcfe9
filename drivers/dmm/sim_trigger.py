"""Trigger and sample model, reading memory and data format of the simulated 344xx meters.

``READ?`` takes trigger count x sample count readings and sends them; ``INITiate`` puts
them in reading memory (the 34401A holds 512: more gives error 531; the 34465A keeps the
newest 50 000 and flags the overflow in STAT:QUES bit 14); ``FETCh?`` sends memory
without erasing it, ``R?`` and ``DATA:REMove?`` send and erase (Truevolt), ``DATA:LAST?``
the newest reading with its unit. A BUS-triggered ``INIT`` waits for ``*TRG``; the
simulator's external trigger input fires at once.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from metrolab.drivers.dmm.modes import Mode
from metrolab.drivers.dmm.sim_settings import TriggerSettings

from metrolab.instrument.blocks import encode_block
from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import (
    Handler,
    Reply,
    no_params,
    nr3,
    number,
    one_param,
    query_value,
)

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: what DATA:LAST? sends when memory holds no reading (SCPI "not a number")
NO_READING = 9.91e37
#: STAT:QUES bit the Truevolt meters set when reading memory overflowed
QUES_MEMORY_OVERFLOW = 1 << 14
_SOURCES = ["IMMediate", "BUS", "EXTernal"]
_SHORT = {"IMMEDIATE": "IMM", "BUS": "BUS", "EXTERNAL": "EXT", "INTERNAL": "INT", "TIMER": "TIM",
          "POSITIVE": "POS", "NEGATIVE": "NEG"}
_MAX_DELAY_S = 3600.0


def _is_infinity_reply(text: str) -> bool:
    """Return True for 9.9E37 (the reply SCPI queries give for an infinite count)."""
    try:
        return float(text) >= 9.9e37
    except ValueError:
        return False


class TriggerCommands:
    """TRIGger, SAMPle, INITiate, READ?, FETCh?, reading memory and FORMat of one meter."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.table = sim.TABLE
        self.reset()

    def reset(self) -> None:
        """Power-on: memory empty, not armed, ASCII format, normal byte order."""
        self.memory: np.ndarray | None = None
        self.last: tuple[float, Mode] | None = None
        self._armed = 0
        self.binary_bits = 0  # 0 = ASCII, 32 or 64 = REAL
        self.big_endian = True
        self.feed_memory = True
        self.threshold = 1
        self.level = 0.0
        self.pretrigger = 0

    def preset_for_configure(self) -> None:
        """What CONFigure and MEASure? set: immediate trigger, one trigger, one sample,
        automatic delay; reading memory cleared."""
        trigger = self.sim.settings.trigger
        trigger.source = "IMMEDIATE"
        trigger.count = 1.0
        trigger.sample_count = 1
        trigger.delay_auto = True
        trigger.sample_source = "IMMEDIATE"
        self.memory = None
        self._armed = 0

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the trigger, sample, memory and format commands of the model."""
        truevolt = self.table.truevolt
        tree.add("TRIGger:SOURce", self._set_source)
        tree.add("TRIGger:SOURce?", lambda p: self._reply(p, _SHORT[self._trigger.source]))
        tree.add("TRIGger:DELay", self._set_delay)
        tree.add("TRIGger:DELay?", self._delay_query)
        tree.add("TRIGger:DELay:AUTO", self._set_delay_auto)
        tree.add("TRIGger:DELay:AUTO?",
                 lambda p: self._reply(p, "1" if self._trigger.delay_auto else "0"))
        tree.add("TRIGger:COUNt", self._set_count)
        tree.add("TRIGger:COUNt?", self._count_query)
        tree.add("SAMPle:COUNt", self._set_samples)
        tree.add("SAMPle:COUNt?", self._samples_query)
        tree.add("INITiate[:IMMediate]", self._initiate)
        tree.add("READ?", self.read)
        tree.add("FETCh?", self._fetch)
        tree.add("DATA:POINts?", self._points)
        if self._level_trigger_possible:
            # the level trigger (34411A; DIG option): fires when the input crosses LEVel
            tree.add("TRIGger:LEVel", self._set_level)
            tree.add("TRIGger:LEVel?", self._level_query)
            tree.add("SAMPle:COUNt:PRETrigger", self._set_pretrigger)
            tree.add("SAMPle:COUNt:PRETrigger?", self._pretrigger_query)
        if truevolt:
            tree.add("TRIGger:SLOPe", self._slope_setter("slope"))
            tree.add("TRIGger:SLOPe?", lambda p: self._reply(p, _SHORT[self._trigger.slope]))
            tree.add("OUTPut:TRIGger:SLOPe", self._slope_setter("output_slope"))
            tree.add("OUTPut:TRIGger:SLOPe?",
                     lambda p: self._reply(p, _SHORT[self._trigger.output_slope]))
            tree.add("SAMPle:SOURce", self._set_sample_source)
            tree.add("SAMPle:SOURce?",
                     lambda p: self._reply(p, _SHORT[self._trigger.sample_source]))
            tree.add("SAMPle:TIMer", self._set_timer)
            tree.add("SAMPle:TIMer?", self._timer_query)
            tree.add("ABORt", self._abort)
            tree.add("R?", self._read_and_erase)
            tree.add("DATA:REMove?", self._remove)
            tree.add("DATA:LAST?", self._last)
            tree.add("DATA:POINts:EVENt:THReshold", self._set_threshold)
            tree.add("DATA:POINts:EVENt:THReshold?",
                     lambda p: self._reply(p, f"{self.threshold:+d}"))
            tree.add("FORMat[:DATA]", self._format)
            tree.add("FORMat[:DATA]?", lambda p: self._reply(
                p, f"REAL,{self.binary_bits}" if self.binary_bits else "ASC,9"))
            tree.add("FORMat:BORDer", self._border)
            tree.add("FORMat:BORDer?",
                     lambda p: self._reply(p, "NORM" if self.big_endian else "SWAP"))
            tree.add("SYSTem:LFRequency?",
                     lambda p: self._reply(p, f"{self.table.model.line_frequency:+.0f}"))
        else:
            tree.add("DATA:FEED", self._set_feed)
            tree.add("DATA:FEED?", lambda p: self._reply(
                p, 'RDG_STORE, "CALC"' if self.feed_memory else 'RDG_STORE, ""'))

    @property
    def _level_trigger_possible(self) -> bool:
        """Return True when the model has the level trigger, built in or by option."""
        return ("INT" in self.table.model.trigger.sources
                or "DIG" in self.table.model.options.available)

    def _require_level_trigger(self) -> None:
        """Raise -221 on a meter whose level trigger needs the DIG option it lacks."""
        if "INT" not in self.table.model.trigger.sources:
            self.sim.licenses.require("DIG", "the level trigger")

    @property
    def armed(self) -> bool:
        """Return True while INIT waits for BUS triggers."""
        return self._armed > 0

    @property
    def _trigger(self) -> TriggerSettings:
        return self.sim.settings.trigger

    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    # --------------------------------------------------------------- settings
    def _set_source(self, params: list[str]) -> None:
        sources = _SOURCES + (["INTernal"] if self._level_trigger_possible else [])
        chosen = choice(one_param(params), sources)
        if chosen == "INTERNAL":
            self._require_level_trigger()
        self._trigger.source = chosen

    def _set_level(self, params: list[str]) -> None:
        self._require_level_trigger()
        top = 1.2 * max(self.table.ranges[self.sim.mode])
        self.level = number(one_param(params), minimum=-top, maximum=top, default=0.0)

    def _pretrigger_limit(self) -> int:
        """Return the most pretrigger samples: the reading memory less one on a meter
        with the DIG option (49 999, or 1 999 999 with MEM), the sample limit otherwise."""
        if "INT" in self.table.model.trigger.sources:
            return self.table.model.max_samples - 1
        return self.sim.reading_memory - 1

    def _set_pretrigger(self, params: list[str]) -> None:
        self._require_level_trigger()
        self.pretrigger = int(number(one_param(params), minimum=0,
                                     maximum=self._pretrigger_limit(), default=0))

    def _pretrigger_query(self, params: list[str]) -> str:
        value = query_value(params, current=self.pretrigger, minimum=0,
                            maximum=self._pretrigger_limit(), default=0)
        return f"{int(value):+d}"

    def _level_query(self, params: list[str]) -> str:
        top = 1.2 * max(self.table.ranges[self.sim.mode])
        return nr3(query_value(params, current=self.level, minimum=-top, maximum=top,
                               default=0.0))

    def _set_delay(self, params: list[str]) -> None:
        self._trigger.delay_s = number(one_param(params), minimum=0.0, maximum=_MAX_DELAY_S,
                                       default=0.0, unit="S")
        self._trigger.delay_auto = False

    def _delay_query(self, params: list[str]) -> str:
        return nr3(query_value(params, current=self.sim.trigger_delay_s(), minimum=0.0,
                               maximum=_MAX_DELAY_S, default=0.0))

    def _set_delay_auto(self, params: list[str]) -> None:
        self._trigger.delay_auto = boolean(one_param(params))

    def _set_count(self, params: list[str]) -> None:
        text = one_param(params)
        if _is_infinity_reply(text):  # 9.9E37, what TRIG:COUN? answers for INF, is INF
            text = "INF"
        value = number(text, minimum=1, maximum=float(self.table.max_trigger_count),
                       default=1, infinite=True)
        self._trigger.count = value if math.isinf(value) else float(int(value))

    def _count_query(self, params: list[str]) -> str:
        return nr3(query_value(params, current=self._trigger.count, minimum=1.0,
                               maximum=float(self.table.max_trigger_count), default=1.0))

    def _set_samples(self, params: list[str]) -> None:
        self._trigger.sample_count = int(number(one_param(params), minimum=1,
                                                maximum=self.table.model.max_samples, default=1))

    def _samples_query(self, params: list[str]) -> str:
        value = query_value(params, current=self._trigger.sample_count, minimum=1,
                            maximum=self.table.model.max_samples, default=1)
        return f"{int(value):+d}"

    def _slope_setter(self, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self._trigger, name, choice(one_param(params), ["POSitive", "NEGative"]))

        return handler

    def _set_sample_source(self, params: list[str]) -> None:
        self._trigger.sample_source = choice(one_param(params), ["IMMediate", "TIMer"])

    def _timer_minimum(self) -> float:
        """Return the shortest sample interval the meter recommends: one aperture plus
        20 µs of overhead."""
        return self.sim.aperture_s(self.sim.mode) + 20e-6

    def _set_timer(self, params: list[str]) -> None:
        text = one_param(params)
        if text.strip().upper() in ("MIN", "MINIMUM"):
            self._trigger.sample_timer_s = self._timer_minimum()
            return
        value = number(text, minimum=0.0, maximum=_MAX_DELAY_S, default=1.0, unit="S")
        self._trigger.sample_timer_s = round(value / 1e-6) * 1e-6  # 1 µs steps

    def _timer_query(self, params: list[str]) -> str:
        return nr3(query_value(params, current=self._trigger.sample_timer_s,
                               minimum=self._timer_minimum(), maximum=_MAX_DELAY_S, default=1.0))

    def _set_threshold(self, params: list[str]) -> None:
        self.threshold = int(number(one_param(params), minimum=1,
                                    maximum=self.sim.reading_memory))

    def _set_feed(self, params: list[str]) -> None:
        if len(params) != 2 or params[0].strip().upper() != "RDG_STORE":
            raise CommandError(-224)
        target = params[1].strip().strip('"').upper()
        if target not in ("CALC", "CALCULATE", ""):
            raise CommandError(-224)
        self.feed_memory = bool(target)

    def _format(self, params: list[str]) -> None:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        kind = choice(params[0], ["ASCii", "REAL"])
        if kind == "ASCII":
            if len(params) == 2 and number(params[1], minimum=1, maximum=15) != 9:
                raise CommandError(-224)
            self.binary_bits = 0
            return
        bits = int(number(params[1], minimum=32, maximum=64)) if len(params) == 2 else 64
        if bits not in (32, 64):
            raise CommandError(-224)
        self.binary_bits = bits

    def _border(self, params: list[str]) -> None:
        self.big_endian = choice(one_param(params), ["NORMal", "SWAPped"]) == "NORMAL"

    # --------------------------------------------------------------- readings
    def _take(self, triggers: int) -> np.ndarray:
        """Take ``triggers`` bursts of samples now; return the processed readings."""
        trigger = self._trigger
        spacing = trigger.sample_timer_s if trigger.sample_source == "TIMER" else None
        parts = []
        for _ in range(triggers):
            burst = self.sim.acquire(trigger.sample_count, spacing)
            processed = self.sim.math.process(self.sim.mode, burst.values, burst.overload,
                                              self.sim.settings.current)
            if self.table.truevolt:
                self.sim.secondary.record(self.sim.mode, burst.values, processed)
                self.sim.histogram.add(processed[~burst.overload])
            parts.append(processed)
        values = np.concatenate(parts) if parts else np.empty(0)
        if values.size:
            self.last = (float(values[-1]), self.sim.mode)
        return values

    def _triggers(self) -> int:
        count = self._trigger.count
        if math.isinf(count):
            raise CommandError(-221)  # an endless trigger count cannot end a READ?
        return int(count)

    def read(self, params: list[str]) -> Reply:
        """``READ?``: trigger (immediate or external) and send every reading."""
        no_params(params)
        if self._trigger.source == "BUS":
            raise CommandError(-214)
        triggers = self._triggers()
        self.sim.histogram.clear()
        values = self._take(triggers)
        if self.table.truevolt:
            self._store(values, clear=True)
        return self.encode(values)

    def _initiate(self, params: list[str]) -> None:
        no_params(params)
        if self._armed > 0:
            raise CommandError(-213)
        count = self._trigger.count
        if not self.table.truevolt and count * self._trigger.sample_count > self.table.memory:
            raise CommandError(531, "Insufficient memory")
        self.memory = np.empty(0)
        self.sim.histogram.clear()
        if self._trigger.source == "BUS":
            self._armed = int(count) if not math.isinf(count) else 2**62
            return
        self._store(self._take(self._triggers()), clear=True)

    def bus_trigger(self) -> None:
        """``*TRG``: one burst of samples when INIT armed the meter on a BUS trigger."""
        if self._armed <= 0 or self._trigger.source != "BUS":
            self.sim.push_error(-211, "Trigger ignored")
            return
        self._store(self._take(1), clear=False)
        self._armed -= 1

    def _abort(self, params: list[str]) -> None:
        no_params(params)
        self._armed = 0

    def _store(self, values: np.ndarray, *, clear: bool) -> None:
        if not self.feed_memory:
            return
        held = values if clear or self.memory is None else np.concatenate([self.memory, values])
        if held.size > self.sim.reading_memory:
            held = held[-self.sim.reading_memory:]  # the newest readings are kept
            self.sim.questionable.raise_event(QUES_MEMORY_OVERFLOW)
        self.memory = held

    def _fetch(self, params: list[str]) -> Reply:
        no_params(params)
        if self.memory is None or self._armed > 0:
            raise CommandError(-230, "Data stale")
        return self.encode(self.memory)

    def _points(self, params: list[str]) -> str:
        no_params(params)
        return f"{0 if self.memory is None else self.memory.size:+d}"

    def _take_from_memory(self, count: int) -> np.ndarray:
        held = self.memory if self.memory is not None else np.empty(0)
        taken, self.memory = held[:count], held[count:]
        return taken

    def _read_and_erase(self, params: list[str]) -> Reply:
        if len(params) > 1:
            raise CommandError(-108)
        held = 0 if self.memory is None else self.memory.size
        count = int(number(params[0], minimum=1, maximum=2e9)) if params else held
        taken = self._take_from_memory(count)
        text = self.encode(taken)
        # R? always answers a definite-length block, ASCII readings included
        return text if isinstance(text, bytes) else encode_block(text.encode("ascii"))

    def _remove(self, params: list[str]) -> Reply:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        count = int(number(params[0], minimum=1, maximum=2e9))
        if len(params) == 2 and params[1].strip().upper() != "WAIT":
            raise CommandError(-224)
        held = 0 if self.memory is None else self.memory.size
        if count > held:
            raise CommandError(-222)
        return self.encode(self._take_from_memory(count))

    def _last(self, params: list[str]) -> str:
        no_params(params)
        if self.last is None:
            return f"{NO_READING:+.8E} {self.sim.mode.last_unit}".rstrip()
        value, mode = self.last
        return f"{nr3(value)} {mode.last_unit}".rstrip()

    def encode(self, values: np.ndarray) -> str | bytes:
        """Return readings as the format asks: comma-separated NR3 text or a REAL block."""
        if self.binary_bits:
            kind = f"{'>' if self.big_endian else '<'}f{self.binary_bits // 8}"
            return encode_block(values.astype(kind).tobytes())
        return ",".join(map(nr3, values.tolist()))
