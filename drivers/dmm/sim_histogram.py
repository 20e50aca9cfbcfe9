"""The histogram of a simulated Truevolt meter (``CALCulate:TRANsform:HISTogram``,
Truevolt Operating and Service Guide).

While on, every reading after math falls in one of ``POINts`` equal bins between the
lower and upper range values, or in the bin below or above them. With ``RANGe:AUTO ON``
(the ``*RST`` state) the range is the span of the first 1000 readings, which are then
binned; setting a range value turns auto off. The data are cleared by ``INITiate``,
``READ?``, ``MEASure?``, a change of function, ``POINts``, ``RANGe``, ``STATe ON`` and
``CLEar``. ``ALL?`` answers lower, upper (NR3), count and the bins (NR1, signed);
``DATA?`` the bins only; a range query without data in auto mode answers 9.91E37.
"""

from __future__ import annotations

import numpy as np

from metrolab.instrument.simulation import CommandError, CommandTree, boolean
from metrolab.instrument.simulation.parser import (
    Handler,
    answers,
    no_params,
    nr3,
    number,
    one_param,
    query_value,
)

#: bin counts the meter offers (Truevolt guide: 10, 20, 40, 100, 200 or 400)
BIN_COUNTS = (10, 20, 40, 100, 200, 400)
DEFAULT_BINS = 100
#: readings auto ranging looks at before it fixes the range
AUTO_READINGS = 1000
_LIMIT = 1e15
_NOT_A_NUMBER = 9.91e37


class Histogram:
    """Bins of the readings taken while the histogram is on."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """``*RST``/``SYSTem:PRESet``: off, 100 bins, auto range, range values 0."""
        self.enabled = False
        self.bins = DEFAULT_BINS
        self.auto = True
        self.lower = 0.0
        self.upper = 0.0
        self.clear()

    def clear(self) -> None:
        """Forget the data (and the automatic range, which is found again)."""
        self.counts = np.zeros(self.bins + 2, dtype=np.int64)
        self.total = 0
        self._pending: list[float] = []
        self._ranged = not self.auto

    def add(self, values: np.ndarray) -> None:
        """Bin ``values`` (readings after math) when the histogram is on."""
        if not self.enabled or values.size == 0:
            return
        if not self._ranged:
            self._pending.extend(values.tolist())
            if len(self._pending) < AUTO_READINGS:
                return
            self._fix_range(np.asarray(self._pending))
            values, self._pending = np.asarray(self._pending), []
        self._bin(values)

    def _fix_range(self, values: np.ndarray) -> None:
        self.lower, self.upper = float(values.min()), float(values.max())
        if self.upper == self.lower:  # one value: a bin around it
            self.lower, self.upper = self.lower - 0.5, self.upper + 0.5
        self._ranged = True

    def _bin(self, values: np.ndarray) -> None:
        span = max(self.upper - self.lower, 1e-300)
        index = np.floor((values - self.lower) / span * self.bins).astype(np.int64) + 1
        index = np.where(values < self.lower, 0, np.where(values > self.upper, self.bins + 1,
                                                          np.minimum(index, self.bins)))
        self.counts += np.bincount(index, minlength=self.bins + 2)
        self.total += int(values.size)

    def _flush(self) -> None:
        """Bin readings waiting for the automatic range (a query asked before 1000)."""
        if self._pending:
            self._fix_range(np.asarray(self._pending))
            values, self._pending = np.asarray(self._pending), []
            self._bin(values)

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the ``CALCulate:TRANsform:HISTogram`` commands."""
        node = "CALCulate:TRANsform:HISTogram"
        tree.add(f"{node}[:STATe]", self._set_state)
        tree.add(f"{node}[:STATe]?", answers(lambda: "1" if self.enabled else "0"))
        tree.add(f"{node}:POINts", self._set_points)
        tree.add(f"{node}:POINts?", self._points_query)
        tree.add(f"{node}:RANGe:AUTO", self._set_auto)
        tree.add(f"{node}:RANGe:AUTO?", answers(lambda: "1" if self.auto else "0"))
        tree.add(f"{node}:RANGe:LOWer", self._range_setter("lower"))
        tree.add(f"{node}:RANGe:UPPer", self._range_setter("upper"))
        tree.add(f"{node}:RANGe:LOWer?", self._range_query("lower"))
        tree.add(f"{node}:RANGe:UPPer?", self._range_query("upper"))
        tree.add(f"{node}:CLEar[:IMMediate]", answers(self.clear))
        tree.add(f"{node}:COUNt?", self._count)
        tree.add(f"{node}:DATA?", self._data)
        tree.add(f"{node}:ALL?", self._all)

    def _set_state(self, params: list[str]) -> None:
        enabled = boolean(one_param(params))
        if enabled and not self.auto and self.lower >= self.upper:
            raise CommandError(-221, "Settings conflict;histogram lower range not below upper")
        self.enabled = enabled
        if enabled:
            self.clear()

    def _set_points(self, params: list[str]) -> None:
        wanted = number(one_param(params), minimum=10, maximum=400, default=DEFAULT_BINS)
        if wanted not in BIN_COUNTS:
            raise CommandError(-224)
        self.bins = int(wanted)
        self.clear()

    def _points_query(self, params: list[str]) -> str:
        value = query_value(params, current=self.bins, minimum=min(BIN_COUNTS),
                            maximum=max(BIN_COUNTS), default=DEFAULT_BINS)
        return f"{int(value):+d}"

    def _set_auto(self, params: list[str]) -> None:
        self.auto = boolean(one_param(params))
        self.clear()

    def _range_setter(self, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            value = number(one_param(params), minimum=-_LIMIT, maximum=_LIMIT, default=0.0)
            if value != 0.0 and abs(value) < 1e-15:
                raise CommandError(-222)
            setattr(self, name, value)
            self.auto = False
            self.clear()

        return handler

    def _range_query(self, name: str) -> Handler:
        def handler(params: list[str]) -> str:
            if not params:
                self._flush()
                if self.auto and not self._ranged:
                    return nr3(_NOT_A_NUMBER)
            return nr3(query_value(params, current=getattr(self, name), minimum=-_LIMIT,
                                   maximum=_LIMIT, default=0.0))

        return handler

    def _count(self, params: list[str]) -> str:
        no_params(params)
        self._flush()
        return f"{self.total + len(self._pending):+d}"

    def _bins_text(self) -> str:
        return ",".join(f"{int(c):+d}" for c in self.counts.tolist())

    def _data(self, params: list[str]) -> str:
        no_params(params)
        self._flush()
        return self._bins_text()

    def _all(self, params: list[str]) -> str:
        no_params(params)
        self._flush()
        lower = _NOT_A_NUMBER if self.auto and not self._ranged else self.lower
        upper = _NOT_A_NUMBER if self.auto and not self._ranged else self.upper
        return f"{nr3(lower)},{nr3(upper)},{self.total:+d},{self._bins_text()}"
