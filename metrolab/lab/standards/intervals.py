"""Recommended calibration intervals, by two published methods (docs/traceability.md).

**Control chart (calendar time)**, ILAC-G24:2022 / OIML D 10:2022 clause 6.3 (Method 2):
significant calibration points are followed over time and their drift gives the
interval. Here, per point, the drift model predicts the correction mu(t) with standard
uncertainty sigma(t); the probability that the standard is within its limit L is
R(t) = Phi((L - mu)/sigma) - Phi((-L - mu)/sigma) (normal), and the point's interval ends
on the first day R(t) falls below the reliability target (0.95 by default) -- the
reliability-target form of NCSLI RP-1's variables-data method. The standard's interval
is its shortest point's, in whole months, at most :data:`MAX_INTERVAL_DAYS`.

**Simple response**, NCSLI RP-1 (2010) Method A1, for all standards of one model: going
through their calibrations in date order, each as-found result in tolerance lengthens
the model's interval by the factor (1 + a), each out of tolerance shortens it by (1 - b).
b is set from a and the reliability target R so that the interval holds still on
average at R: R ln(1 + a) + (1 - R) ln(1 - b) = 0 (our reading of RP-1's adaptation of
A1 to reliability targets; RP-1's own formula was not available to check against).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.stats import norm

from metrolab.lab.standards.history import PointHistory
from metrolab.runner.calibrations import CalibrationPoint
from metrolab.runner.register import Standard
from metrolab.runner.standard_values import same_point
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.units import Quantity

#: reliability target (end-of-period probability of being within the limit)
RELIABILITY_TARGET = 0.95
#: longest interval recommended (10 years): beyond it the drift model is not evidence
MAX_INTERVAL_DAYS = 3653
#: days per month, for intervals in whole months
DAYS_PER_MONTH = 30.4375
#: RP-1 A1 extension factor a (an in-tolerance result lengthens the interval by 10 %)
EXTENSION = 0.10


@dataclass(frozen=True, slots=True)
class PointInterval:
    """The control-chart interval of one point: days from its latest calibration until
    its reliability falls below the target (None: the point has no usable drift model or
    no limit), the reliability at the calibration and at the standard's due date."""

    label: str
    days: int | None
    reliability_now: float | None
    reliability_at_due: float | None
    leaves_spec_on: date | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The recommended interval of one standard: control chart (months, or None with the
    reason), simple response for its model (months, or None), the limiting point, and
    whether it is predicted to leave its specification before its due date (and when)."""

    standard_id: str
    control_chart_months: int | None
    control_chart_note: str
    limiting_point: str
    simple_response_months: float | None
    simple_response_note: str
    leaves_spec_on: date | None
    before_due: bool
    points: tuple[PointInterval, ...]


def reliability(limit: float, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Return the probability that a normal N(mu, sigma) lies within ±``limit``."""
    return norm.cdf((limit - mu) / sigma) - norm.cdf((-limit - mu) / sigma)


def point_interval(history: PointHistory, due: date, target: float = RELIABILITY_TARGET
                   ) -> PointInterval:
    """Return the control-chart :class:`PointInterval` of ``history`` (days counted from
    its latest calibration date)."""
    if not history.usable or history.limit is None or history.drift is None:
        return PointInterval(history.label, None, None, None, None)
    model = history.drift
    start = model.reference
    days = np.arange(0, MAX_INTERVAL_DAYS + 1)
    mu, sigma = predicted(history, start, days)
    r = reliability(history.limit, mu, sigma)
    below = np.flatnonzero(r < target)
    first = int(below[0]) if below.size else None
    at_due = int(min(max((due - start).days, 0), MAX_INTERVAL_DAYS))
    return PointInterval(history.label, MAX_INTERVAL_DAYS if first is None else first,
                         float(r[0]), float(r[at_due]),
                         None if first is None else start + timedelta(days=first))


def predicted(history: PointHistory, start: date, days: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Return the drift model's correction and its standard uncertainty on the days
    ``start + days`` (arrays, in the point's unit; :meth:`DriftModel.predict` vectorised)."""
    model = history.drift
    assert model is not None
    a, b = (float(c) for c in model.fit.coefficients)
    offset = float((start - model.reference).days)
    t = days + offset
    cov = model.fit.covariance
    var = cov[0, 0] + 2 * t * cov[0, 1] + t * t * cov[1, 1]
    sigma = np.maximum(np.sqrt(var) * model.birge, model.u_floor)
    return a + b * t, sigma


def simple_response(standards: Sequence[Standard], histories: dict[str, list[PointHistory]],
                    target: float = RELIABILITY_TARGET, extension: float = EXTENSION
                    ) -> tuple[float | None, str]:
    """Return the RP-1 A1 interval in months for the standards of one model, and a note.

    The start is the median of their current intervals; every as-found calibration after
    a standard's first (all its points within their limits: in tolerance) moves it.
    """
    b = 1 - (1 + extension) ** (-target / (1 - target))
    intervals = [(s.due_date - s.calibration_date).days for s in standards]
    interval = float(np.median(intervals)) if intervals else math.nan
    events = []
    for standard in standards:
        own = histories.get(standard.id, [])
        for calibration in standard.calibrations[1:]:
            judged = [(p, limit) for p in calibration.points_in("as_found")
                      if (limit := _limit_of(p, own)) is not None]
            if judged:
                events.append((calibration.calibration_date,
                               all(abs(p.correction) <= limit for p, limit in judged)))
    if not events:
        return None, "no as-found results with limits after a first calibration"
    events.sort()
    for _, in_tolerance in events:
        interval *= (1 + extension) if in_tolerance else (1 - b)
    outside = sum(1 for _, ok in events if not ok)
    note = (f"{len(events)} as-found results of {len(standards)} unit(s), {outside} out of "
            f"tolerance (a = {extension:g}, b = {b:.3f})")
    return min(interval, MAX_INTERVAL_DAYS) / DAYS_PER_MONTH, note


def _limit_of(point: CalibrationPoint, histories: Sequence[PointHistory]) -> float | None:
    """Return the limit of the history that follows ``point``, converted to its unit."""
    for history in histories:
        if same_point(history.point, point) and history.limit is not None:
            return float(magnitude_and_unit(Quantity(history.limit, history.point.unit),
                                            point.pint_unit, "limit", delta=True)[0])
    return None


def recommend(standard: Standard, histories: Sequence[PointHistory],
              model_standards: Sequence[Standard],
              model_histories: dict[str, list[PointHistory]],
              target: float = RELIABILITY_TARGET) -> Recommendation:
    """Return the :class:`Recommendation` for ``standard`` (``model_standards``: every
    standard of its model in the register, itself included)."""
    points = tuple(point_interval(h, standard.due_date, target) for h in histories)
    judged = [p for p in points if p.days is not None]
    months: int | None = None
    limiting = ""
    if judged:
        worst = min(judged, key=lambda p: p.days or 0)
        months = int((worst.days or 0) // DAYS_PER_MONTH)
        limiting = worst.label
        note = f"drift of {len(judged)} point(s), reliability target {target:.0%}"
    elif not histories:
        note = "no calibration points in the register"
    elif not any(h.usable for h in histories):
        note = "fewer than 3 calibrations since the last adjustment"
    else:
        note = "no specification limit for the points with a drift model"
    leaves = min((p.leaves_spec_on for p in points if p.leaves_spec_on), default=None)
    response, response_note = simple_response(model_standards, model_histories, target)
    return Recommendation(standard.id, months, note, limiting, response, response_note,
                          leaves, leaves is not None and leaves <= standard.due_date, points)
