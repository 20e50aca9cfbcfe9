"""The state of every standard of a register on a given day: due dates, what gates a run,
where run budgets take its values from, its drift and its recommended interval."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from metrolab.lab.standards.history import PointHistory, load_specification, point_histories
from metrolab.lab.standards.intervals import Recommendation, recommend
from metrolab.runner.register import Register, Standard
from metrolab.units import Quantity

#: a standard due within this many days is announced as due soon
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class StandardStatus:
    """One standard on day ``on``: days to its due date (negative: overdue), whether a
    run may use it (``blocked``) and why (``gate``), its value route, its drift (worst
    point, as text), its point histories and its interval recommendation."""

    standard: Standard
    on: date
    days_left: int
    blocked: bool
    gate: str
    values: str
    drift: str
    histories: tuple[PointHistory, ...]
    recommendation: Recommendation


def _gate(standard: Standard, on: date) -> tuple[bool, str, int]:
    days = (standard.due_date - on).days
    if standard.is_due(on):
        return True, (f"blocked: due {standard.due_date.isoformat()} ({-days} days ago); "
                      f"a run needs --override {standard.id}=REASON"), days
    if days <= DUE_SOON_DAYS:
        return False, f"allowed; due in {days} days", days
    return False, "allowed", days


def _values(standard: Standard, histories: list[PointHistory]) -> str:
    if standard.values == "specification":
        return "specification"
    if not histories:
        return f"{standard.values} asked, no calibration points: specification used"
    if standard.values == "drift":
        usable = sum(h.usable for h in histories)
        return f"drift model ({usable} of {len(histories)} points, others certificate)"
    return f"certificate {standard.certificate_id}"


def _drift(histories: list[PointHistory]) -> str:
    """Return the drift of the point that eats its limit fastest (else the fastest)."""
    rated = [(h, *h.drift.slope_per_year) for h in histories if h.drift is not None]
    if not rated:
        return "not enough calibrations"

    def speed(item: tuple[PointHistory, float, float]) -> float:
        history, rate, _ = item
        return abs(rate) / history.limit if history.limit else abs(rate) * 1e-300

    history, rate, u_rate = max(rated, key=speed)
    unit = Quantity(1.0, history.point.unit)
    shown = unit.units
    if unit._is_multiplicative:  # an offset unit (°C) keeps its own steps
        shown = Quantity(rate or u_rate or 1.0, history.point.unit).to_compact().units
    factor = float(unit.to(shown).magnitude)
    share = f", {abs(rate) / history.limit:.0%} of limit" if history.limit else ""
    return (f"{rate * factor:+.3g} ± {u_rate * factor:.2g} {shown:~P}/yr at "
            f"{history.label}{share}")


def register_status(register: Register, on: date) -> list[StandardStatus]:
    """Return the :class:`StandardStatus` of every standard of ``register`` on day ``on``,
    in register order. Raises :class:`RegisterError` when a specification file named in
    the register cannot be loaded."""
    histories = {s.id: point_histories(s, load_specification(s, register.path))
                 for s in register.standards}
    by_model: dict[str, list[Standard]] = defaultdict(list)
    for standard in register.standards:
        by_model[standard.model.strip().casefold()].append(standard)
    rows = []
    for standard in register.standards:
        own = histories[standard.id]
        blocked, gate, days = _gate(standard, on)
        model = by_model[standard.model.strip().casefold()]
        recommendation = recommend(standard, own, model,
                                   {s.id: histories[s.id] for s in model})
        rows.append(StandardStatus(standard, on, days, blocked, gate, _values(standard, own),
                                   _drift(own), tuple(own), recommendation))
    return rows
