"""Turning reply text into numbers, with SCPI's special values made explicit.

``±9.9E37`` means overload and ``9.91E37`` means "not a number"; neither is ever
returned as a reading.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from metrolab.instrument.errors import InstrumentReplyError, OverloadError

if TYPE_CHECKING:
    import numpy as np
    import pint

OVERLOAD = 9.9e37
NOT_A_NUMBER = 9.91e37
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str, *, instrument: str = "", command: str | None = None) -> float:
    """Return the number in reply ``text`` (NR1/NR2/NR3) as a float.

    Raises OverloadError for ±9.9E37, InstrumentReplyError for 9.91E37 (no valid
    result) or for anything that is not exactly one number.
    """
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        raise InstrumentReplyError(
            "reply is not a number", instrument=instrument, command=command, reply=text
        )
    value = float(stripped)
    _reject_special(value, instrument, command, text)
    return value


def parse_numbers(text: str, *, instrument: str = "", command: str | None = None) -> list[float]:
    """Return the comma-separated numbers in reply ``text`` as floats.

    Raises as :func:`parse_number` does for any one of them.
    """
    return [parse_number(part, instrument=instrument, command=command) for part in text.split(",")]


def reject_special_values(
    values: np.ndarray, *, instrument: str = "", command: str | None = None
) -> np.ndarray:
    """Return ``values`` unchanged when none is an overload, not-a-number or infinite.

    Raises OverloadError naming how many readings (and the first index) overloaded.
    """
    import numpy as np

    big = np.abs(values) >= 9.0e37
    bad = ~np.isfinite(values)
    if big.any():
        first = int(np.argmax(big))
        raise OverloadError(
            f"{int(big.sum())} of {values.size} readings are overloads (first at index {first})",
            instrument=instrument,
            command=command,
            hint="select a higher range or auto range",
        )
    if bad.any():
        raise InstrumentReplyError(
            f"{int(bad.sum())} of {values.size} readings are not finite numbers",
            instrument=instrument,
            command=command,
        )
    return values


def _reject_special(value: float, instrument: str, command: str | None, text: str) -> None:
    if -9.0e37 < value < 9.0e37:
        return  # an ordinary reading: the common case, decided with one comparison
    if math.isclose(abs(value), OVERLOAD, rel_tol=5e-4):
        raise OverloadError(
            "the input is beyond the selected range (overload)",
            instrument=instrument,
            command=command,
            reply=text,
            hint="select a higher range or auto range",
        )
    if math.isclose(value, NOT_A_NUMBER, rel_tol=1e-4) or abs(value) >= 9.0e37:
        raise InstrumentReplyError(
            "the instrument has no valid result (9.91E37)",
            instrument=instrument,
            command=command,
            reply=text,
        )


class ScalarQuantity:
    """Builds ``Quantity(value, unit)`` for one fixed unit from plain floats, fast.

    A reading's hot path: pint's constructor re-checks the unit and the magnitude on
    every call (about half the driver's cost per reading). This one resolves the unit
    once and fills a new Quantity of the one registry directly; at construction it
    checks that the result equals what pint's constructor gives, and falls back to the
    constructor if a pint version ever stores quantities differently.
    """

    def __init__(self, unit: str | pint.Unit) -> None:
        from metrolab.units import Quantity

        self._cls: Any = Quantity
        reference = Quantity(1.5, unit)
        self.units = reference.units
        self._container = reference._units
        probe = self._fast(1.5)
        fits = type(probe) is type(reference) and probe.to_tuple() == reference.to_tuple()
        #: the builder in use: ``build(value) -> Quantity``
        self.build: Callable[[float], pint.Quantity] = (
            self._fast if fits else lambda value: Quantity(value, unit)
        )

    def _fast(self, value: float) -> pint.Quantity:
        quantity = object.__new__(self._cls)
        quantity._magnitude = value
        quantity._units = self._container
        return quantity

    def __call__(self, value: float) -> pint.Quantity:
        """Return ``value`` (a float) as a Quantity in this unit."""
        return self.build(value)
