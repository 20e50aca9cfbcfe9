"""The simulated Fluke 5522A: the calibrator family's simulator with the 5522A profile.

Kept under this name because the coupled bench and earlier code import it from here.
"""

from __future__ import annotations

from typing import ClassVar

from .cal_profile import CalibratorProfile, calibrator_profile
from .sim_calibrator import FlukeCalibratorSimulator

__all__ = ["Fluke5522ASimulator"]


class Fluke5522ASimulator(FlukeCalibratorSimulator):
    """A simulated 5522A (GPIB/TCP framing: replies end in LF)."""

    PROFILE: ClassVar[CalibratorProfile | None] = calibrator_profile("fluke-5522a")
    IDN: ClassVar[str] = calibrator_profile("fluke-5522a").idn
