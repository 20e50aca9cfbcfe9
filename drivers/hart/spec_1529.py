"""Published readout accuracy of the Hart Scientific (Fluke) 1529 Chub-E4, as data.

The 1529 specifies its *readout* accuracy on the measured resistance, by input type
and resistance band, as ``±(ppm of reading + floor)``; the temperature equivalent
follows from the probe's sensitivity dR/dT. The probe's own calibration uncertainty is
not part of this table.

The tables are TOML files in the core specification format
(:class:`metrolab.instrument.specs.AccuracySpec`) beside this module, one per input type:
4-wire resistance (``RES4``) rows whose range is the top of a resistance band.

Source: ``[U]`` 1529 Chub-E4 product specifications, from recollection (the 1529 Technical
Guide's specification table was not readable here): every row carries the tag
(``verified`` is False). Check against the Technical Guide before accredited use. Cross-check
[D]: 100 ppm of 10 kΩ = 1 Ω at 25 °C on a 10 kΩ thermistor (dR/dT ≈ -440 Ω/°C) is
±0.0023 °C, matching the ±0.0025 °C thermistor figure usually quoted for the 1529.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec, SpecRow, temperature_difference_unit
from metrolab.units import Quantity

from .sensors import PlatinumResistance, Thermistor, Thermocouple

SPEC_DIR = Path(__file__).parent / "specs"


class SensorType(Enum):
    """Input types of a readout channel."""

    PRT = "PRT"
    THERMISTOR = "THERMISTOR"
    THERMOCOUPLE = "THERMOCOUPLE"


#: the tables of the 1529, one per input type
TABLES: dict[SensorType, AccuracySpec] = {
    sensor: AccuracySpec.load(SPEC_DIR / f"1529_{sensor.value.lower()}.toml")
    for sensor in SensorType
}

#: the probe model each input type is converted with (thermocouple: type K)
DEFAULT_PROBES: dict[SensorType, PlatinumResistance | Thermistor | Thermocouple] = {
    SensorType.PRT: PlatinumResistance(),
    SensorType.THERMISTOR: Thermistor(),
    SensorType.THERMOCOUPLE: Thermocouple("K"),
}
#: what each input type measures: resistance (Ω) or emf (V)
_MEASURAND = {SensorType.PRT: Function.RES4, SensorType.THERMISTOR: Function.RES4,
              SensorType.THERMOCOUPLE: Function.DCV}


def raw_value(sensor: SensorType, temperature_c: float) -> float:
    """Return what a channel of ``sensor`` measures at ``temperature_c``: Ω or V (type K
    thermocouple against a 0 °C reference)."""
    probe = DEFAULT_PROBES[sensor]
    if isinstance(probe, Thermocouple):
        return probe.emf(temperature_c) / 1000.0
    return probe.resistance(temperature_c)


def raw_sensitivity(sensor: SensorType, temperature_c: float) -> float:
    """Return d(raw value)/dT at ``temperature_c``: Ω/°C or V/°C."""
    probe = DEFAULT_PROBES[sensor]
    scale = 1e-3 if isinstance(probe, Thermocouple) else 1.0
    return probe.sensitivity(temperature_c) * scale


class ReadoutSpecification:
    """Accuracy lookups of a readout, in its raw measurand (Ω, V) and in temperature;
    ``tables`` holds one table per input type the model specifies (none: nothing is)."""

    def __init__(self, tables: dict[SensorType, AccuracySpec] = TABLES,
                 model: str = "1529") -> None:
        self.tables = tables
        self.model = model

    def table(self, sensor: SensorType) -> AccuracySpec:
        """Return the table of ``sensor``; SpecificationUnavailable when none is held."""
        table = self.tables.get(sensor)
        if table is None:
            raise SpecificationUnavailable(
                f"{self.model}: no readout specification for a {sensor.value} input is held "
                "(none was read in a manufacturer's document)")
        return table

    def row(self, sensor: SensorType, resistance_ohm: float) -> SpecRow:
        """Return the band holding the raw value (Ω, or V for a thermocouple);
        SpecificationUnavailable if none."""
        return self.table(sensor).row(_MEASURAND[sensor], None, value=resistance_ohm)

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
        raw = raw_value(function, celsius)
        half_width = self.row(function, raw).half_width(raw)
        kelvin = Quantity(half_width / abs(raw_sensitivity(function, celsius)), "kelvin")
        return kelvin.to(temperature_difference_unit(value))

    def caveat(self, function: SensorType, range: pint.Quantity | None, value: pint.Quantity,
               frequency: pint.Quantity | None = None) -> str | None:
        """Return a one-line warning when the row behind :meth:`tolerance` (same arguments)
        is unverified or its table provisional; None when it is verified."""
        self.tolerance(function, range, value, frequency)  # the same checks of the arguments
        measurand = _MEASURAND[function]
        raw = raw_value(function, float(value.to("degC").magnitude))
        return self.table(function).caveat(measurand, None, Quantity(raw, measurand.unit))


#: the 1529 readout specification
SPEC = ReadoutSpecification()
