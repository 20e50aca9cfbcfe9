"""Published readout accuracy of the Hart Scientific (Fluke) 1529 Chub-E4, as data.

The 1529 specifies its *readout* accuracy on the measured resistance, by input type
and resistance band, as ``±(ppm of reading + floor)``; the temperature equivalent
follows from the probe's sensitivity dR/dT. The probe's own calibration uncertainty is
not part of this table.

Source: ``[U]`` 1529 Chub-E4 product specifications, from recollection (the 1529 Technical
Guide's specification table was not readable here): every row carries the tag and
``verified=False``. Check against the Technical Guide before accredited use. Cross-check
[D]: 100 ppm of 10 kΩ = 1 Ω at 25 °C on a 10 kΩ thermistor (dR/dT ≈ -440 Ω/°C) is
±0.0023 °C, matching the ±0.0025 °C thermistor figure usually quoted for the 1529.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.units import Quantity, ureg

from .sensors import PlatinumResistance, Thermistor

_SOURCE = "[U] 1529 Chub-E4 specifications (recollection, check the Technical Guide)"


class SensorType(Enum):
    """Input types of a 1529 channel (the ones this model specifies)."""

    PRT = "PRT"
    THERMISTOR = "THERMISTOR"


@dataclass(frozen=True, slots=True)
class ReadoutRow:
    """One resistance band of one input type: ±(ppm of reading + floor Ω)."""

    sensor: SensorType
    low_ohm: float
    high_ohm: float
    ppm_of_reading: float
    floor_ohm: float
    source: str = _SOURCE
    verified: bool = False

    def half_width_ohm(self, resistance: float) -> float:
        """Return the half-width of the readout accuracy at ``resistance``, in Ω."""
        return self.ppm_of_reading * 1e-6 * abs(resistance) + self.floor_ohm


ROWS: tuple[ReadoutRow, ...] = (
    ReadoutRow(SensorType.PRT, 0.0, 20.0, 0.0, 0.0005),
    ReadoutRow(SensorType.PRT, 20.0, 400.0, 25.0, 0.0),
    ReadoutRow(SensorType.THERMISTOR, 0.0, 5e3, 0.0, 0.5),
    ReadoutRow(SensorType.THERMISTOR, 5e3, 200e3, 100.0, 0.0),
    ReadoutRow(SensorType.THERMISTOR, 200e3, 500e3, 300.0, 0.0),
)

#: the probe model each input type is converted with
DEFAULT_PROBES: dict[SensorType, PlatinumResistance | Thermistor] = {
    SensorType.PRT: PlatinumResistance(),
    SensorType.THERMISTOR: Thermistor(),
}


class ReadoutSpecification:
    """Accuracy lookups of the 1529 readout, in resistance and in temperature."""

    def __init__(self, rows: tuple[ReadoutRow, ...] = ROWS) -> None:
        self.rows = rows

    def row(self, sensor: SensorType, resistance_ohm: float) -> ReadoutRow:
        """Return the band holding ``resistance_ohm``; SpecificationUnavailable if none."""
        for row in self.rows:
            if row.sensor is sensor and row.low_ohm <= resistance_ohm <= row.high_ohm:
                return row
        raise SpecificationUnavailable(
            f"1529 specification: {sensor.value} input has no band for {resistance_ohm:.4g} Ω"
        )

    def tolerance(self, function: SensorType, range: pint.Quantity | None, value: pint.Quantity,
                  frequency: pint.Quantity | None = None) -> pint.Quantity:
        """Return the readout's half-width at temperature ``value`` as a temperature difference.

        ``function`` is the input type; ``range`` and ``frequency`` must be None (the 1529
        ranges itself, and measures DC). The unit follows ``value``: a reading in °C gives
        ``Δ°C``, in K gives K, in °F gives ``Δ°F``.
        """
        if range is not None or frequency is not None:
            raise UserInputError("1529 specification: the readout has no range or frequency")
        if not isinstance(value, pint.Quantity) or not value.is_compatible_with("K"):
            raise UserInputError(f"1529 specification: {value!r} is not a temperature")
        celsius = float(value.to("degC").magnitude)
        probe = DEFAULT_PROBES[function]
        resistance = probe.resistance(celsius)
        half_width_ohm = self.row(function, resistance).half_width_ohm(resistance)
        kelvin = Quantity(half_width_ohm / abs(probe.sensitivity(celsius)), "kelvin")
        return kelvin.to(_delta_unit(value))


def _delta_unit(value: pint.Quantity) -> str:
    """Return the unit of a difference of temperatures expressed like ``value``."""
    if value.units == ureg.degC:
        return "delta_degC"
    if value.units == ureg.degF:
        return "delta_degF"
    return f"{value.units:D}"


#: the 1529 readout specification
SPEC = ReadoutSpecification()
