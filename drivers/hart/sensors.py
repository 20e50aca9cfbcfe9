"""Temperature sensors a 1529 readout converts: resistance <-> temperature and sensitivity.

* :class:`PlatinumResistance`: IEC 60751 Callendar-Van Dusen with the standard coefficients
  (A = 3.9083e-3 /°C, B = -5.775e-7 /°C², C = -4.183e-12 /°C⁴ below 0 °C), R0 = 100 Ω.
* :class:`Thermistor`: Steinhart-Hart ``1/T = a + b ln R + c (ln R)³`` (T in K); the default
  coefficients are the widely published ones of a 10 kΩ (at 25 °C) NTC thermistor.

Temperatures are in °C, resistances in Ω, sensitivities in Ω/°C (plain floats: these run
inside the simulator and the specification lookups).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KELVIN_OFFSET = 273.15


@dataclass(frozen=True, slots=True)
class PlatinumResistance:
    """An industrial platinum resistance thermometer (IEC 60751)."""

    r0: float = 100.0
    a: float = 3.9083e-3
    b: float = -5.775e-7
    c: float = -4.183e-12

    def resistance(self, temperature_c: float) -> float:
        """Return the resistance (Ω) at ``temperature_c`` (°C)."""
        t = temperature_c
        cubic = self.c * (t - 100.0) * t**3 if t < 0 else 0.0
        return self.r0 * (1.0 + self.a * t + self.b * t * t + cubic)

    def sensitivity(self, temperature_c: float) -> float:
        """Return dR/dT (Ω/°C) at ``temperature_c`` (°C)."""
        t = temperature_c
        cubic = self.c * (4.0 * t**3 - 300.0 * t * t) if t < 0 else 0.0
        return self.r0 * (self.a + 2.0 * self.b * t + cubic)


@dataclass(frozen=True, slots=True)
class Thermistor:
    """An NTC thermistor described by Steinhart-Hart coefficients (T in K, R in Ω)."""

    a: float = 1.129148e-3
    b: float = 2.34125e-4
    c: float = 8.76741e-8

    def resistance(self, temperature_c: float) -> float:
        """Return the resistance (Ω) at ``temperature_c`` (°C): the real root of the cubic."""
        inverse = 1.0 / (temperature_c + KELVIN_OFFSET)
        roots = np.roots([self.c, 0.0, self.b, self.a - inverse])
        real = [float(r.real) for r in roots if abs(r.imag) < 1e-9]
        return math.exp(real[0])

    def sensitivity(self, temperature_c: float) -> float:
        """Return dR/dT (Ω/°C, negative for an NTC) at ``temperature_c`` (°C)."""
        kelvin = temperature_c + KELVIN_OFFSET
        resistance = self.resistance(temperature_c)
        log_r = math.log(resistance)
        d_log_r = -1.0 / (kelvin * kelvin * (self.b + 3.0 * self.c * log_r * log_r))
        return resistance * d_log_r
