"""The Keithley DMM6500/DMM7510 SCPI command set over the family engine: named reading
buffers, the ``SimpleLoop`` trigger model and the command-language switch.

What the model does differently from the 344xx (profile quirks; DMM6500/DMM7510
Reference Manuals as recalled [U] unless the profile says otherwise):

* ``*LANG?`` answers ``SCPI``; ``*LANG TSP`` takes effect at the next power-on, so a
  simulator keeps answering SCPI (a TSP command such as ``reset()`` is an undefined
  header, -113);
* ``READ? ["buffer"]`` makes ``[SENSe:]COUNt`` readings into the buffer (``defbuffer1``
  by default) and answers only the **last** one; ``TRACe:DATA? start, end, "buffer"``
  answers the stored readings (1-based, inclusive);
* buffers are made and removed with ``TRACe:MAKE "name", size`` / ``TRACe:DELete``;
  ``defbuffer1`` and ``defbuffer2`` always exist; a full buffer wraps (oldest dropped);
* ``TRIGger:LOAD "SimpleLoop", count[, delay[, "buffer"]]`` then ``INITiate`` takes
  ``count`` readings into the buffer; ``TRIGger:LOAD "Empty"`` clears the model;
* ``FORMat:DATA REAL`` answers readings as an indefinite-length block ``#0`` of
  doubles, in the ``FORMat:BORDer`` order, ``SWAPped`` (little-endian) by default [P].
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.simulation import CommandError, CommandTree, choice
from metrolab.instrument.simulation.parser import Reply, no_params, nr3, number, one_param

if TYPE_CHECKING:
    from metrolab.drivers.keithley.simulator import KeithleyDmmSimulator

DEFAULT_BUFFERS = ("defbuffer1", "defbuffer2")
_LANGUAGES = ["SCPI", "TSP", "SCPI2000", "SCPI34401"]


def _quoted(text: str) -> str:
    """Return the content of a quoted string parameter; -104 when it is not quoted."""
    text = text.strip()
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
        raise CommandError(-104)
    return text[1:-1]


class Dmm6500Commands:
    """Buffers, trigger model, format, language and system commands of one DMM6500/7510."""

    def __init__(self, sim: KeithleyDmmSimulator) -> None:
        self.sim = sim
        self.language = sim.MODEL.quirks.command_language or "SCPI"
        self.next_language = self.language
        self.reset()

    def reset(self) -> None:
        """``*RST``: default buffers emptied, user buffers deleted, count 1, ASCII, SWAP."""
        size = self.sim.MODEL.trigger.memory
        self.buffers: dict[str, deque[float]] = {name: deque(maxlen=size)
                                                 for name in DEFAULT_BUFFERS}
        self.count = 1
        self.loop: tuple[int, float, str] | None = None
        self.real = False
        self.swapped = self.sim.MODEL.quirks.binary_byte_order != "NORM"
        self.precision = 0
        self.digits: dict[str, float] = {}
        self.light = "ON100"
        self.timer_delays = dict.fromkeys(range(1, 5), 1e-5)
        self.timer_stimuli = dict.fromkeys(range(1, 5), "NONE")
        self.scan_count = 1
        self.scan_interval_s = 0.0

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the DMM6500's reading, buffer, trigger, format and system commands."""
        tree.add("*LANG", self._set_language)
        tree.add("*LANG?", lambda p: self._reply(p, self.language))
        tree.add("[SENSe[1]:]COUNt", self._set_count)
        tree.add("[SENSe[1]:]COUNt?", lambda p: self._reply(p, f"{self.count:d}"))
        tree.add("READ?", self.read)
        tree.add("FETCh?", self._fetch)
        for mode in self.sim.TABLE.ranges:
            if mode.header in ("TEMPerature",):
                continue
            tree.add(f"MEASure:{mode.header}?", partial(self._measure, mode))
        tree.add("TRACe:MAKE", self._make)
        tree.add("TRACe:DELete", self._delete)
        tree.add("TRACe:CLEar", self._clear)
        tree.add("TRACe:POINts", self._set_points)
        tree.add("TRACe:POINts?", self._points)
        tree.add("TRACe:ACTual?", self._actual)
        tree.add("TRACe:ACTual:STARt?", lambda p: self._bound(p, start=True))
        tree.add("TRACe:ACTual:END?", lambda p: self._bound(p, start=False))
        tree.add("TRACe:DATA?", self._data)
        tree.add("TRIGger:LOAD", self._load)
        tree.add("INITiate[:IMMediate]", self._initiate)
        tree.add("ABORt", no_params)
        tree.add("FORMat[:DATA]", self._format)
        tree.add("FORMat[:DATA]?", lambda p: self._reply(p, "REAL" if self.real else "ASC"))
        tree.add("FORMat:BORDer", self._border)
        tree.add("FORMat:BORDer?", lambda p: self._reply(p, "SWAP" if self.swapped else "NORM"))
        tree.add("FORMat:ASCii:PRECision", self._set_precision)
        tree.add("FORMat:ASCii:PRECision?", lambda p: self._reply(p, f"{self.precision:d}"))
        tree.add("SYSTem:CLEar", self._clear_errors)
        tree.add("SYSTem:CARD1:IDN?", lambda p: self._reply(p, "Empty Slot"))
        for timer in range(1, 5):
            tree.add(f"TRIGger:TIMer{timer}:DELay", partial(self._set_timer_delay, timer))
            tree.add(f"TRIGger:TIMer{timer}:DELay?", partial(self._timer_delay, timer))
            tree.add(f"TRIGger:TIMer{timer}:STARt:STIMulus",
                     partial(self._set_timer_stimulus, timer))
            tree.add(f"TRIGger:TIMer{timer}:STARt:STIMulus?",
                     partial(self._timer_stimulus, timer))
        tree.add("ROUTe:SCAN:COUNt:SCAN", self._set_scan_count)
        tree.add("ROUTe:SCAN:COUNt:SCAN?", lambda p: self._reply(p, f"{self.scan_count:d}"))
        tree.add("ROUTe:SCAN:INTerval", self._set_scan_interval)
        tree.add("ROUTe:SCAN:INTerval?", lambda p: self._reply(p, nr3(self.scan_interval_s)))
        tree.add("ROUTe:TERMinals?", lambda p: self._reply(p, "FRON"))
        tree.add("SYSTem:LFRequency?",
                 lambda p: self._reply(p, f"{self.sim.MODEL.line_frequency:g}"))
        tree.add("SYSTem:BEEPer[:IMMediate]", self._beep)
        tree.add("DISPlay:CLEar", no_params)
        tree.add("DISPlay:SCReen", self._set_screen)
        tree.add("DISPlay:LIGHt:STATe", self._set_light)
        tree.add("DISPlay:LIGHt:STATe?", lambda p: self._reply(p, self.light))
        for mode in self.sim.TABLE.ranges:
            node = f"DISPlay:{mode.header}:DIGits"
            tree.add(node, partial(self._set_digits, mode.header))
            tree.add(f"{node}?", partial(self._digits_query, mode.header))

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _buffer(self, params: list[str], index: int) -> deque[float]:
        """Return the buffer named by ``params[index]`` (defbuffer1 when absent); -224
        for a buffer that does not exist."""
        name = _quoted(params[index]) if len(params) > index else DEFAULT_BUFFERS[0]
        if name not in self.buffers:
            raise CommandError(-224, f"Illegal parameter value (no buffer {name})")
        return self.buffers[name]

    def encode(self, values: np.ndarray) -> Reply:
        """Return readings as the format asks: NR3 text, or a ``#0`` block of doubles."""
        if self.real:
            return b"#0" + values.astype("<f8" if self.swapped else ">f8").tobytes()
        return ",".join(nr3(v) for v in values.tolist())

    # ---------------------------------------------------------------- readings
    def _take_into(self, buffer: deque[float], count: int) -> np.ndarray:
        values = self.sim.keithley.take(count)[0]
        buffer.extend(values.tolist())
        return values

    def read(self, params: list[str]) -> Reply:
        """``READ? ["buffer"[, elements]]``: COUNt readings into the buffer; the last one."""
        if len(params) > 2:
            raise CommandError(-108)
        buffer = self._buffer(params, 0)
        if len(params) == 2 and choice(params[1], ["READing"]) != "READING":
            raise CommandError(-224)
        values = self._take_into(buffer, self.count)
        return self.encode(values[-1:])

    def _measure(self, mode: Mode, params: list[str]) -> Reply:
        self.sim.settings.mode = mode
        return self.read(params)

    def _fetch(self, params: list[str]) -> Reply:
        buffer = self._buffer(params, 0)
        if not buffer:
            raise CommandError(-230, "Data corrupt or stale")
        return self.encode(np.array([buffer[-1]]))

    def _data(self, params: list[str]) -> Reply:
        """``TRACe:DATA? start, end[, "buffer"[, elements]]`` (1-based, inclusive)."""
        if len(params) < 2 or len(params) > 4:
            raise CommandError(-109 if len(params) < 2 else -108)
        buffer = self._buffer(params, 2)
        start = int(number(params[0], minimum=1, maximum=2e9))
        end = int(number(params[1], minimum=1, maximum=2e9))
        if len(params) == 4 and choice(params[3], ["READing"]) != "READING":
            raise CommandError(-224)
        if start > end or end > len(buffer):
            raise CommandError(-222)
        return self.encode(np.array(list(buffer)[start - 1:end]))

    def _load(self, params: list[str]) -> None:
        if not params:
            raise CommandError(-109)
        model = _quoted(params[0])
        if model.upper() == "EMPTY":
            no_params(params[1:])
            self.loop = None
            return
        if model.upper() != "SIMPLELOOP" or not 2 <= len(params) <= 4:
            raise CommandError(-224)
        count = int(number(params[1], minimum=1, maximum=self.sim.MODEL.trigger.max_triggers))
        delay = number(params[2], minimum=0.0, maximum=1e4) if len(params) > 2 else 0.0
        name = _quoted(params[3]) if len(params) > 3 else DEFAULT_BUFFERS[0]
        if name not in self.buffers:
            raise CommandError(-224)
        self.loop = (count, delay, name)

    def _initiate(self, params: list[str]) -> None:
        no_params(params)
        if self.loop is None:
            return  # the Empty trigger model does nothing
        count, delay, name = self.loop
        for _ in range(count):
            self.sim.clock.sleep(delay)
            self._take_into(self.buffers[name], 1)

    # ---------------------------------------------------------------- buffers
    def _make(self, params: list[str]) -> None:
        if len(params) not in (2, 3):
            raise CommandError(-109 if len(params) < 2 else -108)
        name = _quoted(params[0])
        if name in self.buffers or not name or len(name) > 31:
            raise CommandError(-224)
        size = int(number(params[1], minimum=10, maximum=self.sim.MODEL.trigger.memory))
        self.buffers[name] = deque(maxlen=size)

    def _delete(self, params: list[str]) -> None:
        name = _quoted(one_param(params))
        if name in DEFAULT_BUFFERS or name not in self.buffers:
            raise CommandError(-224)
        del self.buffers[name]

    def _clear(self, params: list[str]) -> None:
        if len(params) > 1:
            raise CommandError(-108)
        self._buffer(params, 0).clear()

    def _set_points(self, params: list[str]) -> None:
        if not 1 <= len(params) <= 2:
            raise CommandError(-109 if not params else -108)
        size = int(number(params[0], minimum=10, maximum=self.sim.MODEL.trigger.memory))
        old = self._buffer(params, 1)
        name = next(n for n, b in self.buffers.items() if b is old)
        self.buffers[name] = deque(maxlen=size)  # resizing clears the buffer

    def _points(self, params: list[str]) -> str:
        if len(params) > 1:
            raise CommandError(-108)
        return f"{self._buffer(params, 0).maxlen:d}"

    def _actual(self, params: list[str]) -> str:
        if len(params) > 1:
            raise CommandError(-108)
        return f"{len(self._buffer(params, 0)):d}"

    def _bound(self, params: list[str], *, start: bool) -> str:
        if len(params) > 1:
            raise CommandError(-108)
        held = len(self._buffer(params, 0))
        return f"{(1 if held else 0) if start else held:d}"

    # ---------------------------------------------------------------- settings
    def _set_language(self, params: list[str]) -> None:
        # takes effect at the next power-on: the simulator keeps its language
        self.next_language = choice(one_param(params), _LANGUAGES)

    def _set_count(self, params: list[str]) -> None:
        self.count = int(number(one_param(params), minimum=1,
                                maximum=self.sim.MODEL.trigger.max_samples, default=1))

    def _format(self, params: list[str]) -> None:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        self.real = choice(params[0], ["ASCii", "REAL", "SREal"]) != "ASCII"

    def _border(self, params: list[str]) -> None:
        self.swapped = choice(one_param(params), ["NORMal", "SWAPped"]) == "SWAPPED"

    def _set_precision(self, params: list[str]) -> None:
        self.precision = int(number(one_param(params), minimum=0, maximum=16, default=0))

    def _clear_errors(self, params: list[str]) -> None:
        no_params(params)
        self.sim.errors.clear()

    def _beep(self, params: list[str]) -> None:
        if len(params) != 2:
            raise CommandError(-109 if len(params) < 2 else -108)
        number(params[0], minimum=20.0, maximum=8000.0, unit="HZ")
        number(params[1], minimum=0.001, maximum=100.0, unit="S")

    def _set_timer_delay(self, timer: int, params: list[str]) -> None:
        self.timer_delays[timer] = number(one_param(params), minimum=8e-6, maximum=1e5,
                                          default=1e-5, unit="S")

    def _timer_delay(self, timer: int, params: list[str]) -> str:
        return self._reply(params, nr3(self.timer_delays[timer]))

    def _set_timer_stimulus(self, timer: int, params: list[str]) -> None:
        self.timer_stimuli[timer] = choice(one_param(params), ["NONE", "DISPlay", "NOTify1",
                                                                "NOTify2", "NOTify3", "COMMand",
                                                                "EXTernal"])

    def _timer_stimulus(self, timer: int, params: list[str]) -> str:
        return self._reply(params, self.timer_stimuli[timer])

    def _set_scan_count(self, params: list[str]) -> None:
        self.scan_count = int(number(one_param(params), minimum=1, maximum=1e6, default=1))

    def _set_scan_interval(self, params: list[str]) -> None:
        self.scan_interval_s = number(one_param(params), minimum=0.0, maximum=1e5, default=0.0,
                                      unit="S")

    def _set_screen(self, params: list[str]) -> None:
        choice(one_param(params), ["HOME", "HOMElarge", "READing", "HISTogram", "SWIPE_GRAPh",
                                   "SWIPE_STATs", "SWIPE_USER", "USER"])

    def _set_light(self, params: list[str]) -> None:
        self.light = choice(one_param(params), ["ON100", "ON75", "ON50", "ON25", "OFF",
                                                 "BLACkout"])

    def _digits_query(self, node: str, params: list[str]) -> str:
        return self._reply(params, f"{self.digits.get(node, self.sim.MODEL.digits + 0.5):g}")

    def _set_digits(self, node: str, params: list[str]) -> None:
        value = number(one_param(params), minimum=3, maximum=self.sim.MODEL.digits + 0.5,
                       default=self.sim.MODEL.digits)
        self.digits[node] = value
