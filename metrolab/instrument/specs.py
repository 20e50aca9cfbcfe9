"""Published accuracy specifications held as data (one TOML file per instrument model).

A file has ``model``, ``interval``, ``conditions``, ``source`` and ``provisional`` (a
stand-in table awaiting the model's own datasheet) at the top and one
``[[spec]]`` table per function and range::

    [[spec]]
    functions = ["DCV"]
    range = 10.0            # in V, A or ohm
    reading_pct = 0.0035    # % of reading (or reading_ppm = 35: ppm of reading/output)
    range_pct = 0.0005      # % of range (optional, 0 when absent)
    floor = 20e-6           # fixed floor in V, A or ohm (optional, 0 when absent)
    frequency_min = 10      # AC rows only: the band in Hz
    frequency_max = 20000
    source = "datasheet table, page"

The tolerance is the half-width of the accuracy interval:
``|value| * reading_pct/100 + range * range_pct/100 + floor``; a calibrator's
"ppm of output + µV" is ``reading_ppm`` plus ``floor``. A top-level
``full_scale = true`` says a range's value is its full scale: a value above it is
not specified on that range. With ``range`` None, ``tolerance`` uses the smallest
range holding the value (the instrument's own choice). Two optional row keys serve
transmitters: ``range_min`` (the lowest value specified on the row, which then holds
values from ``range_min`` up to ``range``, signs kept) and ``reference`` (the reading
term is taken of ``|value - reference|``, e.g. a temperature spec widening away from
20 °C). Rows are keyed by a :class:`~metrolab.instrument.functions.Function` unless
``load`` is given another enum of measurands (with ``unit``, ``is_ac`` and ``parse``);
a temperature tolerance is a temperature difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
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

    function: Any  # a Function, or a member of the enum of measurands the table was loaded with
    range: float
    reading_pct: float
    range_pct: float
    frequency_min: float | None
    frequency_max: float | None
    source: str
    #: fixed term in the function's base unit (a calibrator's "+ µV")
    floor: float = 0.0
    #: lowest value specified on this row (None: from -range, or 0 for magnitudes)
    range_min: float | None = None
    #: the reading term is ``|value - reference|`` times ``reading_pct``
    reference: float = 0.0

    @property
    def verified(self) -> bool:
        """Return False when the row's source is tagged ``[U]`` (unverified recollection)."""
        return not self.source.startswith("[U]")

    def covers(self, frequency: float | None) -> bool:
        """Return True when this row applies at ``frequency`` Hz (None for DC rows)."""
        if self.frequency_min is None or self.frequency_max is None:
            return frequency is None or not self.function.is_ac
        return frequency is not None and self.frequency_min <= frequency <= self.frequency_max

    def half_width(self, value: float) -> float:
        """Return the tolerance in the function's base unit at reading ``value``."""
        return (
            abs(value - self.reference) * self.reading_pct / 100.0
            + self.range * self.range_pct / 100.0
            + self.floor
        )


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
    #: True when a range is its full scale: a value above it is not specified there
    full_scale: bool = False

    @classmethod
    def load(cls, path: Path, *, functions: type[Enum] = Function) -> AccuracySpec:
        """Return the specification in TOML file ``path``, rows keyed by members of
        ``functions`` (its ``parse(name)`` reads the names).

        Raises :class:`SpecFileError` naming the file and, for every problem, its line and
        what is wrong (TOML syntax, a missing or unknown key, an unknown function, a
        negative or non-finite tolerance term, a frequency band upside down).
        """
        from metrolab.instrument.spec_schema import read_table

        table = read_table(path, functions)
        return cls(
            model=table.model,
            interval=table.interval,
            conditions=table.conditions,
            source=table.source,
            rows=tuple(
                SpecRow(
                    function=function,
                    range=row.range,
                    reading_pct=row.reading_term_pct,
                    range_pct=row.range_pct,
                    frequency_min=row.frequency_min,
                    frequency_max=row.frequency_max,
                    source=row.source if row.source is not None else table.source,
                    floor=row.floor,
                    range_min=row.range_min,
                    reference=row.reference,
                )
                for row, members in zip(table.spec, table.functions_of(functions), strict=True)
                for function in members
            ),
            provisional=table.provisional,
            full_scale=table.full_scale,
        )

    def ranges(self, function: Function) -> list[float]:
        """Return the ranges (base unit) that have a specification for ``function``, sorted."""
        return sorted({row.range for row in self.rows if row.function == function})

    def row(
        self,
        function: Function,
        range_value: float | None,
        frequency: float | None = None,
        *,
        value: float | None = None,
    ) -> SpecRow:
        """Return the row for ``function`` on ``range_value`` at ``frequency`` Hz.

        ``range_value`` None picks the smallest range holding ``value`` (base unit).
        With ``full_scale``, a ``value`` above a range is not specified on it. Raises
        SpecificationUnavailable when no such row is held.
        """
        candidates = sorted(
            (
                row
                for row in self.rows
                if row.function == function
                and (range_value is None or math.isclose(row.range, range_value, rel_tol=1e-6))
            ),
            key=lambda row: row.range,
        )
        where = (
            "auto range" if range_value is None else f"the {range_value:g} {function.unit} range"
        )
        if not candidates:
            raise SpecificationUnavailable(
                f"{self.model}: no {self.interval} specification for {function.name} on "
                f"{where} (ranges held: {self._held(function)})"
            )
        for row in candidates:
            if row.covers(frequency) and self._holds(row, value, auto=range_value is None):
                return row
        at = "" if value is None else f" {value:g} {function.unit}"
        raise SpecificationUnavailable(
            f"{self.model}: no {self.interval} specification for {function.name}{at} on "
            f"{where} at frequency {frequency!r} Hz (AC specifications need the frequency "
            f"of the signal; ranges held: {self._held(function)})"
        )

    def _holds(self, row: SpecRow, value: float | None, *, auto: bool) -> bool:
        """Return True when ``value`` may be specified on ``row`` (see ``full_scale``)."""
        if value is None:
            return True
        if row.range_min is not None and value < row.range_min:
            return False
        if not (auto or self.full_scale):
            return True
        top = value if row.range_min is not None else abs(value)
        return top <= row.range * (1 + 1e-12)

    def _held(self, function: Function) -> str:
        return ", ".join(f"{r:.10g} {function.unit}" for r in self.ranges(function)) or "none"

    def tolerance(
        self,
        function: Function,
        range: Quantity | float | None,
        value: Quantity,
        frequency: Quantity | float | None = None,
    ) -> Quantity:
        """Return the half-width of the accuracy interval at ``value``, in ``value``'s unit.

        ``range`` is a Quantity (or a float in the function's base unit: V, A, ohm), or
        None for the smallest range holding the value; ``frequency`` a Quantity or float
        in Hz (AC functions only). Raises UserInputError for a value without a unit or of
        the wrong dimension.
        """
        from metrolab.units import ureg

        row, magnitude = self._locate(function, range, value, frequency)
        half = ureg.Quantity(row.half_width(magnitude), _difference(ureg(function.unit).units))
        return half.to(_difference(value.units))

    def caveat(
        self,
        function: Function,
        range: Quantity | float | None,
        value: Quantity,
        frequency: Quantity | float | None = None,
    ) -> str | None:
        """Return a one-line warning when the row behind :meth:`tolerance` (same arguments)
        is not verified against the manufacturer's table or the whole table is a
        provisional stand-in; None when the row is verified.

        The text names the table and the row's source, not the row itself, so that every
        point resting on the same unverified source gives the same caveat (a certificate
        lists it once, with the points).
        """
        row, _ = self._locate(function, range, value, frequency)
        if row.verified and not self.provisional:
            return None
        what = "provisional table" if self.provisional else "unverified data"
        return f"{self.model} {self.interval} specification, {what}: {row.source or self.source}"

    def _locate(
        self,
        function: Function,
        range: Quantity | float | None,
        value: Quantity,
        frequency: Quantity | float | None,
    ) -> tuple[SpecRow, float]:
        """Return (the row that specifies ``value``, the value in the function's base unit).

        Raises UserInputError for a value without a unit or of the wrong dimension, and
        SpecificationUnavailable when no row holds it.
        """
        from pint.errors import DimensionalityError

        from metrolab.units import ureg

        base = ureg(function.unit).units
        if not hasattr(value, "to"):
            raise UserInputError(
                f"{self.model} {function.name} tolerance: value {value!r} needs a unit "
                f"({function.unit})"
            )
        try:
            range_value = (
                None
                if range is None
                else range.to(base).magnitude if hasattr(range, "to") else float(range)
            )
            freq = (
                None
                if frequency is None
                else float(frequency.to("Hz").magnitude if hasattr(frequency, "to") else frequency)
            )
            magnitude = float(value.to(base).magnitude)
        except DimensionalityError as exc:
            raise UserInputError(
                f"{self.model} {function.name} tolerance: {exc} (range and value in "
                f"{function.unit}, frequency in Hz)"
            ) from None
        row = self.row(
            function, None if range_value is None else float(range_value), freq, value=magnitude
        )
        return row, magnitude


def temperature_difference_unit(value: Quantity) -> str:
    """Return the unit of a difference of temperatures expressed like ``value``
    (``delta_degC`` for °C, ``delta_degF`` for °F, else the unit of ``value``, e.g. K)."""
    return f"{_difference(value.units):D}"


def _difference(units: Any) -> Any:
    """Return the pint unit of a difference of two values in ``units`` (°C -> Δ°C)."""
    from metrolab.units import ureg

    if units == ureg.degC:
        return ureg.delta_degC
    if units == ureg.degF:
        return ureg.delta_degF
    return units
