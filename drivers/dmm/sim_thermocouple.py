"""Thermocouples and the per-probe settings of a simulated Truevolt meter's temperature
function (Truevolt Operating and Service Guide, ``[SENSe:]TEMPerature:TRANsducer``).

A thermocouple is read as the DC voltage its source applies (the EMF, in V) on the
100 mV range and converted with the NIST ITS-90 reference functions of its type (E, J,
K, N, R, T; J after ``*RST``) by the ``thermocouple-its90`` package, against the
reference junction: the meter's input terminals (``INTernal``: the lab's temperature
from the simulator's environment, 23 °C without one) or a ``FIXed`` value (-20 to
+80 °C), plus ``RJUNction:OFFSet:ADJust`` (-20 to +20 °C). With ``CHECk ON`` an open
thermocouple (no source) reads as overload. RTDs keep their offset compensation and
power limit, thermistors their power limit; all these are stored as the meter does and
return to their defaults on ``*RST``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from thermocouple_its90 import RangeError, get

from metrolab.instrument.simulation import CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import (
    Handler,
    answers,
    nr3,
    number,
    one_param,
    query_value,
)

if TYPE_CHECKING:
    from metrolab.drivers.dmm.sim_settings import TemperatureSettings
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: thermocouple types the Truevolt meters convert
TYPES = ("E", "J", "K", "N", "R", "T")
#: fixed reference junction limits and offset adjustment limits, in °C
_JUNCTION_C = (-20.0, 80.0)
_OFFSET_C = (-20.0, 20.0)
#: the reference junction temperature without a lab environment, in °C
DEFAULT_AMBIENT_C = 23.0


def thermocouple_celsius(kind: str, emf_v: float, junction_c: float) -> float:
    """Return the hot-junction temperature in °C of a type ``kind`` thermocouple giving
    ``emf_v`` volts against a reference junction at ``junction_c``; NaN beyond its range."""
    try:
        return float(get(kind).temperature(emf_v * 1e3, reference=junction_c))
    except (RangeError, ValueError):
        return math.nan


def thermocouple_emf_v(kind: str, celsius: float, junction_c: float) -> float:
    """Return the EMF in volts of a type ``kind`` thermocouple at ``celsius`` against a
    reference junction at ``junction_c`` (what a source applies to simulate it)."""
    return float(get(kind).emf(celsius, reference=junction_c)) * 1e-3


class ThermocoupleCommands:
    """The thermocouple and per-probe settings of one meter's temperature function."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim

    @property
    def _settings(self) -> TemperatureSettings:
        return self.sim.settings.temperature

    def junction_c(self, now: float) -> float:
        """Return the reference junction temperature in °C the conversion uses at ``now``."""
        settings = self._settings
        if settings.junction_type == "FIXED":
            base = settings.junction_c
        elif self.sim.environment is not None:
            base = self.sim.environment.temperature(now)
        else:
            base = DEFAULT_AMBIENT_C
        return base + settings.junction_offset_c

    def register(self, tree: CommandTree) -> None:
        """Declare the ``TEMPerature:TRANsducer`` commands beyond the probe type."""
        node = "[SENSe:]TEMPerature:TRANsducer"
        tree.add(f"{node}:TCouple:TYPE", self._set_type)
        tree.add(f"{node}:TCouple:TYPE?", answers(lambda: self._settings.tc_type))
        tree.add(f"{node}:TCouple:CHECk", self._flag_setter("tc_check"))
        tree.add(f"{node}:TCouple:CHECk?", self._flag_query("tc_check"))
        tree.add(f"{node}:TCouple:RJUNction:TYPE", self._set_junction_type)
        tree.add(f"{node}:TCouple:RJUNction:TYPE?",
                 answers(lambda: self._settings.junction_type[:3]))
        tree.add(f"{node}:TCouple:RJUNction", self._value_setter("junction_c", _JUNCTION_C))
        tree.add(f"{node}:TCouple:RJUNction?", self._value_query("junction_c", _JUNCTION_C))
        tree.add(f"{node}:TCouple:RJUNction:OFFSet:ADJust",
                 self._value_setter("junction_offset_c", _OFFSET_C))
        tree.add(f"{node}:TCouple:RJUNction:OFFSet:ADJust?",
                 self._value_query("junction_offset_c", _OFFSET_C))
        for probe in ("FRTD", "RTD"):
            tree.add(f"{node}:{probe}:OCOMpensated", self._flag_setter("rtd_ocomp"))
            tree.add(f"{node}:{probe}:OCOMpensated?", self._flag_query("rtd_ocomp"))
            tree.add(f"{node}:{probe}:POWer:LIMit[:STATe]", self._flag_setter("rtd_power_limit"))
            tree.add(f"{node}:{probe}:POWer:LIMit[:STATe]?", self._flag_query("rtd_power_limit"))
        for probe in ("FTHermistor", "THERmistor"):
            tree.add(f"{node}:{probe}:POWer:LIMit[:STATe]",
                     self._flag_setter("thermistor_power_limit"))
            tree.add(f"{node}:{probe}:POWer:LIMit[:STATe]?",
                     self._flag_query("thermistor_power_limit"))

    def _set_type(self, params: list[str]) -> None:
        self._settings.tc_type = choice(one_param(params), list(TYPES))

    def _set_junction_type(self, params: list[str]) -> None:
        self._settings.junction_type = choice(one_param(params), ["INTernal", "FIXed"])

    def _flag_setter(self, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self._settings, name, boolean(one_param(params)))

        return handler

    def _flag_query(self, name: str) -> Handler:
        return answers(lambda: "1" if getattr(self._settings, name) else "0")

    def _value_setter(self, name: str, bounds: tuple[float, float]) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self._settings, name, number(one_param(params), minimum=bounds[0],
                                                 maximum=bounds[1], default=0.0))

        return handler

    def _value_query(self, name: str, bounds: tuple[float, float]) -> Callable[[list[str]], str]:
        return lambda params: nr3(query_value(params, current=getattr(self._settings, name),
                                              minimum=bounds[0], maximum=bounds[1],
                                              default=0.0))
