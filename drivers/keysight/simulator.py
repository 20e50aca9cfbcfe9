"""Simulated Keysight/Agilent DMMs: every Keysight profile on the family's simulator engine.

:class:`Keysight34401ASimulator` and :class:`Keysight34465ASimulator` are named here
because tests, the bench and users build them directly; the other models (34410A,
34411A, 34460A, 34461A, 34470A) are :func:`~metrolab.drivers.dmm.simulator.simulator_class`
of their profiles, served by name (``metrolab sim serve keysight-34461a``).
"""

from __future__ import annotations

from metrolab.drivers.dmm.modes import ModeTable
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.dmm.simulator import DmmSimulator

from metrolab.clock import Clock

_34401A = dmm_profile("keysight-34401a")
_34465A = dmm_profile("keysight-34465a")



class Keysight34401ASimulator(DmmSimulator):
    """A simulated 34401A (ASCII readings, 512-reading memory, the 34401A command set)."""

    MODEL = _34401A
    TABLE = ModeTable.of(_34401A)
    IDN = _34401A.idn
    #: the 34401A's IEEE 488.2 command list has no *WAI (User's Guide ch. 4 summary)
    ABSENT_COMMON_COMMANDS = frozenset(_34401A.quirks.absent_common_commands)


class Keysight34465ASimulator(DmmSimulator):
    """A simulated 34465A (Truevolt command set, REAL binary transfer, 50 000 readings)."""

    MODEL = _34465A
    TABLE = ModeTable.of(_34465A)
    IDN = _34465A.idn


def create_34401a(*, seed: int = 0, clock: Clock | None = None) -> Keysight34401ASimulator:
    """Return a simulated 34401A with no input applied (registry factory)."""
    return Keysight34401ASimulator(seed=seed, clock=clock)


def create_34465a(*, seed: int = 0, clock: Clock | None = None) -> Keysight34465ASimulator:
    """Return a simulated 34465A with no input applied (registry factory)."""
    return Keysight34465ASimulator(seed=seed, clock=clock)
