"""Blocks of rows: what one step of an acquisition measured, and its journal entry.

A step (one tick of a log, one setpoint of a sweep) gives ``count`` rows: each readable
read ``count`` times, the time of each row, the setpoints. The block goes to the journal
as one ``samples`` entry before anything else sees it::

    {"step": 12, "row": 60, "count": 5, "t0": 1767225600.0, "t1": 1767225600.4,
     "setpoints": {"calibrator": 2.0}, "values": {"dmm": [2.0000012, ...]}}

Values are JSON numbers for up to :data:`INLINE_VALUES` readings (a person can read the
journal of a slow log); a larger block (a DMM buffer) is the base64 text of its
little-endian float64 bytes, ``{"f8le": "..."}``: exact, and ~40 times faster to write
and read than decimal text. Row ``i`` of a block was taken at
``t0 + (t1 - t0) * i / count``: a buffer's readings are spread evenly over the time the
buffer took (``t1`` is when the last readable answered).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrolab.daq.errors import DaqFileError

#: blocks up to this many values are journalled as JSON numbers, larger ones as base64
INLINE_VALUES = 64


@dataclass(frozen=True, slots=True)
class RowBlock:
    """The rows of one step: numbers (``row`` is the first row's index), times and values.

    ``values`` maps each column to ``count`` float64 numbers in the column's unit (NaN for
    an overloaded reading); ``setpoints`` maps each axis to its value (axis unit).
    """

    step: int
    row: int
    count: int
    t0: float
    t1: float
    setpoints: Mapping[str, float]
    values: Mapping[str, np.ndarray]

    def times(self) -> np.ndarray:
        """Return the time of each row in seconds since the Unix epoch (float64)."""
        if self.count == 1:
            return np.array([self.t0])
        return self.t0 + (self.t1 - self.t0) * np.arange(self.count, dtype=np.float64) / self.count

    def entry(self) -> dict[str, Any]:
        """Return the data of this block's ``samples`` journal entry (JSON-safe)."""
        return {"step": self.step, "row": self.row, "count": self.count, "t0": self.t0,
                "t1": self.t1, "setpoints": dict(self.setpoints),
                "values": {name: _encode(array) for name, array in self.values.items()}}

    @classmethod
    def from_entry(cls, data: Mapping[str, Any], columns: tuple[str, ...]) -> RowBlock:
        """Return the block a ``samples`` entry holds, with exactly ``columns``.

        Raises :class:`DaqFileError` naming the step when the entry is malformed.
        """
        try:
            count = int(data["count"])
            values = {name: _decode(data["values"][name], count) for name in columns}
            return cls(int(data["step"]), int(data["row"]), count, float(data["t0"]),
                       float(data["t1"]), {str(k): float(v) for k, v in
                                           dict(data.get("setpoints", {})).items()}, values)
        except (KeyError, TypeError, ValueError) as exc:
            raise DaqFileError(f"samples entry of step {data.get('step', '?')} is malformed "
                               f"({type(exc).__name__}: {exc}); the journal was not written "
                               "by metrolab.daq") from None


def _encode(values: np.ndarray) -> list[float] | dict[str, str]:
    if values.size <= INLINE_VALUES:
        return [float(v) for v in values.tolist()]
    return {"f8le": base64.b64encode(values.astype("<f8", copy=False).tobytes()).decode("ascii")}


def _decode(encoded: Any, count: int) -> np.ndarray:
    if isinstance(encoded, dict):
        array = np.frombuffer(base64.b64decode(encoded["f8le"], validate=True), dtype="<f8")
    else:
        array = np.array([math.nan if v is None else v for v in encoded], dtype=np.float64)
    if array.size != count:
        raise ValueError(f"{array.size} values where the block has {count} rows")
    return array.astype(np.float64, copy=False)
