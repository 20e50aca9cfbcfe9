"""Reading the quantities people type: durations, intervals and lists of setpoints.

``"1s"``, ``"500 ms"``, ``"48h"`` and plain numbers (seconds) are durations;
``"0V:10V:201"`` (start, stop, count: inclusive, evenly spaced) and ``"1V,2V,5V"`` are
setpoint lists. Every failure is a :class:`~metrolab.daq.errors.DaqInputError` that
quotes the text and says what is expected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pint

from metrolab.daq.errors import DaqInputError
from metrolab.units import ureg

#: unit symbols pint writes in Unicode, spelled the way pint and UDUNITS both read them
_ASCII_UNITS = (("°C", "degC"), ("°F", "degF"), ("Ω", "ohm"), ("µ", "u"), ("μ", "u"),
                ("%", "percent"))


def unit_text(unit: Any) -> str:
    """Return ``unit`` (a pint unit, quantity or text) as short ASCII text pint parses back.

    ``V``, ``mV``, ``degC``, ``ohm``, ``kohm``, ``percent``, ``s``; ``dimensionless`` for
    a pure number. Raises :class:`DaqInputError` for text pint does not know.
    """
    try:
        parsed = unit.units if hasattr(unit, "units") else ureg.Unit(unit)
    except (pint.errors.PintError, ValueError, TypeError, AttributeError) as exc:
        raise DaqInputError(f"unit {unit!r} is not a unit pint knows ({exc})") from None
    text = format(parsed, "~C")
    for symbol, ascii_name in _ASCII_UNITS:
        text = text.replace(symbol, ascii_name)
    return text or "dimensionless"


def seconds(value: Any, what: str, *, allow_zero: bool = True) -> float:
    """Return a duration in seconds from a number (seconds), a time Quantity or text.

    ``what`` names the option in the message. Raises :class:`DaqInputError` for text that
    is not a time, a negative value, or zero when ``allow_zero`` is False.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    else:
        try:
            quantity: pint.Quantity = value if isinstance(value, pint.Quantity) else \
                ureg.Quantity(str(value))
            if quantity.dimensionless:
                result = float(quantity.magnitude)
            else:
                result = float(quantity.to("s").magnitude)
        except (pint.errors.PintError, ValueError, TypeError, AttributeError):
            raise DaqInputError(f"{what} {value!r}: expected a time such as 1s, 500ms, 2min "
                                "or 48h") from None
    if not math.isfinite(result) or result < 0 or (result == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise DaqInputError(f"{what} {value!r}: must be {least} seconds")
    return result


def _quantity(text: str, what: str) -> pint.Quantity:
    try:
        quantity: Any = ureg.Quantity(text.strip())
    except (pint.errors.PintError, ValueError, TypeError, AttributeError):
        raise DaqInputError(f"{what}: {text!r} is not a quantity such as 10V or 2.5mA") from None
    if not isinstance(quantity, pint.Quantity) or np.ndim(quantity.magnitude):
        raise DaqInputError(f"{what}: {text!r} is not a single quantity")
    return quantity


def setpoints(text: str, what: str) -> pint.Quantity:
    """Return the setpoints written as ``START:STOP:COUNT`` or ``V1,V2,...`` (1-D Quantity).

    ``0V:10V:11`` gives 0, 1, ... 10 V (both ends included); ``1V,2V,5V`` lists them. A
    bare number takes the unit of the first value that has one. Raises
    :class:`DaqInputError` for anything else, mixed dimensions or fewer than one value.
    """
    if text.count(":") == 2 and "," not in text:
        start_text, stop_text, count_text = text.split(":")
        try:
            count = int(count_text)
        except ValueError:
            raise DaqInputError(f"{what} {text!r}: the count after the second ':' must be a "
                                "whole number (START:STOP:COUNT)") from None
        if count < 1:
            raise DaqInputError(f"{what} {text!r}: the count must be at least 1")
        parts = [_quantity(start_text, what), _quantity(stop_text, what)]
    else:
        parts = [_quantity(p, what) for p in text.split(",") if p.strip()]
        count = 0
    if not parts:
        raise DaqInputError(f"{what} {text!r}: no setpoint given (START:STOP:COUNT or "
                            "V1,V2,...)")
    unit = next((p.units for p in parts if not p.dimensionless), parts[0].units)
    try:
        values = np.array([(p if not p.dimensionless else ureg.Quantity(p.magnitude, unit))
                           .to(unit).magnitude for p in parts], dtype=np.float64)
    except pint.errors.DimensionalityError:
        raise DaqInputError(f"{what} {text!r}: the values are not all in one dimension "
                            f"({unit_text(unit)})") from None
    if count:
        values = np.linspace(values[0], values[1], count)
    if not np.all(np.isfinite(values)):
        raise DaqInputError(f"{what} {text!r}: setpoints must be finite numbers")
    return ureg.Quantity(values, unit)
