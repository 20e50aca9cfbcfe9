"""The HMT330's ``SEND`` output line, written and read in one place.

Default output (HMT330 User's Guide M210566EN, ``FORM`` default): ``RH= 45.21 %RH T= 23.12 'C``
ending in CR LF; a model with a barometer module (the PTU30x family) adds
``P= 1013.25 hPa``. Fields may come in any order; ``'C``/``'F`` are the temperature
units (with an apostrophe), ``***`` replaces a value whose sensor has failed. In STOP
mode the transmitter's ``>`` prompt may precede a line; it is ignored.
"""

from __future__ import annotations

import re

import pint

from metrolab.instrument.errors import InstrumentReplyError
from metrolab.instrument.roles import EnvironmentReading
from metrolab.units import Quantity

__all__ = ["EnvironmentReading", "format_line", "parse_line"]

_FIELD = re.compile(r"(RH|T|P)\s*=\s*(\S+)\s*('C|'F|%RH|hPa|mbar|kPa)", re.IGNORECASE)
_UNITS = {"'C": "degC", "'F": "degF", "%RH": "percent", "HPA": "hPa", "MBAR": "mbar",
          "KPA": "kPa"}


def format_line(humidity_rh: float, temperature_c: float, pressure_hpa: float | None) -> str:
    """Return the output line for these values (%RH, °C, hPa or None)."""
    line = f"RH={humidity_rh:6.2f} %RH T={temperature_c:6.2f} 'C"
    if pressure_hpa is not None:
        line += f" P={pressure_hpa:8.2f} hPa"
    return line


def parse_line(text: str, *, instrument: str = "", command: str | None = None
               ) -> EnvironmentReading:
    """Return the reading in an output line.

    Raises InstrumentReplyError when RH or T is missing, a field repeats, or a value is
    not a number (``***`` for a failed sensor).
    """
    fields: dict[str, pint.Quantity] = {}
    for name, value, unit in _FIELD.findall(text):
        key = name.upper()
        if key in fields:
            raise InstrumentReplyError(f"field {key} appears twice", instrument=instrument,
                                       command=command, reply=text)
        try:
            number = float(value)
        except ValueError:
            raise InstrumentReplyError(
                f"{key} is {value!r}, not a number", instrument=instrument, command=command,
                reply=text, hint="a '***' value means the transmitter's sensor has failed",
            ) from None
        fields[key] = Quantity(number, _UNITS[unit.upper()])
    if "RH" not in fields or "T" not in fields:
        raise InstrumentReplyError("an output line needs RH= and T= fields",
                                   instrument=instrument, command=command, reply=text)
    return EnvironmentReading(fields["T"], fields["RH"], fields.get("P"))
