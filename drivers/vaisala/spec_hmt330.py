"""Published accuracy of the Vaisala HMT330 transmitter (and a PTU30x-type barometer), as data.

The tables are TOML files in the core specification format
(:class:`metrolab.instrument.specs.AccuracySpec`) beside this module, rows keyed by
:class:`Measurand`. Source: ``[U]`` HMT330 and PTU300 data sheets, from recollection (the
pages were not available here): check against the current data sheet before accredited use.

* Relative humidity, incl. non-linearity, hysteresis and repeatability: at +15...+25 °C
  ±1 %RH (0...90 %RH) and ±1.7 %RH (90...100 %RH) (``hmt330.toml``); elsewhere in
  -20...+40 °C ±(1.0 + 0.008 × reading) %RH (``hmt330_humidity_wide.toml``).
* Temperature: ±0.2 °C at +20 °C, widening by 0.005 °C per °C away from it (-40...+80 °C).
* Pressure (barometer module, class B): ±0.25 hPa over 500...1100 hPa.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.specs import AccuracySpec

SPEC_DIR = Path(__file__).parent / "specs"


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

    def __init__(self) -> None:
        #: temperature, pressure, and humidity at +15...+25 °C
        self.table = AccuracySpec.load(SPEC_DIR / "hmt330.toml", functions=Measurand)
        #: humidity at -20...+40 °C outside +15...+25 °C
        self.humidity_wide = AccuracySpec.load(
            SPEC_DIR / "hmt330_humidity_wide.toml", functions=Measurand
        )
        self.source = self.table.source

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
        table = self.table
        if function is Measurand.HUMIDITY:
            around = 20.0 if ambient is None else float(ambient.to("degC").magnitude)
            if not -20.0 <= around <= 40.0:
                raise SpecificationUnavailable(
                    f"HMT330 specification: humidity at an ambient temperature of {around:g} °C"
                    " is outside -20...40 °C"
                )
            if not 15.0 <= around <= 25.0:
                table = self.humidity_wide
        # the tables are keyed by Measurand (AccuracySpec.load(functions=Measurand)); the
        # core annotates the key as Function, its usual enum
        return table.tolerance(function, None, value)  # type: ignore[arg-type]


#: the transmitter's specification
SPEC = TransmitterSpecification()
