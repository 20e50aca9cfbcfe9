"""The plan of a simulated fleet: which item was calibrated when, against which standard.

A fleet is a laboratory's two years of DMM verifications, simulated: several item
models, each item calibrated about once a year; K calibrators (the standards), each
recalibrated every 360 days and valid for 365, so the certificates of one standard
overlap by a few days and several standards are valid at any time; a run picks a valid
one. Decision rules, review states, amendments and a few records from older procedure
versions (a model kept only as Python source, a budget whose standard input has
another name) and runs evaluated by Monte Carlo are drawn as a lab would have them.
Everything follows from the seed.

The specification numbers are illustrative round numbers in the style of 6½-digit
DMM and multi-product calibrator data sheets, not any maker's published figures; every
record says it is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

#: first day of the simulated fleet and how long it runs
START = date(2024, 7, 1)
SPAN_DAYS = 730
#: a standard is recalibrated every INTERVAL days; each certificate is valid VALID days
INTERVAL_DAYS = 360
VALID_DAYS = 365
#: the procedures of the fleet: current (equations), current evaluated by Monte Carlo
#: (JCGM 101), older (Python function), oldest (the standard's budget input not named
#: after the instrument)
PROCEDURE = "dmm-dc-verification"
VERSION_CURRENT, VERSION_FUNCTION, VERSION_RENAMED = "2.1", "1.4", "0.9"
VERSION_MONTE_CARLO = "2.1-mc"


@dataclass(frozen=True, slots=True)
class ItemModel:
    """A DMM model: maker, model and its 1-year DC specification as (ppm of reading,
    ppm of range) per function and range (illustrative numbers)."""

    manufacturer: str
    model: str
    dcv: tuple[tuple[float, float, float], ...]  # (range V, ppm reading, ppm range)
    res4_10k: tuple[float, float]


MODELS = (
    ItemModel("Keysight Technologies", "34401A",
              ((1.0, 40, 7), (10.0, 35, 5), (100.0, 45, 6)), (100, 10)),
    ItemModel("Keysight Technologies", "34461A",
              ((1.0, 40, 7), (10.0, 35, 5), (100.0, 45, 6)), (100, 10)),
    ItemModel("Keysight Technologies", "34465A",
              ((1.0, 30, 7), (10.0, 30, 5), (100.0, 40, 6)), (80, 8)),
    ItemModel("Fluke", "8846A", ((1.0, 35, 7), (10.0, 30, 7), (100.0, 45, 7)), (100, 10)),
)

#: the points of a verification: (point id, function, nominal, unit, range)
POINTS = (
    ("DCV-1V", "DCV", 1.0, "V", 1.0),
    ("DCV-10V", "DCV", 10.0, "V", 10.0),
    ("DCV--10V", "DCV", -10.0, "V", 10.0),
    ("DCV-100V", "DCV", 100.0, "V", 100.0),
    ("RES4-10kohm", "RES4", 1.0e4, "ohm", 1.0e4),
)


def calibrator_half_width(function: str, nominal: float) -> float:
    """Return the calibrator's specification half-width at ``nominal`` (V or ohm;
    illustrative: 12 ppm + 2 µV for DC volts, 28 ppm for resistance)."""
    if function == "DCV":
        return 12e-6 * abs(nominal) + 2e-6
    return 28e-6 * abs(nominal)


def tolerance(model: ItemModel, function: str, nominal: float, span: float) -> float:
    """Return the item's 1-year tolerance at ``nominal`` on range ``span`` (V or ohm)."""
    if function == "RES4":
        reading, of_range = model.res4_10k
    else:
        reading, of_range = next((r, g) for s, r, g in model.dcv if s == span)
    return (reading * abs(nominal) + of_range * span) * 1e-6


def resolution(function: str, span: float) -> float:
    """Return the item's resolution on ``span`` at 6½ digits (V or ohm)."""
    return span * 1e-6 if function == "DCV" else span * 1e-5


@dataclass(frozen=True, slots=True)
class FleetMix:
    """How often the unusual happens, as fractions of the records: a run of the older
    procedure version whose model was a Python function (re-evaluated first-order), of
    the oldest whose budget names the standard's input ``reference`` (not
    re-evaluable), a run whose budgets are Monte Carlo evaluations (re-evaluated by
    Monte Carlo), an aborted run, an approved record later amended; and the shares of
    the guarded and non-binary decision rules (the rest: simple acceptance)."""

    function_model: float = 0.04
    renamed_input: float = 0.02
    monte_carlo: float = 0.05
    aborted: float = 0.02
    amended: float = 0.03
    guarded: float = 0.10
    nonbinary: float = 0.10


@dataclass(frozen=True, slots=True)
class Calibration:
    """One calibration of a standard: its certificate and when it was valid."""

    certificate_id: str
    calibration_date: date
    due_date: date


@dataclass(frozen=True, slots=True)
class StandardPlan:
    """A calibrator of the fleet and its calibration history, oldest first."""

    register_id: str
    serial: str
    calibrations: tuple[Calibration, ...]

    def valid_on(self, day: date) -> Calibration | None:
        """Return the newest calibration valid on ``day`` (None: none was)."""
        valid = [c for c in self.calibrations if c.calibration_date <= day <= c.due_date]
        return valid[-1] if valid else None


@dataclass(frozen=True, slots=True)
class PointPlan:
    """A point of a planned record: its true DUT error (same unit as the nominal)."""

    point_id: str
    function: str
    nominal: float
    unit: str
    span: float
    true_error: float


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """One planned record: identity, when, which standard (and its calibration), the
    points, rule, version of the procedure, and what happens after sealing (review
    state ``draft``/``reviewed``/``approved``, an amendment, an aborted run)."""

    record_id: str
    directory: str
    started: datetime
    model: int
    serial: str
    asset: str
    customer: str
    standard: int
    calibration: Calibration
    points: tuple[PointPlan, ...]
    rule: str
    version: str
    review: str
    amend: bool
    aborted: bool
    noise_seed: int


@dataclass(frozen=True)
class FleetPlan:
    """The whole simulated fleet: standards, records (by directory), seed."""

    seed: int
    standards: tuple[StandardPlan, ...]
    records: tuple[RecordPlan, ...]

    def directories(self) -> dict[str, list[RecordPlan]]:
        """Return the records grouped by their directory (``YYYY-MM``), in date order."""
        groups: dict[str, list[RecordPlan]] = {}
        for record in self.records:
            groups.setdefault(record.directory, []).append(record)
        return groups


def _standards(count: int, rng: np.random.Generator) -> tuple[StandardPlan, ...]:
    standards = []
    for n in range(count):
        serial = str(1972901 + n)
        first = START - timedelta(days=int(rng.integers(0, INTERVAL_DAYS)))
        calibrations = []
        day = first
        while day <= START + timedelta(days=SPAN_DAYS):
            calibrations.append(Calibration(f"CERT-{serial}-{day:%Y%m%d}", day,
                                            day + timedelta(days=VALID_DAYS)))
            day += timedelta(days=INTERVAL_DAYS)
        standards.append(StandardPlan(f"CAL-{n + 1:02d}", serial, tuple(calibrations)))
    return tuple(standards)


def plan_fleet(count: int, *, standards: int = 3, seed: int = 0,
               mix: FleetMix | None = None) -> FleetPlan:
    """Return the plan of ``count`` records calibrated against ``standards`` calibrators.

    The same arguments always give the same plan.
    """
    mix = mix or FleetMix()
    rng = np.random.default_rng(seed)
    stds = _standards(standards, rng)
    items = max(1, math.ceil(count / 2))  # each item calibrated about twice in two years
    item_models = rng.integers(0, len(MODELS), items)
    offsets = np.sort(rng.uniform(0, SPAN_DAYS, count))
    records = []
    for number, offset in enumerate(offsets):
        started = datetime.combine(START, datetime.min.time(), tzinfo=UTC) + timedelta(
            days=float(offset), hours=8)
        day = started.date()
        valid = [(i, s.valid_on(day)) for i, s in enumerate(stds)]
        usable = [(i, c) for i, c in valid if c is not None]
        index, calibration = usable[int(rng.integers(0, len(usable)))]
        item = int(rng.integers(0, items))
        model = MODELS[int(item_models[item])]
        chosen = [p for p in POINTS if rng.random() < 0.85 or p[0] == "DCV-10V"]
        points = tuple(PointPlan(pid, function, nominal, unit, span,
                                 float(rng.normal(0.0, 0.45))
                                 * tolerance(model, function, nominal, span))
                       for pid, function, nominal, unit, span in chosen)
        draw = rng.random()
        version = VERSION_FUNCTION if draw < mix.function_model else (
            VERSION_RENAMED if draw < mix.function_model + mix.renamed_input else (
                VERSION_MONTE_CARLO
                if draw < mix.function_model + mix.renamed_input + mix.monte_carlo
                else VERSION_CURRENT))
        rule_draw = rng.random()
        rule = "guarded" if rule_draw < mix.guarded else (
            "nonbinary" if rule_draw < mix.guarded + mix.nonbinary else "simple")
        review_draw = rng.random()
        aborted = rng.random() < mix.aborted
        review = "draft" if aborted else (
            "approved" if review_draw < 0.75 else ("reviewed" if review_draw < 0.88 else "draft"))
        records.append(RecordPlan(
            record_id=f"FL-{started:%Y%m}-{number + 1:05d}", directory=f"{started:%Y-%m}",
            started=started, model=int(item_models[item]), serial=f"MY{5400000 + item:07d}",
            asset=f"A-{10000 + item}", customer=f"Customer {item % 37 + 1:02d} Ltd (simulated)",
            standard=index, calibration=calibration, points=points, rule=rule,
            version=version, review=review,
            amend=review == "approved" and rng.random() < mix.amended, aborted=aborted,
            noise_seed=int(rng.integers(0, 2**31))))
    return FleetPlan(seed, stds, tuple(records))
