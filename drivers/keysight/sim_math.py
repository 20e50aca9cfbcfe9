"""CALCulate (math) of the simulated 344xx meters, applied to every reading taken.

34401A (User's Guide ch. 4 "Math Operation Commands"): one operation at a time,
``CALC:FUNC NULL|DB|DBM|AVERage|LIMit`` with ``CALC:STAT``; null and dB take the next
reading as their reference when enabled; their registers can be written only while
math is on (-221 otherwise); CONFigure turns math off. dBm = 10 log10(V²/R/1 mW).

34465A (Truevolt guide): per-function null (in SENSe, applied here), smoothing (moving
average of 10/50/100 readings), scaling (``CALC:SCAL:FUNC DB|DBM|PCT|SCALe``; PCT =
(x - ref)/ref x 100, SCALe = M x - B), limit test and statistics, each with its own state.

Overloaded readings pass untouched and set their STAT:QUES bit; limit failures set
bits 11 (below the lower limit) and 12 (above the upper).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from metrolab.drivers.keysight.modes import Mode, ModeTable
from metrolab.drivers.keysight.sim_settings import ModeSettings

from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import (
    Handler,
    no_params,
    nr3,
    number,
    one_param,
    query_value,
)

QUES_LOWER_FAILED = 1 << 11
QUES_UPPER_FAILED = 1 << 12
#: STAT:QUES overload bit of each mode (34401A: volts 0, amps 1, ohms 9; Truevolt adds
#: temperature 4, frequency 5, capacitance 10)
_OVERLOAD_BITS = {
    Mode.DCV: 0, Mode.RATIO: 0, Mode.ACV: 0, Mode.DIODE: 0, Mode.DCI: 1, Mode.ACI: 1,
    Mode.RES2: 9, Mode.RES4: 9, Mode.CONT: 9, Mode.FREQ: 5, Mode.PER: 5, Mode.TEMP: 4,
    Mode.CAP: 10,
}
_NO_MATH = frozenset({Mode.RATIO, Mode.CONT, Mode.DIODE})
_DB_MODES = frozenset({Mode.DCV, Mode.ACV})
_SMOOTHING = {"SLOW": 100, "MEDIUM": 50, "FAST": 10}
_DBM_REFERENCE_OHM = (50.0, 8000.0, 600.0)
_DB_REFERENCE_DBM = (-200.0, 200.0, 0.0)
_LIMIT = 1.2e9
_SCALE = 1e15


class QuestionableStatus:
    """The STATus:QUEStionable register group: condition, latched event and enable."""

    def __init__(self) -> None:
        self.event = 0
        self.enable = 0
        self.condition = 0

    def raise_event(self, bits: int) -> None:
        """Latch ``bits`` in the event register (and the condition register)."""
        self.event |= bits
        self.condition |= bits

    def read_event(self) -> int:
        """Return and clear the event register (``STAT:QUES:EVEN?``)."""
        value, self.event = self.event, 0
        return value

    def summary(self) -> bool:
        """Return True when an enabled event is set (status byte bit 3)."""
        return bool(self.event & self.enable)


@dataclass
class Statistics:
    """Running statistics of the readings since they were cleared."""

    count: int = 0
    total: float = 0.0
    squares: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, values: np.ndarray) -> None:
        """Fold ``values`` in."""
        if values.size:
            self.count += int(values.size)
            self.total += float(values.sum())
            self.squares += float(np.square(values).sum())
            self.minimum = min(self.minimum, float(values.min()))
            self.maximum = max(self.maximum, float(values.max()))

    @property
    def mean(self) -> float:
        """Return the mean (0 without readings)."""
        return self.total / self.count if self.count else 0.0

    @property
    def sdev(self) -> float:
        """Return the sample standard deviation (0 below two readings)."""
        if self.count < 2:
            return 0.0
        variance = (self.squares - self.count * self.mean**2) / (self.count - 1)
        return math.sqrt(max(variance, 0.0))


def dbm(values: np.ndarray, reference_ohm: float) -> np.ndarray:
    """Return the power ``values`` (V) deliver into ``reference_ohm``, in dBm."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.square(values) / reference_ohm / 1e-3)


class MathUnit:
    """The math applied to one meter's readings and its CALCulate commands."""

    def __init__(self, table: ModeTable, questionable: QuestionableStatus) -> None:
        self.table = table
        self.questionable = questionable
        self.reset()

    def reset(self) -> None:
        """``*RST``: every operation off, registers at their defaults."""
        self.function = "NULL"
        self.enabled = False
        self.null_offset = 0.0
        self.db_reference = _DB_REFERENCE_DBM[2]
        self.dbm_reference = _DBM_REFERENCE_OHM[2]
        self._pending_reference = False
        self.lower = 0.0
        self.upper = 0.0
        self.limit_enabled = False
        self.statistics = Statistics()
        self.statistics_enabled = False
        self.scale_function = "PCT"
        self.scale_enabled = False
        self.gain = 1.0
        self.offset = 0.0
        self.reference = 0.0
        self.reference_auto = True
        self.unit = ""
        self.unit_enabled = False
        self.smoothing_enabled = False
        self.smoothing = "MEDIUM"
        self._window: deque[float] = deque(maxlen=_SMOOTHING["MEDIUM"])
        self.trend_chart = False

    def preset_for_configure(self) -> None:
        """What CONFigure does to math: 34401A math off; Truevolt scaling off."""
        self.enabled = False
        self.scale_enabled = False
        self._window.clear()

    # ------------------------------------------------------------- processing
    def process(self, mode: Mode, values: np.ndarray, overload: np.ndarray,
                settings: ModeSettings | None = None) -> np.ndarray:
        """Return ``values`` after the enabled math; set the overload and limit bits."""
        if overload.any():
            self.questionable.raise_event(1 << _OVERLOAD_BITS[mode])
        out = values.astype(np.float64, copy=True)
        good = ~overload
        if good.any():
            out[good] = self._apply(mode, out[good], settings)
        return out

    def _apply(self, mode: Mode, values: np.ndarray, settings: ModeSettings | None
               ) -> np.ndarray:
        if self.table.truevolt:
            return self._truevolt(mode, values, settings)
        if not self.enabled or mode in _NO_MATH:
            return values
        function = self.function
        if function == "NULL":
            if self._pending_reference:
                self.null_offset = float(values[0])
                self._pending_reference = False
            return values - self.null_offset
        if function in ("DB", "DBM"):
            powers = dbm(values, self.dbm_reference)
            if function == "DBM":
                return powers
            if self._pending_reference:
                self.db_reference = float(powers[0])
                self._pending_reference = False
            return powers - self.db_reference
        if function == "AVERAGE":
            self.statistics.add(values)
        else:
            self._test_limits(values)
        return values

    def _truevolt(self, mode: Mode, values: np.ndarray, settings: ModeSettings | None
                  ) -> np.ndarray:
        if settings is not None and settings.null_enabled:
            if settings.null_auto:
                settings.null_value = float(values[0])
                settings.null_auto = False
            values = values - settings.null_value
        if self.smoothing_enabled:
            smoothed = []
            for value in values.tolist():
                self._window.append(value)
                smoothed.append(sum(self._window) / len(self._window))
            values = np.array(smoothed)
        if self.scale_enabled and mode not in _NO_MATH:
            values = self._scaled(mode, values)
        if self.statistics_enabled:
            self.statistics.add(values)
        if self.limit_enabled:
            self._test_limits(values)
        return values

    def _scaled(self, mode: Mode, values: np.ndarray) -> np.ndarray:
        function = self.scale_function
        if function in ("DB", "DBM"):
            if mode not in _DB_MODES:
                return values
            powers = dbm(values, self.dbm_reference)
            if function == "DBM":
                return powers
            if self.reference_auto:
                self.db_reference = float(powers[0])
                self.reference_auto = False
            return powers - self.db_reference
        if function == "PCT":
            if self.reference_auto:
                self.reference = float(values[0])
                self.reference_auto = False
            if self.reference == 0.0:
                return np.full(values.shape, 9.9e37)
            return (values - self.reference) / self.reference * 100.0
        return self.gain * values - self.offset

    def _test_limits(self, values: np.ndarray) -> None:
        if (values < self.lower).any():
            self.questionable.raise_event(QUES_LOWER_FAILED)
        if (values > self.upper).any():
            self.questionable.raise_event(QUES_UPPER_FAILED)

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the CALCulate commands of the model."""
        self._register_limits(tree)
        self._register_statistics(tree)
        if self.table.truevolt:
            self._register_truevolt(tree)
        else:
            self._register_34401a(tree)

    def _register_34401a(self, tree: CommandTree) -> None:
        tree.add("CALCulate:FUNCtion", self._set_function)
        tree.add("CALCulate:FUNCtion?", lambda p: self._reply(
            p, {"AVERAGE": "AVER", "LIMIT": "LIM"}.get(self.function, self.function)))
        tree.add("CALCulate:STATe", self._set_state)
        tree.add("CALCulate:STATe?", lambda p: self._reply(p, "1" if self.enabled else "0"))
        tree.add("CALCulate:NULL:OFFSet", self._register_setter("null_offset", -_LIMIT, _LIMIT,
                                                                 0.0, needs="NULL"))
        tree.add("CALCulate:NULL:OFFSet?", self._register_query("null_offset", -_LIMIT, _LIMIT,
                                                                0.0))
        tree.add("CALCulate:DB:REFerence",
                 self._register_setter("db_reference", *_DB_REFERENCE_DBM, needs="DB"))
        tree.add("CALCulate:DB:REFerence?",
                 self._register_query("db_reference", *_DB_REFERENCE_DBM))
        tree.add("CALCulate:DBM:REFerence",
                 self._register_setter("dbm_reference", *_DBM_REFERENCE_OHM))
        tree.add("CALCulate:DBM:REFerence?",
                 self._register_query("dbm_reference", *_DBM_REFERENCE_OHM))

    def _register_limits(self, tree: CommandTree) -> None:
        data = "[:DATA]" if self.table.truevolt else ""
        for name in ("LOWer", "UPPer"):
            attribute = name.lower()
            tree.add(f"CALCulate:LIMit:{name}{data}",
                     self._register_setter(attribute, -_LIMIT, _LIMIT, 0.0))
            tree.add(f"CALCulate:LIMit:{name}{data}?",
                     self._register_query(attribute, -_LIMIT, _LIMIT, 0.0))

    def _register_statistics(self, tree: CommandTree) -> None:
        stats = self.statistics_query
        tree.add("CALCulate:AVERage:MINimum?", lambda p: stats(p, "minimum"))
        tree.add("CALCulate:AVERage:MAXimum?", lambda p: stats(p, "maximum"))
        tree.add("CALCulate:AVERage:AVERage?", lambda p: stats(p, "mean"))
        tree.add("CALCulate:AVERage:COUNt?", lambda p: self._reply(
            p, nr3(self.statistics.count) if self.table.truevolt
            else f"{self.statistics.count:+d}"))

    def _register_truevolt(self, tree: CommandTree) -> None:
        stats = self.statistics_query
        tree.add("CALCulate:AVERage:SDEViation?", lambda p: stats(p, "sdev"))
        tree.add("CALCulate:AVERage:PTPeak?", self._peak_to_peak)
        tree.add("CALCulate:AVERage:ALL?", lambda p: self._reply(p, ",".join(
            nr3(v) for v in self._stat_values(("mean", "sdev", "minimum", "maximum")))))
        tree.add("CALCulate:AVERage:CLEar[:IMMediate]", self._clear_statistics)
        tree.add("CALCulate:AVERage[:STATe]", self._state_setter("statistics_enabled"))
        tree.add("CALCulate:AVERage[:STATe]?", self._state_query("statistics_enabled"))
        tree.add("CALCulate:LIMit[:STATe]", self._state_setter("limit_enabled"))
        tree.add("CALCulate:LIMit[:STATe]?", self._state_query("limit_enabled"))
        tree.add("CALCulate:LIMit:CLEar[:IMMediate]", self._clear_limits)
        tree.add("CALCulate:CLEar[:IMMediate]", self._clear_all)
        tree.add("CALCulate:SMOothing[:STATe]", self._state_setter("smoothing_enabled"))
        tree.add("CALCulate:SMOothing[:STATe]?", self._state_query("smoothing_enabled"))
        tree.add("CALCulate:SMOothing:RESPonse", self._set_smoothing)
        tree.add("CALCulate:SMOothing:RESPonse?",
                 lambda p: self._reply(p, self.smoothing[:3] if self.smoothing != "FAST"
                                       else "FAST"))
        tree.add("CALCulate:TCHart[:STATe]", self._state_setter("trend_chart"))
        tree.add("CALCulate:TCHart[:STATe]?", self._state_query("trend_chart"))
        tree.add("CALCulate:SCALe:FUNCtion", self._set_scale_function)
        tree.add("CALCulate:SCALe:FUNCtion?", lambda p: self._reply(
            p, "SCAL" if self.scale_function == "SCALE" else self.scale_function))
        tree.add("CALCulate:SCALe[:STATe]", self._state_setter("scale_enabled"))
        tree.add("CALCulate:SCALe[:STATe]?", self._state_query("scale_enabled"))
        for header, attribute, bounds in (
            ("GAIN", "gain", (-_SCALE, _SCALE, 1.0)),
            ("OFFSet", "offset", (-_SCALE, _SCALE, 0.0)),
            ("REFerence", "reference", (-_SCALE, _SCALE, 0.0)),
            ("DB:REFerence", "db_reference", _DB_REFERENCE_DBM),
            ("DBM:REFerence", "dbm_reference", _DBM_REFERENCE_OHM),
        ):
            tree.add(f"CALCulate:SCALe:{header}", self._register_setter(attribute, *bounds))
            tree.add(f"CALCulate:SCALe:{header}?", self._register_query(attribute, *bounds))
        tree.add("CALCulate:SCALe:REFerence:AUTO", self._state_setter("reference_auto"))
        tree.add("CALCulate:SCALe:REFerence:AUTO?", self._state_query("reference_auto"))
        tree.add("CALCulate:SCALe:UNIT", self._set_unit)
        tree.add("CALCulate:SCALe:UNIT?", lambda p: self._reply(p, f'"{self.unit}"'))
        tree.add("CALCulate:SCALe:UNIT:STATe", self._state_setter("unit_enabled"))
        tree.add("CALCulate:SCALe:UNIT:STATe?", self._state_query("unit_enabled"))

    # ---------------------------------------------------------------- handlers
    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _stat_values(self, names: tuple[str, ...]) -> list[float]:
        stats = self.statistics
        if not stats.count:
            return [0.0 for _ in names]
        return [float(getattr(stats, name)) for name in names]

    def statistics_query(self, params: list[str], name: str) -> str:
        """Return one statistic of the readings since statistics were cleared (NR3)."""
        return self._reply(params, nr3(self._stat_values((name,))[0]))

    def _peak_to_peak(self, params: list[str]) -> str:
        low, high = self._stat_values(("minimum", "maximum"))
        return self._reply(params, nr3(high - low))

    def _state_setter(self, attribute: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self, attribute, boolean(one_param(params)))
            if attribute == "statistics_enabled" and getattr(self, attribute):
                self.statistics = Statistics()

        return handler

    def _state_query(self, attribute: str) -> Handler:
        return lambda params: self._reply(params, "1" if getattr(self, attribute) else "0")

    def _register_setter(self, attribute: str, low: float, high: float, default: float, *,
                         needs: str | None = None) -> Handler:
        def handler(params: list[str]) -> None:
            if needs is not None and not (self.enabled and self.function == needs):
                raise CommandError(-221)  # write a math register only with that math on
            setattr(self, attribute, number(one_param(params), minimum=low, maximum=high,
                                            default=default))
            if attribute in ("null_offset", "db_reference"):
                self._pending_reference = False
            if attribute == "reference":
                self.reference_auto = False

        return handler

    def _register_query(self, attribute: str, low: float, high: float, default: float
                        ) -> Handler:
        return lambda params: nr3(query_value(params, current=getattr(self, attribute),
                                              minimum=low, maximum=high, default=default))

    def _set_function(self, params: list[str]) -> None:
        self.function = choice(one_param(params), ["NULL", "DB", "DBM", "AVERage", "LIMit"])
        self._start()

    def _set_state(self, params: list[str]) -> None:
        self.enabled = boolean(one_param(params))
        self._start()

    def _start(self) -> None:
        """Enabling null or dB takes the next reading as the reference; average restarts."""
        if self.enabled:
            self._pending_reference = self.function in ("NULL", "DB")
            if self.function == "AVERAGE":
                self.statistics = Statistics()

    def _clear_statistics(self, params: list[str]) -> None:
        no_params(params)
        self.statistics = Statistics()

    def _clear_limits(self, params: list[str]) -> None:
        no_params(params)
        self.questionable.condition &= ~(QUES_LOWER_FAILED | QUES_UPPER_FAILED)

    def _clear_all(self, params: list[str]) -> None:
        no_params(params)
        self.statistics = Statistics()
        self.questionable.condition &= ~(QUES_LOWER_FAILED | QUES_UPPER_FAILED)
        self._window.clear()

    def _set_smoothing(self, params: list[str]) -> None:
        self.smoothing = choice(one_param(params), ["SLOW", "MEDium", "FAST"])
        self._window = deque(maxlen=_SMOOTHING[self.smoothing])

    def _set_scale_function(self, params: list[str]) -> None:
        self.scale_function = choice(one_param(params), ["DB", "DBM", "PCT", "SCALe"])

    def _set_unit(self, params: list[str]) -> None:
        text = one_param(params).strip()
        if len(text) < 2 or text[0] != '"' or text[-1] != '"':
            raise CommandError(-104)
        if len(text) - 2 > 4:
            raise CommandError(-223)
        self.unit = text[1:-1]
