"""The plans of an acquisition: generators of messages that only the engine executes.

They use the runner's messages (:class:`~metrolab.runner.procedure.Do` to set an axis,
:class:`~metrolab.runner.procedure.Wait` to settle or wait for the next tick,
:class:`~metrolab.runner.procedure.Note`) and one of their own, :class:`Acquire`: read
every column ``count`` times and journal the rows. Because a plan never touches an
instrument, the engine can pause between any two messages, hold while a suspender is
out of band, and start a plan again from any step after a fault, a suspension or a crash.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrolab.clock import Clock
from metrolab.daq.binding import BoundAxis
from metrolab.runner.procedure import Do, Note, Wait


@dataclass(frozen=True, slots=True)
class Acquire:
    """Read every column ``count`` times at ``setpoints`` (axis -> value) as step ``step``."""

    step: int
    setpoints: Mapping[str, float]
    count: int


DaqMessage = Do | Wait | Note | Acquire
DaqPlan = Generator[DaqMessage, Any, None]


def log_plan(clock: Clock, started_at: float, every_s: float, duration_s: float | None,
             readings: int, first_step: int, steps: int | None = None) -> DaqPlan:
    """Acquire ``readings`` rows at ``started_at + k * every_s`` for k from ``first_step``,
    until ``duration_s`` after the start or tick ``steps`` (None: no such limit).

    A tick already past by a whole interval (readings slower than ``every_s``, a pause,
    a crash) is skipped, with a note saying how many were: the rows' own times show when
    each reading was taken. With ``every_s`` 0 the readings follow one another at once.
    """
    end = None if duration_s is None else started_at + duration_s
    step = first_step
    warned = False
    while True:
        now = clock.now()
        due = started_at + step * every_s
        if every_s > 0 and now - due >= every_s:
            late = math.floor((now - started_at) / every_s)
            if not warned:
                yield Note(f"{late - step} tick(s) skipped: a reading, a pause or a restart "
                           f"took longer than the {every_s:g} s interval", {"skipped": late - step})
                warned = True
            step, due = late, started_at + late * every_s
        if (end is not None and (due >= end or now >= end)) or \
                (steps is not None and step >= steps):
            return
        if due > now:
            yield Wait(due - now, "until the next reading")
        yield Acquire(step, {}, readings)
        step += 1


def sweep_steps(axes: Sequence[BoundAxis]) -> int:
    """Return how many setpoint combinations the nested ``axes`` have."""
    return int(np.prod([axis.values.size for axis in axes]))


def sweep_plan(axes: Sequence[BoundAxis], readings: int, first_step: int) -> DaqPlan:
    """Set the nested ``axes`` (first outermost) to each combination from ``first_step``, wait
    for the longest settle time of the axes that changed, and acquire ``readings`` rows.

    The first step of a plan sets every axis (after a restart nothing is assumed).
    """
    shape = tuple(axis.values.size for axis in axes)
    previous: tuple[int, ...] | None = None
    for step in range(first_step, sweep_steps(axes)):
        index = tuple(int(i) for i in np.unravel_index(step, shape))
        settle = 0.0
        for k, axis in enumerate(axes):
            if previous is not None and previous[k] == index[k]:
                continue
            value = float(axis.values[index[k]])
            yield Do(axis.role, f"set {axis.name} to {value:g} {axis.unit}",
                     _setter(axis, value))
            settle = max(settle, axis.settle_s)
        if settle > 0:
            yield Wait(settle, "settling")
        yield Acquire(step, {axis.name: float(axis.values[i]) for axis, i in
                             zip(axes, index, strict=True)}, readings)
        previous = index


def _setter(axis: BoundAxis, value: float) -> Any:
    def apply(instrument: Any) -> Any:
        return axis.set(instrument, axis.setpoint(value))

    return apply
