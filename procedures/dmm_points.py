"""The test points of a DMM verification, as data: which points, their limits and TURs.

:func:`point_table` builds the table for one DMM profile against one calibrator profile:

1. Candidates. A point table file in ``point_tables/<dut profile>.toml`` (the
   manufacturer's own verification table, e.g. the 34401A Service Guide's) when there is
   one, otherwise derived from the rows of the DUT's specification table, as the
   manufacturers' verification tables are built: a zero point on every DC voltage, DC
   current and 4-wire resistance range (zero offset), then on every range 10 % and 100 %
   of range (gain), -100 % on DC voltage, AC at 1 kHz.
2. Coverage. A candidate is left out, with the reason, when the DUT's specification does
   not hold a limit for it, or the calibrator cannot source it (no such output, above its
   top range, frequency outside its band) or its specification does not cover it.
3. Limits and TUR. Each point kept has the DUT tolerance T (plus the 2-wire lead
   allowance) and the test uncertainty ratio TUR = T / U expected before the run, U the
   expanded uncertainty (k = 2) of the budget's terms known in advance: calibrator
   specification (rectangular), half the resolution (rectangular), thermal EMF on DC
   voltage (rectangular). The readings' scatter is known only after the run, so the TUR in
   the record is a little lower.

Specifications come from the profiles' ``specification(interval)`` methods only.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pint
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.fluke.cal_profile import CalibratorProfile

from metrolab.errors import UserInputError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec
from metrolab.runner.procedure import TestPoint
from metrolab.units import Quantity

#: the folder of point table files, one per DUT profile (``keysight-34401a.toml``)
TABLES = Path(__file__).parent / "point_tables"
#: frequency of the AC points derived from a specification table (Hz)
AC_FREQUENCY_HZ = 1000.0
#: the gain point of a range that reads nothing above full scale (an overload otherwise
#: follows the calibrator's own error), as the 34401A guide tests its 3 A range at 2 A
FULL_SCALE_WITHOUT_OVER_RANGE = 0.9
#: over-range (fraction of range) below which a range counts as without over-range
_MIN_OVER_RANGE = 0.001
#: coverage factor of the expanded uncertainty behind the TUR before the run
K = 2.0

CONNECTIONS = {
    "short": "calibrator NORMAL HI/LO and SENSE HI/LO to DMM Input and Sense HI/LO (4-wire), "
             "calibrator at zero as the short",
    "volts": "calibrator NORMAL HI/LO to DMM Input HI/LO",
    "amps": "calibrator AUX HI/LO to DMM current input I and LO",
    "ohms-2-wire": "calibrator NORMAL HI/LO to DMM Input HI/LO (2-wire)",
    "ohms-4-wire": "calibrator NORMAL and SENSE to DMM Input and Sense (4-wire)",
}
_GAIN_CONNECTION = {Function.DCV: "volts", Function.ACV: "volts", Function.DCI: "amps",
                    Function.ACI: "amps", Function.RES2: "ohms-2-wire",
                    Function.RES4: "ohms-4-wire"}
_STEPS = {Function.DCV: "DC voltage gain", Function.DCI: "DC current gain",
          Function.RES2: "2-wire resistance gain", Function.RES4: "4-wire resistance gain",
          Function.ACV: "AC voltage gain", Function.ACI: "AC current gain"}
#: zero points (input shorted or open) on every range of these, in this order
_ZERO_FUNCTIONS = (Function.DCV, Function.RES4, Function.DCI)
#: gain points in this order
_GAIN_FUNCTIONS = (Function.DCV, Function.DCI, Function.RES2, Function.RES4, Function.ACV,
                   Function.ACI)
_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u"),
             (1e-9, "n"))


@dataclass(frozen=True, slots=True)
class Method:
    """How the points are measured and what their budgets hold besides the specifications."""

    #: integration time of every DC reading (power-line cycles)
    nplc: float = 10.0
    #: half-width of the thermal-EMF term in DC voltage budgets (V)
    thermal_emf_v: float = 1e-6
    #: added to 2-wire resistance limits measured without Math Null (Ω)
    res2_lead_allowance_ohm: float = 0.2
    #: the specification interval of DUT and calibrator
    interval: str = "1-year"


@dataclass(frozen=True, slots=True)
class PointLimits:
    """What a point is judged against, known before the run (all in the function's unit)."""

    #: the DUT tolerance half-width T (the 2-wire lead allowance included)
    tolerance: pint.Quantity
    #: the calibrator's specification half-width at the nominal value
    calibrator: pint.Quantity
    #: U (k = 2) of the budget's terms known in advance
    expanded: pint.Quantity
    #: T / U
    tur: float


@dataclass(frozen=True, slots=True)
class PlannedPoint:
    """A point the calibrator can source and both specifications cover, with its limits."""

    point: TestPoint
    limits: PointLimits


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A candidate point that is not measured, and why (one sentence)."""

    point: TestPoint
    reason: str


@dataclass(frozen=True, slots=True)
class PointTable:
    """The points of one DUT profile against one calibrator profile."""

    dut: DmmProfile
    calibrator: CalibratorProfile
    planned: tuple[PlannedPoint, ...]
    left_out: tuple[LeftOut, ...]
    #: where the candidates came from (a point table file, or the DUT's spec file)
    source: str

    @property
    def points(self) -> tuple[TestPoint, ...]:
        """Return the points measured, in order."""
        return tuple(p.point for p in self.planned)

    def planned_point(self, point_id: str) -> PlannedPoint:
        """Return the planned point ``point_id``; KeyError when it is not measured."""
        for planned in self.planned:
            if planned.point.point_id == point_id:
                return planned
        raise KeyError(point_id)


def label(value: float, unit: str) -> str:
    """Return ``value`` with an SI prefix as point ids spell it: ``100mV``, ``1kohm``, ``-10V``
    (volts and amps take no multiplying prefix: ``1000V``, as the service guides print it)."""
    if value == 0:
        return f"0{unit}"
    magnitude = abs(value)
    prefixes = _PREFIXES if unit in ("ohm", "Hz") else _PREFIXES[3:]
    factor, prefix = next(((f, p) for f, p in prefixes if magnitude >= f * (1 - 1e-9)),
                          prefixes[-1])
    return f"{value / factor:.6g}{prefix}{unit}"


def make_point(function: Function, nominal: float, range_value: float,
               frequency: float | None = None, *, point_id: str = "", step: str = "",
               connection: str = "") -> TestPoint:
    """Return one test point (base units V, A, Ω, Hz); the id, step and connection follow
    the naming of the manufacturers' tables unless given: ``ZERO-DCV-10V``, ``DCV-10V``,
    ``DCV--10V``, ``DCV-1V-on-10V`` (10 % of range), ``ACV-1V-1kHz``."""
    unit = function.unit
    zero = nominal == 0
    if not point_id:
        if zero:
            point_id = f"ZERO-{function.name}-{label(range_value, unit)}"
        else:
            point_id = f"{function.name}-{label(nominal, unit)}"
            if not math.isclose(abs(nominal), range_value, rel_tol=1e-9):
                point_id += f"-on-{label(range_value, unit)}"
        if frequency is not None:
            point_id += f"-{label(frequency, 'Hz')}"
    if not connection:
        connection = "amps" if zero and function is Function.DCI else \
            "short" if zero else _GAIN_CONNECTION[function]
    if connection not in CONNECTIONS:
        raise UserInputError(f"test point {point_id}: connection {connection!r} is not one of "
                             f"{', '.join(CONNECTIONS)}")
    return TestPoint(point_id, step or ("zero offset" if zero else _STEPS[function]),
                     function.name, Quantity(nominal, unit), Quantity(range_value, unit),
                     None if frequency is None else Quantity(frequency, "Hz"),
                     connection=CONNECTIONS[connection], connection_key=connection)


def derived_candidates(dut: DmmProfile, spec: AccuracySpec) -> list[TestPoint]:
    """Return the candidate points derived from the rows of ``spec`` on the ranges of ``dut``:
    zeros, then 10 % and 100 % of every range (and -100 % on DC voltage), AC at 1 kHz; 90 %
    instead of 100 % on a range that reads nothing above full scale."""
    ranges = {f: [r for r in spec.ranges(f) if _held(r, dut.ranges.get(f, ()))]
              for f in Function}
    points = [make_point(f, 0.0, r) for f in _ZERO_FUNCTIONS for r in ranges[f]]
    for function in _GAIN_FUNCTIONS:
        frequency = AC_FREQUENCY_HZ if function.is_ac else None
        for rng in ranges[function]:
            top = rng if dut.over_range_limit(function, rng) > rng * (1 + _MIN_OVER_RANGE) \
                else FULL_SCALE_WITHOUT_OVER_RANGE * rng
            values = [0.1 * rng, top] + ([-top] if function is Function.DCV else [])
            points += [make_point(function, v, rng, frequency) for v in values]
    return points


def table_candidates(path: Path) -> list[TestPoint]:
    """Return the candidate points of point table file ``path``: ``[[point]]`` tables with
    ``function``, ``nominal`` and ``range`` (base units), optional ``frequency`` (Hz),
    ``id``, ``step`` and ``connection`` (a key of :data:`CONNECTIONS`).

    Raises UserInputError naming the file and the point that is malformed.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserInputError(f"point table {path}: cannot read it ({exc})") from exc
    rows = data.get("point")
    if not isinstance(rows, list) or not rows:
        raise UserInputError(f"point table {path}: needs [[point]] tables")
    points = []
    for number, row in enumerate(rows, 1):
        try:
            points.append(make_point(
                Function.parse(str(row["function"])), _number(row["nominal"]),
                _number(row["range"]),
                None if row.get("frequency") is None else _number(row["frequency"]),
                point_id=str(row.get("id", "")), step=str(row.get("step", "")),
                connection=str(row.get("connection", ""))))
        except (KeyError, TypeError, ValueError, UserInputError) as exc:
            raise UserInputError(f"point table {path}, point {number}: {exc} (each needs "
                                 "function, nominal and range)") from None
    ids = [p.point_id for p in points]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise UserInputError(f"point table {path}: repeated ids {', '.join(repeated)}")
    return points


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def point_table(dut: DmmProfile, calibrator: CalibratorProfile, method: Method = Method()
                ) -> PointTable:
    """Return the points of ``dut`` against ``calibrator``: planned with limits and TUR, or
    left out with the reason (see the module docstring)."""
    dut_spec = dut.specification(method.interval)
    file = TABLES / f"{dut.name}.toml"
    if file.is_file():
        candidates, source = table_candidates(file), f"point table {file.name}"
    else:
        candidates = derived_candidates(dut, dut_spec)
        source = f"derived from the {dut.model} specification {dut.spec_file.name}"
    try:
        cal_spec: AccuracySpec | None = calibrator.specification(method.interval)
        no_spec = ""
    except UserInputError as exc:
        cal_spec, no_spec = None, str(exc)
    planned: list[PlannedPoint] = []
    left_out: list[LeftOut] = []
    for point in candidates:
        reason = _uncovered(point, dut, dut_spec, calibrator) or _leads_overload(point, dut,
                                                                                method)
        if not reason and cal_spec is None:
            reason = no_spec
        if reason:
            left_out.append(LeftOut(point, reason))
            continue
        assert cal_spec is not None
        try:
            planned.append(PlannedPoint(point, limits(point, dut, dut_spec, cal_spec, method)))
        except SpecificationUnavailable:
            left_out.append(LeftOut(point, f"the {calibrator.model} {method.interval} "
                                           f"specification does not cover {_what(point)}"))
    return PointTable(dut, calibrator, tuple(planned), tuple(left_out), source)


def _uncovered(point: TestPoint, dut: DmmProfile, spec: AccuracySpec,
               calibrator: CalibratorProfile) -> str:
    """Return why ``point`` cannot be measured with these profiles ("" when it can)."""
    function = Function[point.function]
    assert point.range is not None
    value = float(point.nominal.to(function.unit).magnitude)
    span = float(point.range.to(function.unit).magnitude)
    frequency = _hz(point)
    if not _held(span, dut.ranges.get(function, ())):
        return f"the {dut.model} has no {label(span, function.unit)} {function.name} range"
    try:
        spec.row(function, span, frequency, value=value)
    except SpecificationUnavailable:
        return f"the {dut.model} specification ({spec.interval}) does not cover {_what(point)}"
    if function not in calibrator.functions:
        return (f"the {calibrator.model} cannot source {function.name} (it sources "
                f"{', '.join(f.name for f in calibrator.functions)})")
    top = max(calibrator.ranges_of(function))
    if abs(value) > top * (1 + 1e-9):
        return (f"the {calibrator.model} cannot source it: its {function.name} output "
                f"reaches {label(top, function.unit)}")
    band = calibrator.frequency_band(function)
    if frequency is not None and band is not None and not band[0] <= frequency <= band[1]:
        return (f"the {calibrator.model} cannot source it at {label(frequency, 'Hz')}: its "
                f"{function.name} band is {label(band[0], 'Hz')} to {label(band[1], 'Hz')}")
    return ""


def _leads_overload(point: TestPoint, dut: DmmProfile, method: Method) -> str:
    """Return why a 2-wire point would overload its range once the leads are added ("" when
    it would not): the value plus the lead allowance within 1 % of the top of what the
    range reads (noise and the calibrator's own error then overload it)."""
    if point.function != Function.RES2.name or point.range is None:
        return ""
    value = float(point.nominal.to("ohm").magnitude) + method.res2_lead_allowance_ohm
    span = float(point.range.to("ohm").magnitude)
    if value < 0.99 * dut.over_range_limit(Function.RES2, span):
        return ""
    return (f"with the 2-wire leads (+{method.res2_lead_allowance_ohm:g} ohm) it would overload "
            f"the {label(span, 'ohm')} range of the {dut.model}")


def _what(point: TestPoint) -> str:
    """Return ``DCV 10 V on the 10 V range at 1 kHz`` for ``point``."""
    function = Function[point.function]
    assert point.range is not None
    text = (f"{function.name} {label(float(point.nominal.to(function.unit).magnitude), '')} "
            f"{function.unit} on the {label(float(point.range.to(function.unit).magnitude), '')}"
            f" {function.unit} range")
    frequency = _hz(point)
    return text if frequency is None else f"{text} at {label(frequency, 'Hz')}"


def _held(value: float, ranges: tuple[float, ...]) -> bool:
    return any(math.isclose(value, r, rel_tol=1e-9) for r in ranges)


def _hz(point: TestPoint) -> float | None:
    return None if point.frequency is None else float(point.frequency.to("Hz").magnitude)


def dut_limit(point: TestPoint, spec: AccuracySpec, method: Method) -> pint.Quantity:
    """Return the DUT tolerance half-width of ``point`` in its function's unit (the 2-wire
    lead allowance added on RES2). Raises SpecificationUnavailable when not specified."""
    function = Function[point.function]
    limit = spec.tolerance(function, point.range, point.nominal, point.frequency)
    limit = limit.to(function.unit)
    if function is Function.RES2:
        limit = limit + Quantity(method.res2_lead_allowance_ohm, "ohm")
    return limit


def limits(point: TestPoint, dut: DmmProfile, dut_spec: AccuracySpec, cal_spec: AccuracySpec,
           method: Method) -> PointLimits:
    """Return T, the calibrator's half-width, U (k = 2) of the terms known before the run and
    TUR = T / U for ``point``. Raises SpecificationUnavailable when a spec lacks the point."""
    function = Function[point.function]
    unit = function.unit
    tolerance = dut_limit(point, dut_spec, method)
    calibrator = cal_spec.tolerance(function, None, point.nominal, point.frequency).to(unit)
    assert point.range is not None
    resolution = dut.resolution(function, float(point.range.to(unit).magnitude), method.nplc)
    halves = [float(calibrator.magnitude), resolution / 2]
    if function is Function.DCV:
        halves.append(method.thermal_emf_v)
    expanded = K * math.sqrt(sum(h * h for h in halves) / 3.0)
    return PointLimits(tolerance, calibrator, Quantity(expanded, unit),
                       float(tolerance.magnitude) / expanded)

