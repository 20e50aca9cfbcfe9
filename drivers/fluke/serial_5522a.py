"""The simulated Fluke 5522A on its RS-232 host port (the family's serial simulator).

Kept under this name because earlier code imports it from here.
"""

from __future__ import annotations

from typing import ClassVar

from .cal_profile import CalibratorProfile, calibrator_profile
from .sim_calibrator_serial import FlukeCalibratorSerialSimulator

__all__ = ["Fluke5522ASerialSimulator"]


class Fluke5522ASerialSimulator(FlukeCalibratorSerialSimulator):
    """A simulated 5522A on RS-232 in ``REMOTE I/F`` mode ``term`` (default) or ``comp``."""

    PROFILE: ClassVar[CalibratorProfile | None] = calibrator_profile("fluke-5522a")
    IDN: ClassVar[str] = calibrator_profile("fluke-5522a").idn
