"""Published accuracy specifications of the Fluke 5522A multi-product calibrator, as data.

Each row is one output range of one function: ``±(ppm of output + floor)``, valid for
tcal ± 5 °C, 1 year after calibration (``SPEC_1_YEAR``) or 90 days (``SPEC_90_DAY``, DC
voltage only). Sources, by row:

* ``[P]`` 5522A Operators Manual, Table 7-3 "Verification Tests for DC Voltage (Normal)":
  its limits are the output ± the 90-day specification, and ``SPEC_90_DAY`` reproduces
  every one of them (the tests check this).
* ``[U]`` 5522A Extended Specifications, transcribed from recollection because the table
  was not available here. Every 1-year row carries this tag and ``verified=False``; check it
  against the datasheet before using the numbers in an accredited uncertainty budget.

Values are in the function's base unit (V, A, Ω) and frequencies in Hz.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pint

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.units import Quantity, ureg

_MANUAL = "[P] 5522A Operators Manual Table 7-3 (90-day limits)"
_RECALLED = "[U] 5522A Extended Specifications (recollection, check the datasheet)"


@dataclass(frozen=True, slots=True)
class CalibratorSpecRow:
    """One range of one function: tolerance = ppm_of_output * |value| / 1e6 + floor."""

    function: Function
    range_max: float
    ppm_of_output: float
    floor: float
    source: str
    verified: bool
    frequency_band: tuple[float, float] | None = None

    def covers(self, magnitude: float, frequency: float | None) -> bool:
        """Return True when ``magnitude`` (base unit) and ``frequency`` (Hz) lie in this row."""
        if magnitude > self.range_max * (1 + 1e-12):
            return False
        if self.frequency_band is None:
            return True
        if frequency is None:
            return False
        low, high = self.frequency_band
        return low <= frequency <= high

    def half_width(self, magnitude: float) -> float:
        """Return the half-width of the accuracy interval at ``magnitude``, in the base unit."""
        return self.ppm_of_output * 1e-6 * abs(magnitude) + self.floor


def _dc(function: Function, table: Sequence[tuple[float, float, float]], source: str,
        verified: bool) -> list[CalibratorSpecRow]:
    return [CalibratorSpecRow(function, top, ppm, floor, source, verified)
            for top, ppm, floor in table]


def _ac(function: Function, table: Sequence[tuple[float, float, float, tuple[float, float]]],
        source: str) -> list[CalibratorSpecRow]:
    return [CalibratorSpecRow(function, top, ppm, floor, source, False, band)
            for top, ppm, floor, band in table]


_RESISTANCE_1Y = [
    (10.9999, 40, 0.001), (32.9999, 30, 0.0015), (109.9999, 28, 0.0014),
    (329.9999, 28, 0.002), (1.099999e3, 28, 0.002), (3.299999e3, 28, 0.02),
    (10.99999e3, 28, 0.02), (32.99999e3, 28, 0.2), (109.9999e3, 28, 0.2),
    (329.9999e3, 32, 2.0), (1.099999e6, 32, 2.0), (3.299999e6, 60, 30.0),
    (10.99999e6, 130, 50.0), (32.99999e6, 250, 2500.0), (109.9999e6, 500, 3000.0),
    (329.9999e6, 3000, 1e5), (1100e6, 15000, 5e5),
]

#: 90-day DC-voltage rows, checked against the manual's verification limits
SPEC_90_DAY: tuple[CalibratorSpecRow, ...] = tuple(_dc(Function.DCV, [
    (329.9999e-3, 15, 1e-6), (3.299999, 9, 2e-6), (32.99999, 10, 20e-6),
    (329.9999, 15, 150e-6), (1020.0, 15, 1.5e-3),
], _MANUAL, True))

#: 1-year rows for every function the driver can source
SPEC_1_YEAR: tuple[CalibratorSpecRow, ...] = tuple(
    _dc(Function.DCV, [
        (329.9999e-3, 20, 1e-6), (3.299999, 11, 2e-6), (32.99999, 12, 20e-6),
        (329.9999, 18, 150e-6), (1020.0, 18, 1.5e-3),
    ], _RECALLED, False)
    + _dc(Function.DCI, [
        (329.999e-6, 150, 0.02e-6), (3.29999e-3, 100, 0.05e-6), (32.9999e-3, 100, 0.25e-6),
        (329.999e-3, 100, 2.5e-6), (1.09999, 200, 40e-6), (2.99999, 380, 40e-6),
        (10.9999, 500, 500e-6), (20.5, 1000, 750e-6),
    ], _RECALLED, False)
    + _dc(Function.RES2, _RESISTANCE_1Y, _RECALLED, False)
    + _dc(Function.RES4, _RESISTANCE_1Y, _RECALLED, False)
    + _ac(Function.ACV, [
        (32.999e-3, 1500, 6e-6, (45.0, 10e3)), (329.999e-3, 500, 8e-6, (45.0, 10e3)),
        (3.29999, 250, 60e-6, (45.0, 10e3)), (32.9999, 300, 600e-6, (45.0, 10e3)),
        (329.999, 300, 2e-3, (45.0, 1e3)), (1020.0, 400, 6e-3, (45.0, 1e3)),
    ], _RECALLED)
    + _ac(Function.ACI, [
        (329.99e-6, 1500, 0.2e-6, (45.0, 1e3)), (3.2999e-3, 1000, 0.3e-6, (45.0, 1e3)),
        (32.999e-3, 800, 3e-6, (45.0, 1e3)), (329.99e-3, 800, 30e-6, (45.0, 1e3)),
        (2.99999, 800, 100e-6, (45.0, 1e3)), (10.9999, 1000, 2e-3, (45.0, 100.0)),
        (20.5, 1500, 5e-3, (45.0, 100.0)),
    ], _RECALLED)
)


class CalibratorSpecification:
    """Accuracy lookups over a table of :class:`CalibratorSpecRow` (one calibration interval)."""

    def __init__(self, rows: tuple[CalibratorSpecRow, ...], interval: str) -> None:
        self.rows = rows
        self.interval = interval

    def ranges(self, function: Function) -> list[pint.Quantity]:
        """Return the output ranges of ``function`` (full-scale values, ascending)."""
        tops = sorted({row.range_max for row in self.rows if row.function is function})
        return [Quantity(top, function.unit) for top in tops]

    def find_row(self, function: Function, range: pint.Quantity | None, value: pint.Quantity,
                 frequency: pint.Quantity | None = None) -> CalibratorSpecRow | None:
        """Return the row that specifies ``value`` at ``frequency`` on ``range``, or None.

        ``range`` None means the range the calibrator selects itself (the smallest that
        holds the value).
        """
        unit = function.unit
        magnitude = abs(_magnitude(value, unit, "value"))
        hertz = None if frequency is None else _magnitude(frequency, "Hz", "frequency")
        top = None if range is None else _magnitude(range, unit, "range")
        for row in sorted(self.rows, key=lambda r: r.range_max):
            if row.function is not function:
                continue
            if top is not None and not math.isclose(row.range_max, top, rel_tol=1e-6):
                continue
            if row.covers(magnitude, hertz):
                return row
        return None

    def row(self, function: Function, range: pint.Quantity | None, value: pint.Quantity,
            frequency: pint.Quantity | None = None) -> CalibratorSpecRow:
        """Return the row that specifies ``value``; :class:`SpecificationUnavailable` if none."""
        found = self.find_row(function, range, value, frequency)
        if found is not None:
            return found
        where = "auto range" if range is None else f"range {range:~P}"
        at = "" if frequency is None else f" at {frequency:~P}"
        ranges = ", ".join(f"{r:~P}" for r in self.ranges(function)) or "none"
        raise SpecificationUnavailable(
            f"5522A {self.interval} specification has no row for {function.name} "
            f"{value:~P}{at} on {where}; its ranges are: {ranges}"
        )

    def tolerance(self, function: Function, range: pint.Quantity | None, value: pint.Quantity,
                  frequency: pint.Quantity | None = None) -> pint.Quantity:
        """Return the half-width of the accuracy interval, in the unit of ``value``."""
        unit = function.unit
        row = self.row(function, range, value, frequency)
        half_width = Quantity(row.half_width(_magnitude(value, unit, "value")), unit)
        return half_width.to(value.units)


def _magnitude(quantity: pint.Quantity, unit: str, what: str) -> float:
    if not isinstance(quantity, pint.Quantity):
        raise UserInputError(f"5522A specification: {what} {quantity!r} needs a unit ({unit})")
    if not quantity.is_compatible_with(ureg(unit)):
        raise UserInputError(
            f"5522A specification: {what} {quantity:~P} is not compatible with {unit}"
        )
    return float(quantity.to(unit).magnitude)


#: the 1-year specification, what procedures use for the reference standard
SPEC = CalibratorSpecification(SPEC_1_YEAR, "1-year")
#: the 90-day DC-voltage specification, as printed in the manual's verification table
SPEC_90 = CalibratorSpecification(SPEC_90_DAY, "90-day")
