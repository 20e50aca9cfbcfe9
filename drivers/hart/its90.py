"""ITS-90 for platinum resistance thermometers: reference functions and deviation functions.

The International Temperature Scale of 1990 (H. Preston-Thomas, Metrologia 27 (1990)
3-10; erratum p. 107) defines a standard platinum resistance thermometer's temperature
through its resistance ratio ``W(T90) = R(T90) / R(273.16 K)``:

* the reference function ``Wr(T90)``: eq. (9a) from 13.8033 K to 273.16 K (coefficients
  A0-A12, Table 4), eq. (10a) from 0 °C to 961.78 °C (C0-C9); and their inverses, eqs.
  (9b) and (10b) (B0-B15, D0-D9), equivalent to the direct functions within 0.1 mK and
  0.13 mK (the text, §3.3.2);
* a deviation function ``W - Wr`` with the coefficients of the thermometer's own
  calibration, per subrange: below 0 °C (§3.3.2.1, the Ar-Hg-TPW and Hg-TPW subranges)
  ``a (W-1) + b (W-1) ln W``; above 0 °C (§3.3.2.2, the TPW-Ag ... TPW-Ga subranges)
  ``a (W-1) + b (W-1)² + c (W-1)³ + d (W - W(660.323 °C))²``, d only above the Al point.

Temperatures are in °C (T90 - 273.15 K), resistances in Ω; the functions are plain
floats because readouts and their simulators convert one reading at a time. The inverse
of a thermometer's (reference + deviation) function is found by Newton's method started
from the inverse reference function, to 1e-7 K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrolab.errors import UserInputError

#: ITS-90 Table 4: coefficients of the reference function below 273.16 K (eq. 9a) ...
A = (-2.13534729, 3.18324720, -1.80143597, 0.71727204, 0.50344027, -0.61899395,
     -0.05332322, 0.28021362, 0.10715224, -0.29302865, 0.04459872, 0.11868632,
     -0.05248134)
#: ... of its inverse (eq. 9b) ...
B = (0.183324722, 0.240975303, 0.209108771, 0.190439972, 0.142648498, 0.077993465,
     0.012475611, -0.032267127, -0.075291522, -0.056470670, 0.076201285, 0.123893204,
     -0.029201193, -0.091173542, 0.001317696, 0.026025526)
#: ... of the reference function from 0 °C to 961.78 °C (eq. 10a) ...
C = (2.78157254, 1.64650916, -0.13714390, -0.00649767, -0.00234444, 0.00511868,
     0.00187982, -0.00204472, -0.00046122, 0.00045724)
#: ... and of its inverse (eq. 10b)
D = (439.932854, 472.418020, 37.684494, 7.472018, 2.920828, 0.005184, -0.963864,
     -0.188732, 0.191203, 0.049025)

KELVIN = 273.15
#: the ends of the ranges the reference functions are defined on, °C
LOWEST_C = 13.8033 - KELVIN
HIGHEST_C = 961.78
#: Wr at the freezing point of aluminium (ITS-90 Table 1), where the d term starts
W_ALUMINIUM = 3.37600860


def _polynomial(coefficients: tuple[float, ...], x: float) -> float:
    return sum(c * x**i for i, c in enumerate(coefficients))


def reference_ratio(temperature_c: float) -> float:
    """Return the ITS-90 reference function ``Wr`` (dimensionless) at ``temperature_c`` °C.

    Raises UserInputError outside 13.8033 K ... 961.78 °C.
    """
    _check_range(temperature_c)
    kelvin = temperature_c + KELVIN
    if kelvin < 273.16:
        x = (math.log(kelvin / 273.16) + 1.5) / 1.5
        return math.exp(_polynomial(A, x))
    return _polynomial(C, (kelvin - 754.15) / 481.0)


def reference_temperature(ratio: float) -> float:
    """Return the temperature (°C) whose reference ratio is ``ratio``, by the inverse
    functions (9b) below W = 1 and (10b) above (within 0.13 mK of the direct ones)."""
    if ratio < 1.0:
        x = (ratio ** (1.0 / 6.0) - 0.65) / 0.35
        return 273.16 * _polynomial(B, x) - KELVIN
    return _polynomial(D, (ratio - 2.64) / 1.64)


def _check_range(temperature_c: float) -> None:
    if not LOWEST_C - 1e-9 <= temperature_c <= HIGHEST_C + 1e-9:
        raise UserInputError(f"ITS-90 SPRT: {temperature_c} °C is outside the range of the "
                             f"reference functions ({LOWEST_C:.4f} °C to {HIGHEST_C} °C)")


@dataclass(frozen=True, slots=True)
class DeviationFunction:
    """A thermometer's ITS-90 deviation coefficients: ``a, b`` below 0 °C (``W - Wr =
    a (W-1) + b (W-1) ln W``); ``a, b, c, d`` above (``a (W-1) + b (W-1)² + c (W-1)³ +
    d (W - W_Al)²``, d applying above 660.323 °C). Zero coefficients give Wr itself."""

    a_low: float = 0.0
    b_low: float = 0.0
    a: float = 0.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    def deviation(self, ratio: float) -> float:
        """Return ``W - Wr`` (dimensionless) at the measured ratio ``W``."""
        w1 = ratio - 1.0
        if ratio < 1.0:
            return self.a_low * w1 + self.b_low * w1 * math.log(ratio)
        value = self.a * w1 + self.b * w1**2 + self.c * w1**3
        if ratio > W_ALUMINIUM:
            value += self.d * (ratio - W_ALUMINIUM) ** 2
        return value


@dataclass(frozen=True, slots=True)
class StandardPlatinumResistance:
    """A calibrated SPRT: its resistance at the triple point of water (Ω) and deviation
    function. ``resistance(t)`` and ``temperature(r)`` follow ITS-90."""

    r_tpw: float = 25.5
    deviation: DeviationFunction = DeviationFunction()

    def ratio(self, temperature_c: float) -> float:
        """Return the thermometer's ratio ``W`` at ``temperature_c`` °C (solving
        ``W - deviation(W) = Wr(t)`` by fixed-point iteration)."""
        reference = reference_ratio(temperature_c)
        ratio = reference
        for _ in range(50):
            updated = reference + self.deviation.deviation(ratio)
            if abs(updated - ratio) < 1e-13:
                return updated
            ratio = updated
        return ratio

    def resistance(self, temperature_c: float) -> float:
        """Return the resistance (Ω) at ``temperature_c`` °C."""
        return self.r_tpw * self.ratio(temperature_c)

    def temperature(self, resistance_ohm: float) -> float:
        """Return the temperature (°C) at ``resistance_ohm`` Ω: the inverse reference
        function of ``W - deviation(W)``, refined by Newton's method on the direct
        reference function to 1e-7 K.

        Raises UserInputError when the result lies outside the ITS-90 SPRT range.
        """
        ratio = resistance_ohm / self.r_tpw
        target = ratio - self.deviation.deviation(ratio)
        t = reference_temperature(target)
        for _ in range(20):
            _check_range(t)
            step = 1e-3
            slope = (reference_ratio(min(t + step, HIGHEST_C)) -
                     reference_ratio(max(t - step, LOWEST_C))) / (2 * step)
            correction = (reference_ratio(t) - target) / slope
            t -= correction
            if abs(correction) < 1e-7:
                break
        _check_range(t)
        return t

    def sensitivity(self, temperature_c: float) -> float:
        """Return dR/dT (Ω/°C) at ``temperature_c`` °C (central difference of 1 mK)."""
        step = 1e-3
        return (self.resistance(temperature_c + step) -
                self.resistance(temperature_c - step)) / (2 * step)
