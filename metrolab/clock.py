"""Injected time.

Simulators and the runner never call :func:`time.sleep` or :func:`time.time`
directly; they take a :class:`Clock`. On a bench a :class:`WallClock` is used;
in tests and in ``metrolab demo`` a :class:`VirtualClock` makes an hour of
warm-up and settling pass in microseconds, deterministically.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time and can wait."""

    def now(self) -> float:
        """Return the current time in seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds`` seconds of this clock's time."""
        ...


class WallClock:
    """The real time of the machine."""

    def now(self) -> float:
        """Return :func:`time.time` in seconds since the Unix epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds`` real seconds."""
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """A clock that only moves when told to (or when someone sleeps on it).

    ``sleep`` advances the clock at once instead of blocking, so waiting code
    runs at full speed while everything that reads ``now()`` sees time pass.
    Thread-safe.
    """

    def __init__(self, start: float | None = None) -> None:
        default = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
        self._now = float(start if start is not None else default)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the virtual time in seconds since the Unix epoch."""
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the virtual time by ``seconds`` seconds without blocking."""
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the virtual time forward by ``seconds`` seconds (negative is refused)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds})")
        with self._lock:
            self._now += seconds


def isoformat(timestamp: float) -> str:
    """Return ``timestamp`` (seconds since the epoch) as ISO 8601 text in UTC with offset."""
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
