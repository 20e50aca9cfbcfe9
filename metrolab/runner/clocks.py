"""Which clock a run runs on: the wall clock on a real bench, a virtual one on simulators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from metrolab.clock import Clock, VirtualClock, WallClock


def make_clock(virtual: bool, not_before: float = 0.0) -> Clock:
    """Return a :class:`VirtualClock` (simulated benches) or the wall clock.

    A virtual clock starts at the wall time, or at ``not_before`` (s since the epoch)
    if that is later, so a resumed run never goes back in time.
    """
    if not virtual:
        return WallClock()
    return VirtualClock(max(datetime.now(UTC).timestamp(), not_before))


def resume_clock(virtual: bool, entries: list[Any]) -> Clock:
    """Return the clock to resume a run on: a virtual one starts after the journal's last entry."""
    last = datetime.fromisoformat(entries[-1].time).timestamp() if entries else 0.0
    return make_clock(virtual, last + 1.0)
