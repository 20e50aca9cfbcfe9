"""Turning reply text into numbers, with SCPI's special values made explicit.

``±9.9E37`` means overload and ``9.91E37`` means "not a number"; neither is ever
returned as a reading.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from metrolab.instrument.errors import InstrumentReplyError, OverloadError

if TYPE_CHECKING:
    import numpy as np

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
