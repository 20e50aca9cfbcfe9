"""Temperature sensors the readouts convert: resistance or emf <-> temperature, sensitivity.

* :class:`PlatinumResistance`: IEC 60751 Callendar-Van Dusen with the standard coefficients
  (A = 3.9083e-3 /°C, B = -5.775e-7 /°C², C = -4.183e-12 /°C⁴ below 0 °C), R0 = 100 Ω,
  or a probe's own calibrated coefficients.
* :class:`~.its90.StandardPlatinumResistance`: an SPRT on the ITS-90 reference and
  deviation functions (module :mod:`.its90`).
* :class:`Thermocouple`: the NIST ITS-90 reference functions of the letter types (NIST
  Monograph 175), from the ``thermocouple-its90`` package, with cold-junction
  compensation.
* :class:`Thermistor`: Steinhart-Hart ``1/T = a + b ln R + c (ln R)³`` (T in K); the default
  coefficients are the widely published ones of a 10 kΩ (at 25 °C) NTC thermistor.

Temperatures are in °C, resistances in Ω, sensitivities in Ω/°C (plain floats: these run
inside the simulator and the specification lookups).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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

    def temperature(self, resistance_ohm: float) -> float:
        """Return the temperature (°C) at ``resistance_ohm``: the quadratic's root at and
        above R0, Newton's method on the full equation below it (to 1e-9 °C)."""
        ratio = resistance_ohm / self.r0
        t = (-self.a + math.sqrt(self.a * self.a - 4.0 * self.b * (1.0 - ratio))) / (2 * self.b)
        if ratio >= 1.0:
            return t
        for _ in range(50):
            step = (self.resistance(t) - resistance_ohm) / self.sensitivity(t)
            t -= step
            if abs(step) < 1e-9:
                break
        return t


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


@dataclass(frozen=True, slots=True)
class Thermocouple:
    """A letter-type thermocouple (B, E, J, K, N, R, S, T) on the NIST ITS-90 reference
    functions; emf in mV, temperatures in °C."""

    letter: str = "K"

    def _type(self) -> Any:
        import thermocouple_its90

        return thermocouple_its90.get(self.letter)

    def emf(self, temperature_c: float, reference_c: float = 0.0) -> float:
        """Return the emf (mV) with the measuring junction at ``temperature_c`` and the
        reference junction at ``reference_c`` (°C)."""
        kind = self._type()
        return float(kind.emf(temperature_c) - kind.emf(reference_c))

    def temperature(self, emf_mv: float, reference_c: float = 0.0) -> float:
        """Return the measuring-junction temperature (°C) for ``emf_mv`` mV measured with
        the reference junction at ``reference_c`` °C (cold-junction compensation)."""
        return float(self._type().temperature(emf_mv, reference=reference_c))

    def sensitivity(self, temperature_c: float) -> float:
        """Return the Seebeck coefficient dE/dT (mV/°C) at ``temperature_c``."""
        step = 1e-2
        return (self.emf(temperature_c + step) - self.emf(temperature_c - step)) / (2 * step)
