"""What the Keithley 2000/2010 and DMM6500/DMM7510 command sets share: functions named as
strings (``:SENSe:FUNCtion "VOLT:DC"``), settings kept per function under
``[:SENSe[1]]:<function>`` (range, autorange, NPLC set anywhere in the model's span,
relative offset, averaging filter, digits, AC detector bandwidth, counter aperture), and
the readings those settings make from the family engine's acquisition.

Relative (``REFerence`` on the 2000, ``RELative`` on the DMM6500) subtracts its value
from every reading; the averaging filter makes each reading the mean of ``COUNt`` raw
conversions (``REPeat``; ``MOVing`` is modelled the same way once its window is full).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.simulation import (
    CommandError,
    CommandTree,
    boolean,
    choice,
    compile_header,
)
from metrolab.instrument.simulation.parser import Handler, no_params, nr3, number, one_param

if TYPE_CHECKING:
    from metrolab.drivers.keithley.simulator import KeithleyDmmSimulator

#: the name ``FUNCtion?`` answers for each mode, quoted
FUNCTION_NAMES = {
    Mode.DCV: "VOLT:DC", Mode.ACV: "VOLT:AC", Mode.DCI: "CURR:DC", Mode.ACI: "CURR:AC",
    Mode.RES2: "RES", Mode.RES4: "FRES", Mode.FREQ: "FREQ", Mode.PER: "PER",
    Mode.CONT: "CONT", Mode.DIODE: "DIOD", Mode.CAP: "CAP",
}
#: the patterns a FUNCtion string may take for each mode (short or long, [:DC] optional)
_FUNCTION_PATTERNS = {
    Mode.DCV: "VOLTage[:DC]", Mode.ACV: "VOLTage:AC", Mode.DCI: "CURRent[:DC]",
    Mode.ACI: "CURRent:AC", Mode.RES2: "RESistance", Mode.RES4: "FRESistance",
    Mode.FREQ: "FREQuency[:VOLTage]", Mode.PER: "PERiod[:VOLTage]", Mode.CONT: "CONTinuity",
    Mode.DIODE: "DIODe", Mode.CAP: "CAPacitance",
}
#: the DMM6500/DMM7510 name their counters by the signal they count
_DMM6500_NAMES = {Mode.FREQ: "FREQ:VOLT", Mode.PER: "PER:VOLT"}
#: AC detector bandwidths the Keithley meters offer, Hz, and the engine's AC filter for each
_BANDWIDTHS = {3.0: 3.0, 30.0: 20.0, 300.0: 200.0}
_RANGED = frozenset(set(Mode) - {Mode.CONT, Mode.DIODE, Mode.TEMP})


@dataclass
class FunctionExtras:
    """The Keithley settings of one function the family engine does not hold itself."""

    relative: float = 0.0
    relative_on: bool = False
    filter_on: bool = False
    filter_count: int = 10
    filter_type: str = "REP"
    digits: float = 7.0
    bandwidth_hz: float = 30.0
    threshold_range_v: float = 10.0
    threshold_auto: bool = True


@dataclass
class KeithleySense:
    """The per-function extras of one Keithley meter and its reading pipeline."""

    sim: KeithleyDmmSimulator
    extras: dict[Mode, FunctionExtras] = field(default_factory=dict)

    def reset(self) -> None:
        """``*RST``: every function back to its defaults."""
        self.extras = {mode: FunctionExtras(digits=self.sim.MODEL.digits + 0.5)
                       for mode in self.sim.TABLE.ranges}

    # ------------------------------------------------------------- readings
    def take(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``count`` readings of the selected function (overload as ±9.9E37) and
        their overload mask, after the averaging filter and the relative offset."""
        sim = self.sim
        extras = self.extras[sim.mode]
        group = extras.filter_count if extras.filter_on else 1
        burst = sim.acquire(count * group)
        values = burst.values.reshape(count, group)
        over = np.asarray(burst.overload.reshape(count, group).any(axis=1), dtype=bool)
        readings = np.where(over, values[:, 0], values.mean(axis=1))
        if extras.relative_on:
            readings = np.where(over, readings, readings - extras.relative)
        return readings, over

    # -------------------------------------------------------- registration
    def register(self, tree: CommandTree, *, reference: str) -> None:
        """Declare FUNCtion and every function's settings; ``reference`` is the name of
        the relative-offset node (``REFerence`` on the 2000, ``RELative`` on the DMM6500)."""
        tree.add("[SENSe[1]:]FUNCtion[:ON]", self.set_function)
        tree.add("[SENSe[1]:]FUNCtion[:ON]?", lambda p: self._reply(p, self.function_name()))
        for mode in self.sim.TABLE.ranges:
            node = f"[SENSe[1]:]{_FUNCTION_PATTERNS[mode]}"
            self._register_mode(tree, mode, node, reference)

    def _register_mode(self, tree: CommandTree, mode: Mode, node: str, reference: str) -> None:
        sense = self.sim.sense
        if mode in _RANGED:
            if mode.counts_signal:
                threshold = f"{node}:THReshold[:VOLTage]:RANGe"
                tree.add(threshold, self._bind(self._set_threshold, mode))
                tree.add(f"{threshold}?", self._value(mode, "threshold_range_v"))
                tree.add(f"{threshold}:AUTO", self._setter(mode, "threshold_auto"))
                tree.add(f"{threshold}:AUTO?", self._flag(mode, "threshold_auto"))
            else:
                tree.add(f"{node}:RANGe[:UPPer]", self._bind(sense._set_range, mode))
                tree.add(f"{node}:RANGe[:UPPer]?", self._bind(sense._range_query, mode))
                tree.add(f"{node}:RANGe:AUTO", self._bind(sense._set_autorange, mode))
                tree.add(f"{node}:RANGe:AUTO?", sense._flag(mode, "autorange"))
        if mode in self.sim.TABLE.nplc_modes or mode.is_ac:
            tree.add(f"{node}:NPLCycles", self._bind(self._set_nplc, mode))
            tree.add(f"{node}:NPLCycles?", self._bind(self._nplc_query, mode))
        tree.add(f"{node}:{reference}", self._bind(self._set_relative, mode))
        tree.add(f"{node}:{reference}?", self._value(mode, "relative"))
        tree.add(f"{node}:{reference}:STATe", self._setter(mode, "relative_on"))
        tree.add(f"{node}:{reference}:STATe?", self._flag(mode, "relative_on"))
        tree.add(f"{node}:{reference}:ACQuire", self._bind(self._acquire_relative, mode))
        tree.add(f"{node}:AVERage[:STATe]", self._setter(mode, "filter_on"))
        tree.add(f"{node}:AVERage[:STATe]?", self._flag(mode, "filter_on"))
        tree.add(f"{node}:AVERage:COUNt", self._bind(self._set_filter_count, mode))
        tree.add(f"{node}:AVERage:COUNt?", self._value(mode, "filter_count"))
        tree.add(f"{node}:AVERage:TCONtrol", self._bind(self._set_filter_type, mode))
        tree.add(f"{node}:AVERage:TCONtrol?", self._value(mode, "filter_type"))
        tree.add(f"{node}:DIGits", self._bind(self._set_digits, mode))
        tree.add(f"{node}:DIGits?", self._bind(self._digits_query, mode))
        if mode.is_ac:
            tree.add(f"{node}:DETector:BANDwidth", self._bind(self._set_bandwidth, mode))
            tree.add(f"{node}:DETector:BANDwidth?", self._value(mode, "bandwidth_hz"))
        if mode.counts_signal:
            tree.add(f"{node}:APERture", self._bind(sense._set_gate, mode))
            tree.add(f"{node}:APERture?", self._bind(sense._gate_query, mode))

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _bind(method: Callable[[Mode, list[str]], object], mode: Mode) -> Handler:
        return lambda params: method(mode, params)  # type: ignore[return-value]

    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _setter(self, mode: Mode, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self.extras[mode], name, boolean(one_param(params)))

        return handler

    def _value(self, mode: Mode, name: str) -> Handler:
        """Return the query of extra ``name`` of ``mode``: NR3 for a float, NR1 for an
        int, the word for a text."""
        def handler(params: list[str]) -> str:
            value = getattr(self.extras[mode], name)
            text = value if isinstance(value, str) else (
                f"{value:d}" if isinstance(value, int) else nr3(value))
            return self._reply(params, text)

        return handler

    def _nplc_query(self, mode: Mode, params: list[str]) -> str:
        return self._reply(params, nr3(self.sim.settings.modes[mode].nplc))

    def _flag(self, mode: Mode, name: str) -> Handler:
        return lambda params: self._reply(params, "1" if getattr(self.extras[mode], name)
                                          else "0")

    # ------------------------------------------------------------- handlers
    def function_name(self) -> str:
        """Return the name ``FUNCtion?`` answers: quoted on the 2000 (``"VOLT:DC"``), bare
        on the DMM6500 (``VOLT:DC``; its counters ``FREQ:VOLT``, ``PER:VOLT``)."""
        mode = self.sim.mode
        if self.sim.MODEL.dialect == "keithley-dmm6500":
            # the DMM6500/DMM7510 answer without quotes (QCoDeS Keithley_6500 maps the bare
            # names; PyMeasure strips quotes either way) [S]
            return _DMM6500_NAMES.get(mode, FUNCTION_NAMES[mode])
        return f'"{FUNCTION_NAMES[mode]}"'

    def mode_named(self, text: str) -> Mode:
        """Return the mode a FUNCtion string names (quotes ' or \" required); -104 without
        quotes, -224 for a function the model lacks."""
        text = text.strip()
        if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
            raise CommandError(-104)
        wanted = text[1:-1].strip()
        for mode in self.sim.TABLE.ranges:
            if mode in _FUNCTION_PATTERNS and compile_header(_FUNCTION_PATTERNS[mode]).fullmatch(
                    wanted):
                return mode
        raise CommandError(-224)

    def set_function(self, params: list[str]) -> None:
        """``FUNCtion "<name>"``: select the function, keeping its settings."""
        self.sim.settings.mode = self.mode_named(one_param(params))

    def _set_nplc(self, mode: Mode, params: list[str]) -> None:
        choices = self.sim.MODEL.nplc_choices
        value = number(one_param(params), minimum=min(choices), maximum=max(choices),
                       default=1.0)
        settings = self.sim.settings.modes[mode]
        settings.nplc = value  # set anywhere in the span, not rounded to a table row
        settings.aperture_enabled = False

    def _set_relative(self, mode: Mode, params: list[str]) -> None:
        top = max(self.sim.TABLE.ranges[mode]) * 1.2
        self.extras[mode].relative = number(one_param(params), minimum=-top, maximum=top,
                                            default=0.0)

    def _acquire_relative(self, mode: Mode, params: list[str]) -> None:
        """``REF:ACQuire``: the next reading of ``mode`` becomes the relative value."""
        no_params(params)
        if self.sim.mode is not mode:
            raise CommandError(-221)
        burst = self.sim.acquire(1)
        if burst.overload[0]:
            raise CommandError(-222)
        self.extras[mode].relative = float(burst.values[0])

    def _set_digits(self, mode: Mode, params: list[str]) -> None:
        top = self.sim.MODEL.digits + 0.5
        self.extras[mode].digits = float(int(number(one_param(params), minimum=4, maximum=top,
                                                    default=top)))

    def _digits_query(self, mode: Mode, params: list[str]) -> str:
        return self._reply(params, f"{self.extras[mode].digits:g}")

    def _set_filter_count(self, mode: Mode, params: list[str]) -> None:
        self.extras[mode].filter_count = int(number(one_param(params), minimum=1, maximum=100,
                                                    default=10))

    def _set_filter_type(self, mode: Mode, params: list[str]) -> None:
        kind = choice(one_param(params), ["MOVing", "REPeat"])
        self.extras[mode].filter_type = kind[:3]

    def _set_bandwidth(self, mode: Mode, params: list[str]) -> None:
        value = number(one_param(params), minimum=3.0, maximum=300e3, default=30.0, unit="HZ")
        chosen = max(b for b in _BANDWIDTHS if b <= value * (1 + 1e-9))
        self.extras[mode].bandwidth_hz = chosen
        self.sim.settings.modes[mode].bandwidth_hz = _BANDWIDTHS[chosen]

    def _set_threshold(self, mode: Mode, params: list[str]) -> None:
        value = number(one_param(params), minimum=0.0, maximum=1000.0, default=10.0, unit="V")
        ranges = (0.1, 1.0, 10.0, 100.0, 1000.0)
        self.extras[mode].threshold_range_v = next(r for r in ranges if value <= r * (1 + 1e-9))
