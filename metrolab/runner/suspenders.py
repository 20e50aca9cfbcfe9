"""Suspenders: watched conditions that pause a run while they are out of band."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pint

from metrolab.clock import Clock
from metrolab.runner.journalling import quantity_data


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


class HoldEnded(Exception):
    """A hold on an out-of-band suspender ended without it coming back: it stayed out
    longer than its ``max_wait_s``, or the run was asked to abort (the message says which)."""


def hold_while_out_of_band(
    suspenders: Iterable[Suspender], clock: Clock, abort_reason: Callable[[], str | None],
    event: Callable[[str, str, dict[str, Any]], None], *,
    paused: Callable[[str], None], resumed: Callable[[Suspender], None],
) -> bool:
    """Check every suspender; while one is out of band, journal a ``pause`` event, call
    ``paused(message)``, poll it every ``poll_s`` seconds of ``clock`` until it is back,
    then journal ``resume`` and call ``resumed(suspender)``. Return True if one tripped.

    Raises :class:`HoldEnded` when one stays out longer than its ``max_wait_s``, or with
    the reason ``abort_reason()`` gives as soon as it gives one.
    """
    tripped = False
    for suspender in suspenders:
        in_band, value = suspender.check()
        if in_band:
            continue
        tripped = True
        message = suspender.describe(value)
        event("pause", message, {"condition": suspender.name, "value": quantity_data(value)})
        paused(message)
        waited = 0.0
        while not in_band:
            if waited >= suspender.max_wait_s:
                raise HoldEnded(f"{suspender.name} stayed out of band for {waited:g} s "
                                f"(last {value:.2f~P})")
            reason = abort_reason()
            if reason is not None:
                raise HoldEnded(reason)
            clock.sleep(suspender.poll_s)
            waited += suspender.poll_s
            in_band, value = suspender.check()
        event("resume", f"{suspender.name} back in band ({value:.2f~P}) after {waited:g} s",
              {"condition": suspender.name, "value": quantity_data(value)})
        resumed(suspender)
    return tripped
