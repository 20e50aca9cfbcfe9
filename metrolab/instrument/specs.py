"""Published accuracy specifications held as data (one TOML file per instrument model).

A file has ``model``, ``interval``, ``conditions``, ``source`` and ``provisional`` (a
stand-in table awaiting the model's own datasheet) at the top and one
``[[spec]]`` table per function and range::

    [[spec]]
    functions = ["DCV"]
    range = 10.0            # in V, A or ohm
    reading_pct = 0.0035    # % of reading
    range_pct = 0.0005      # % of range
    frequency_min = 10      # AC rows only: the band in Hz
    frequency_max = 20000
    source = "datasheet table, page"

The tolerance is the half-width of the accuracy interval:
``|value| * reading_pct/100 + range * range_pct/100``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function

if TYPE_CHECKING:
    from pint import Quantity


@dataclass(frozen=True)
class SpecRow:
    """One row of an accuracy table: a function, a range and maybe a frequency band."""

    function: Function
    range: float
    reading_pct: float
    range_pct: float
    frequency_min: float | None
    frequency_max: float | None
    source: str

    def covers(self, frequency: float | None) -> bool:
        """Return True when this row applies at ``frequency`` Hz (None for DC rows)."""
        if self.frequency_min is None or self.frequency_max is None:
            return frequency is None or not self.function.is_ac
        return frequency is not None and self.frequency_min <= frequency <= self.frequency_max

    def half_width(self, value: float) -> float:
        """Return the tolerance in the function's base unit at reading ``value``."""
        return abs(value) * self.reading_pct / 100.0 + self.range * self.range_pct / 100.0


@dataclass(frozen=True)
class AccuracySpec:
    """An instrument's published accuracy table for one calibration interval."""

    model: str
    interval: str
    conditions: str
    source: str
    rows: tuple[SpecRow, ...]
    #: True when the table is a documented stand-in awaiting the model's own datasheet
    provisional: bool = False

    @classmethod
    def load(cls, path: Path) -> AccuracySpec:
        """Return the specification in TOML file ``path``.

        Raises UserInputError naming the file and the entry that is malformed.
        """
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
            rows = tuple(
                SpecRow(
                    function=Function.parse(name),
                    range=float(row["range"]),
                    reading_pct=float(row["reading_pct"]),
                    range_pct=float(row["range_pct"]),
                    frequency_min=_optional(row.get("frequency_min")),
                    frequency_max=_optional(row.get("frequency_max")),
                    source=str(row.get("source", data.get("source", ""))),
                )
                for row in data["spec"]
                for name in row["functions"]
            )
            return cls(
                model=str(data["model"]),
                interval=str(data["interval"]),
                conditions=str(data.get("conditions", "")),
                source=str(data.get("source", "")),
                rows=rows,
                provisional=bool(data.get("provisional", False)),
            )
        except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise UserInputError(f"specification file {path}: cannot read it ({exc!r})") from exc

    def ranges(self, function: Function) -> list[float]:
        """Return the ranges (base unit) that have a specification for ``function``, sorted."""
        return sorted({row.range for row in self.rows if row.function == function})

    def row(self, function: Function, range_value: float, frequency: float | None) -> SpecRow:
        """Return the row for ``function`` on ``range_value`` at ``frequency`` Hz.

        Raises SpecificationUnavailable when no such row is held.
        """
        candidates = [
            row
            for row in self.rows
            if row.function == function and math.isclose(row.range, range_value, rel_tol=1e-9)
        ]
        if not candidates:
            held = ", ".join(f"{r:g}" for r in self.ranges(function)) or "none"
            raise SpecificationUnavailable(
                f"{self.model}: no {self.interval} specification for {function.name} on the "
                f"{range_value:g} {function.unit} range (ranges held: {held})"
            )
        for row in candidates:
            if row.covers(frequency):
                return row
        raise SpecificationUnavailable(
            f"{self.model}: no {self.interval} specification for {function.name} "
            f"{range_value:g} {function.unit} at frequency {frequency!r} Hz "
            "(AC specifications need the frequency of the signal)"
        )

    def tolerance(
        self,
        function: Function,
        range: Quantity | float,
        value: Quantity,
        frequency: Quantity | float | None = None,
    ) -> Quantity:
        """Return the half-width of the accuracy interval at ``value``, in ``value``'s unit.

        ``range`` is a Quantity (or a float in the function's base unit: V, A, ohm),
        ``frequency`` a Quantity or float in Hz (AC functions only).
        """
        from pint.errors import DimensionalityError

        from metrolab.units import ureg

        base = ureg(function.unit).units
        try:
            range_value = range.to(base).magnitude if hasattr(range, "to") else float(range)
            freq = (
                None
                if frequency is None
                else float(frequency.to("Hz").magnitude if hasattr(frequency, "to") else frequency)
            )
            magnitude = value.to(base).magnitude
        except DimensionalityError as exc:
            raise UserInputError(
                f"{self.model} {function.name} tolerance: {exc} (range and value in "
                f"{function.unit}, frequency in Hz)"
            ) from None
        row = self.row(function, float(range_value), freq)
        half = ureg.Quantity(row.half_width(magnitude), base)
        return half.to(value.units)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
