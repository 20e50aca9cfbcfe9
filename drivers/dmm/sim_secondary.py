"""Secondary measurements of a simulated Truevolt meter: ``[SENSe:]<function>:SECondary``
and ``[SENSe:]DATA2?`` (Truevolt Operating and Service Guide, SENSe and DATA2 subsystems).

Each function has its own choice, ``"OFF"`` after ``*RST``:

============  ======================================================================
function      secondary measurements
============  ======================================================================
DC volts      ``CALCulate:DATA`` (the reading before null/scaling), ``VOLTage:AC``
              (AC component), ``PTPeak`` (minimum, maximum, peak-to-peak)
AC volts      ``CALCulate:DATA``, ``FREQuency``, ``VOLTage[:DC]`` (DC component)
DC ratio      ``CALCulate:DATA``, ``SENSe:DATA`` (input and Sense-terminal voltages)
DC current    ``CALCulate:DATA``, ``CURRent:AC``, ``PTPeak``
AC current    ``CALCulate:DATA``, ``FREQuency``, ``CURRent[:DC]``
2W/4W ohms    ``CALCulate:DATA``
capacitance   ``CALCulate:DATA``
temperature   ``CALCulate:DATA``, ``SENSe:DATA`` (the sensor's resistance or voltage)
frequency     ``CALCulate:DATA``, ``PERiod``, ``VOLTage:AC`` (the signal's RMS volts)
period        ``CALCulate:DATA``, ``FREQuency``, ``VOLTage:AC``
============  ======================================================================

``DATA2?`` answers the secondary of the latest reading: one value, two for the ratio's
``SENSe:DATA``, three for ``PTPeak`` (over the readings of the latest trigger, the
simulator's samples of its input); 9.91E37 (not a number) with none. ``PTPeak`` needs
a DC function on a 34465A/34470A; continuity and diode test have no secondary.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import CommandError, CommandTree, choice
from metrolab.instrument.simulation.parser import answers, no_params, nr3, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: what DATA2? sends without a secondary measurement (IEEE 488.2 not-a-number)
NOT_A_NUMBER = 9.91e37
_CALC = "CALCulate:DATA"
#: the secondary measurements of each mode, in SCPI notation ("OFF" always allowed)
CHOICES: dict[Mode, tuple[str, ...]] = {
    Mode.DCV: (_CALC, "VOLTage:AC", "PTPeak"),
    Mode.ACV: (_CALC, "FREQuency", "VOLTage[:DC]"),
    Mode.RATIO: (_CALC, "SENSe:DATA"),
    Mode.DCI: (_CALC, "CURRent:AC", "PTPeak"),
    Mode.ACI: (_CALC, "FREQuency", "CURRent[:DC]"),
    Mode.RES2: (_CALC,),
    Mode.RES4: (_CALC,),
    Mode.CAP: (_CALC,),
    Mode.TEMP: (_CALC, "SENSe:DATA"),
    Mode.FREQ: (_CALC, "PERiod", "VOLTage:AC"),
    Mode.PER: (_CALC, "FREQuency", "VOLTage:AC"),
}
#: the reply of SECondary? for each choice (its short form)
_SHORT = {"OFF": "OFF", "CALCULATE:DATA": "CALC:DATA", "VOLTAGE:AC": "VOLT:AC",
          "PTPEAK": "PTP", "FREQUENCY": "FREQ", "VOLTAGE[:DC]": "VOLT", "SENSE:DATA": "SENS:DATA",
          "CURRENT:AC": "CURR:AC", "CURRENT[:DC]": "CURR", "PERIOD": "PER"}


class SecondaryMeasurements:
    """Which secondary measurement each mode takes and the latest one taken."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.reset()

    def reset(self) -> None:
        """``*RST``: every secondary off, nothing measured."""
        self.chosen: dict[Mode, str] = {mode: "OFF" for mode in CHOICES}
        self.latest: tuple[float, ...] | None = None

    def register(self, tree: CommandTree) -> None:
        """Declare ``<function>:SECondary`` of every mode the model has and ``DATA2``."""
        for mode in CHOICES:
            if mode not in self.sim.TABLE.ranges:
                continue
            node = f"[SENSe:]{mode.header}:SECondary"
            tree.add(node, functools.partial(self._set, mode))
            tree.add(f"{node}?", answers(functools.partial(self._chosen_reply, mode)))
        tree.add("[SENSe:]DATA2?", self._data2)
        tree.add("[SENSe:]DATA2:CLEar[:IMMediate]", self._clear)

    def _chosen_reply(self, mode: Mode) -> str:
        return f'"{_SHORT[self.chosen[mode]]}"'

    def _set(self, mode: Mode, params: list[str]) -> None:
        text = one_param(params).strip()
        if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
            raise CommandError(-104)  # the secondary is named by a quoted string
        chosen = choice(text[1:-1], ["OFF", *CHOICES[mode]])
        if chosen == "PTPEAK" and self.sim.MODEL.model not in ("34465A", "34470A"):
            raise CommandError(-224)
        self.chosen[mode] = chosen
        self.latest = None

    def _data2(self, params: list[str]) -> str:
        no_params(params)
        if self.latest is None:
            return nr3(NOT_A_NUMBER)
        return ",".join(nr3(v) for v in self.latest)

    def _clear(self, params: list[str]) -> None:
        no_params(params)
        self.latest = None

    # ---------------------------------------------------------------- measuring
    def record(self, mode: Mode, raw: np.ndarray, processed: np.ndarray) -> None:
        """Take the secondary measurement of the burst just read on ``mode``: ``raw`` are
        its readings before math, ``processed`` after."""
        chosen = self.chosen.get(mode, "OFF")
        if chosen == "OFF" or raw.size == 0:
            self.latest = None
            return
        now = self.sim.clock.now()
        last = float(raw[-1])
        if chosen == "CALCULATE:DATA":
            self.latest = (last,)
        elif chosen == "PTPEAK":
            low, high = float(raw.min()), float(raw.max())
            self.latest = (low, high, high - low)
        elif chosen in ("FREQUENCY", "PERIOD") and mode.counts_signal:
            self.latest = (1.0 / last if last else 0.0,)
        elif chosen == "FREQUENCY":
            self.latest = (self._frequency(mode, now),)
        elif chosen == "SENSE:DATA":
            self.latest = self._sense_data(mode, last, now)
        else:  # the other half of an AC/DC pair, or the RMS volts of a counted signal
            self.latest = (self._component(chosen, mode, now),)

    def _stimulus_value(self, function: Function, now: float) -> float:
        source = self.sim.source
        if source is None:
            return 0.0
        value = source.stimulus(function, now).value
        return 0.0 if math.isnan(value) else value

    def _frequency(self, mode: Mode, now: float) -> float:
        source = self.sim.source
        if source is None or mode.function is None:
            return 0.0
        return source.stimulus(mode.function, now).frequency or 0.0

    def _component(self, chosen: str, mode: Mode, now: float) -> float:
        function = {"VOLTAGE:AC": Function.ACV, "VOLTAGE[:DC]": Function.DCV,
                    "CURRENT:AC": Function.ACI, "CURRENT[:DC]": Function.DCI}[chosen]
        value = self._stimulus_value(function, now)
        return abs(value) if function in (Function.ACV, Function.ACI) else value

    def _sense_data(self, mode: Mode, last: float, now: float) -> tuple[float, ...]:
        if mode is Mode.RATIO:
            reference = self.sim.ratio_reference_v or 0.0
            return (self._stimulus_value(Function.DCV, now), reference)
        return (self.sim.sensor_reading(now),)
