"""Published accuracy of the Vaisala HMT330 transmitter (and a PTU30x-type barometer), as data.

Source: ``[U]`` HMT330 and PTU300 data sheets, from recollection (the pages were not
available here): check against the current data sheet before accredited use.

* Relative humidity, incl. non-linearity, hysteresis and repeatability: at +15...+25 °C
  ±1 %RH (0...90 %RH) and ±1.7 %RH (90...100 %RH); elsewhere in -20...+40 °C
  ±(1.0 + 0.008 × reading) %RH.
* Temperature: ±0.2 °C at +20 °C, widening by 0.005 °C per °C away from it (-40...+80 °C).
* Pressure (barometer module, class B): ±0.25 hPa over 500...1100 hPa.
"""

from __future__ import annotations

from enum import Enum

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.specs import temperature_difference_unit
from metrolab.units import Quantity

SOURCE = "[U] Vaisala HMT330 / PTU300 data sheets (recollection, check the data sheet)"


class Measurand(Enum):
    """What the transmitter reports."""

    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    PRESSURE = "pressure"

    @property
    def unit(self) -> str:
        """Return the unit text of this measurand's values: ``degC``, ``percent``, ``hPa``."""
        return {"temperature": "degC", "humidity": "percent", "pressure": "hPa"}[self.value]

    @property
    def is_ac(self) -> bool:
        """Return False: nothing the transmitter reports has a frequency."""
        return False

    @classmethod
    def parse(cls, text: str) -> Measurand:
        """Return the measurand named by ``text`` (``TEMPERATURE``, ``humidity``...)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(m.name for m in cls)
            raise UserInputError(f"unknown measurand {text!r}: use one of {names}") from None


class TransmitterSpecification:
    """Accuracy lookups for the three measurands of the transmitter."""

    source = SOURCE

    def tolerance(self, function: Measurand, range: pint.Quantity | None,
                  value: pint.Quantity, frequency: pint.Quantity | None = None, *,
                  ambient: pint.Quantity | None = None) -> pint.Quantity:
        """Return the half-width of the accuracy interval at ``value``, in its unit
        (a temperature difference for a temperature).

        ``ambient`` is the temperature the humidity is measured at (20 °C if None).
        ``range`` and ``frequency`` must be None. Raises SpecificationUnavailable outside
        the specified span.
        """
        if range is not None or frequency is not None:
            raise UserInputError("HMT330 specification: there is no range or frequency")
        if function is Measurand.TEMPERATURE:
            celsius = float(value.to("degC").magnitude)
            _within(celsius, -40.0, 80.0, "temperature", "°C")
            half = Quantity(0.2 + 0.005 * abs(celsius - 20.0), "kelvin")
            return half.to(temperature_difference_unit(value))
        if function is Measurand.HUMIDITY:
            rh = float(value.to("percent").magnitude)
            _within(rh, 0.0, 100.0, "humidity", "%RH")
            around = 20.0 if ambient is None else float(ambient.to("degC").magnitude)
            _within(around, -20.0, 40.0, "humidity at an ambient temperature of", "°C")
            near_room = 15.0 <= around <= 25.0
            half_rh = (1.0 if rh <= 90.0 else 1.7) if near_room else 1.0 + 0.008 * rh
            return Quantity(half_rh, "percent").to(value.units)
        hpa = float(value.to("hPa").magnitude)
        _within(hpa, 500.0, 1100.0, "pressure", "hPa")
        return Quantity(0.25, "hPa").to(value.units)


def _within(value: float, low: float, high: float, what: str, unit: str) -> None:
    if not low <= value <= high:
        raise SpecificationUnavailable(
            f"HMT330 specification: {what} {value:g} {unit} is outside {low:g}...{high:g} {unit}"
        )


#: the transmitter's specification
SPEC = TransmitterSpecification()
