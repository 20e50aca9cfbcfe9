"""Numbers of the simulated meters' physics: the meter's own errors, noise per
integration time, input settling, automatic trigger delays and probe conversions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from metrolab.drivers.dmm.modes import Mode, ModeTable
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.sim_settings import ModeSettings, TemperatureSettings

#: aperture of one AC reading in seconds (medium AC filter)
AC_APERTURE_S = 0.1
#: settling time constant of the input after a change of source, seconds (DC, counters)
SETTLING_TAU_S = {"dc": 1e-3, "ac": 0.25}
#: an AC filter settles to 0.1 % (e^-6.9) within the automatic trigger delay made for it
_AC_SETTLED_TIME_CONSTANTS = 6.9
#: ohms-range over which resistance settling slows by 10x per decade (the input's time
#: constant is the source resistance times the input and cable capacitance)
_HIGH_OHMS = 1e5
#: the resistance the input's time constant stops growing at: the top ohms ranges source
#: their current in parallel with 10 MΩ, so the input never sees more than that [P]:
#: 8845A/8846A datasheet p. 5 (100 MΩ and 1 GΩ: 1 µA ‖ 10 MΩ), DMM6500 datasheet p. 9
#: (10 MΩ and 100 MΩ: 0.7 µA ‖ 10 MΩ), 34401A (100 MΩ: 500 nA ‖ 10 MΩ, shared reference)
OHMS_SHUNT_OHM = 10e6
#: DC automatic delays: 1.5 ms at 1 PLC and more, 1 ms below; resistance ranges of
#: 1 MΩ take 15 ms (10 ms) and above 100 ms [U: recalled from the 34401A delay table]
_DC_DELAY_S = (1.5e-3, 1.0e-3)
#: a frequency or period counter waits 1 s for its AC-coupled input [U]
_COUNTER_DELAY_S = 1.0
#: 5 kΩ (at 25 °C) thermistor Steinhart-Hart coefficients (T in K) the Truevolt meters
#: convert with [U: widely published YSI 44007 values, not read from the manual]
_THERMISTOR_ABC = (1.287e-3, 2.357e-4, 9.505e-8)
#: IEC 60751 coefficients (alpha = 0.00385) for the RTD conversion
_CVD = (3.9083e-3, -5.775e-7, -4.183e-12)


@dataclass(frozen=True)
class IntrinsicErrors:
    """A simulated meter's own errors on one function and range (fractions, base units)."""

    gain: float
    offset: float
    drift_per_year: float
    gain_tempco: float
    offset_tempco: float

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        reading_frac: float,
        range_frac: float,
        *,
        range_value: float,
        ac: bool,
    ) -> IntrinsicErrors:
        """Return errors drawn from ``rng``: gain and offset at 0.15 of the 1-year reading
        and range terms, drift 0.1 of the reading term per year, tempcos a fraction of a
        typical published tempco."""
        return cls(
            gain=float(rng.normal(0.0, 0.15 * reading_frac)),
            offset=float(rng.normal(0.0, 0.15 * range_frac)) * range_value,
            drift_per_year=float(rng.normal(0.0, 0.1 * reading_frac)),
            gain_tempco=float(rng.uniform(-0.3, 0.3)) * (50e-6 if ac else 5e-6),
            offset_tempco=float(rng.uniform(-0.3, 0.3)) * (20e-6 if ac else 1e-6) * range_value,
        )


def noise_ppm(profile: DmmProfile, nplc: float) -> float:
    """Return the rms noise in ppm of range of ``profile``'s model integrating ``nplc``
    cycles: the integration-table row of the longest integration time not above ``nplc``
    (readings are digitised at this step, so the last digit flickers on a steady input)."""
    return profile.integration_at(nplc).noise_ppm


def settling_tau(table: ModeTable, mode: Mode, settings: ModeSettings) -> float:
    """Return the input's settling time constant in seconds after a change of source: an
    AC filter's is a 6.9th of the automatic delay that waits for it; an ohms range's grows
    with the range up to the 10 MΩ the top ranges are shunted with (0.1 s)."""
    range_value = settings.range
    if mode.is_ac:
        return table.ac_delay_s[settings.bandwidth_hz] / _AC_SETTLED_TIME_CONSTANTS
    if mode.counts_signal:
        return SETTLING_TAU_S["ac"]
    if mode in (Mode.RES2, Mode.RES4) and range_value > _HIGH_OHMS:
        return SETTLING_TAU_S["dc"] * min(range_value, OHMS_SHUNT_OHM) / _HIGH_OHMS
    return SETTLING_TAU_S["dc"]


def auto_delay_s(table: ModeTable, mode: Mode, settings: ModeSettings, aperture_s: float
                 ) -> float:
    """Return the automatic trigger delay in seconds for ``mode`` as set (``TRIG:DEL:AUTO``)."""
    if mode.is_ac:
        return table.ac_delay_s[settings.bandwidth_hz]
    if mode.counts_signal:
        return _COUNTER_DELAY_S
    if mode is Mode.CAP:
        return 0.0
    fast = aperture_s * table.model.line_frequency < 1.0
    if mode in (Mode.RES2, Mode.RES4) and settings.range >= 1e6:
        return 0.1 if settings.range > 1e6 else (0.010 if fast else 0.015)
    return _DC_DELAY_S[1] if fast else _DC_DELAY_S[0]


def probe_temperature(settings: TemperatureSettings, ohms: float) -> float:
    """Return the temperature the probe of ``settings`` reads at ``ohms``, in the unit
    ``UNIT:TEMP`` selects (C, F or K); NaN when no temperature gives that resistance."""
    if settings.transducer in ("FRTD", "RTD"):
        celsius = _rtd_celsius(ohms / settings.rtd_reference_ohm)
    else:
        celsius = _thermistor_celsius(ohms)
    return in_unit(celsius, settings.unit)


def in_unit(celsius: float, unit: str) -> float:
    """Return ``celsius`` in ``unit`` (C, F or K), as ``UNIT:TEMPerature`` selects."""
    if unit == "F":
        return celsius * 9.0 / 5.0 + 32.0
    if unit == "K":
        return celsius + 273.15
    return celsius


def _rtd_celsius(ratio: float) -> float:
    """Return the IEC 60751 temperature (°C) at which R/R0 = ``ratio``: the quadratic root
    above 0 °C, Newton's method on the full Callendar-Van Dusen equation below."""
    a, b, c = _CVD
    if ratio <= 0 or not math.isfinite(ratio):
        return math.nan
    t = (-a + math.sqrt(a * a - 4.0 * b * (1.0 - ratio))) / (2.0 * b)
    if ratio >= 1.0:
        return t
    for _ in range(20):
        f = 1.0 + a * t + b * t * t + c * (t - 100.0) * t**3 - ratio
        slope = a + 2.0 * b * t + c * (4.0 * t**3 - 300.0 * t * t)
        t -= f / slope
    return t


def _thermistor_celsius(ohms: float) -> float:
    """Return the Steinhart-Hart temperature (°C) of the 5 kΩ thermistor at ``ohms``."""
    if ohms <= 0 or not math.isfinite(ohms):
        return math.nan
    a, b, c = _THERMISTOR_ABC
    log_r = math.log(ohms)
    return 1.0 / (a + b * log_r + c * log_r**3) - 273.15
