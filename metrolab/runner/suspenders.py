"""Suspenders: watched conditions that pause a run while they are out of band."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pint


@dataclass(frozen=True, slots=True)
class Suspender:
    """Pause while ``read()`` is outside [``low``, ``high``] (same unit as the reading).

    The runner checks it before every point and during every wait; while it trips,
    the runner polls every ``poll_s`` seconds of the injected clock and gives up
    (aborting the run) after ``max_wait_s``.
    """

    name: str
    read: Callable[[], pint.Quantity]
    low: pint.Quantity
    high: pint.Quantity
    poll_s: float = 60.0
    max_wait_s: float = 4 * 3600.0

    def check(self) -> tuple[bool, pint.Quantity]:
        """Return (in band, the value read now)."""
        value = self.read()
        return bool(self.low <= value <= self.high), value

    def describe(self, value: pint.Quantity) -> str:
        """Return a sentence saying the condition is out of band, for events and the screen."""
        return (f"{self.name} {value:.2f~P} is outside {self.low.magnitude:g}–"
                f"{self.high:g~P}: paused until it returns")
