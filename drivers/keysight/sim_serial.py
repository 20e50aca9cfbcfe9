"""The 34401A on its RS-232 port: replies end in CR LF and the meter must be put in
remote (``SYSTem:REMote``) before anything else, as its User's Guide requires.

The guide warns that talking to a meter that is not in remote "can cause unpredictable
results"; this simulator ignores such messages entirely, so a driver that forgets
``SYST:REM`` fails with a timeout instead of passing by luck.
"""

from __future__ import annotations

from metrolab.drivers.keysight.simulator import Keysight34401ASimulator

from metrolab.clock import Clock
from metrolab.instrument.simulation import compile_header
from metrolab.instrument.simulation.parser import Reply, split_header, split_outside_quotes

_REMOTE = (compile_header("SYSTem:REMote"), compile_header("SYSTem:RWLock"))


def _asks_for_remote(message: str) -> bool:
    """Return True when the first command of ``message`` is SYST:REM or SYST:RWL."""
    first = split_outside_quotes(message, ";")[0].strip()
    header = split_header(first)[0].lstrip(":") if first else ""
    return any(pattern.fullmatch(header) for pattern in _REMOTE)


class Keysight34401ASerialSimulator(Keysight34401ASimulator):
    """A simulated 34401A served on a pseudo-terminal as its RS-232 port."""

    SERVE_OVER = "pty"
    REPLY_TERMINATOR = "\r\n"

    def handle(self, message: str) -> Reply:
        """Run ``message`` once the meter is in remote; ignore it before (no reply)."""
        with self.lock:
            if not self.remote and not _asks_for_remote(message):
                return None
            return super().handle(message)


def create_34401a_rs232(*, seed: int = 0, clock: Clock | None = None
                        ) -> Keysight34401ASerialSimulator:
    """Return a simulated RS-232 34401A with no input applied (registry factory)."""
    return Keysight34401ASerialSimulator(seed=seed, clock=clock)
