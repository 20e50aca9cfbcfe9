"""Fluke calibrators: one family driver, simulator and specification data for the
5500A, 5520A, 5522A, 5502A (5500 command family) and the 5720A, 5730A (5700 family).

``from metrolab.drivers.fluke import Fluke5520A`` loads only the driver; the simulators
are imported on first use. A model is a profile (:func:`calibrator_profile`): ask it for
its functions, ranges and specification table without opening an instrument.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .cal_profile import (
    CalibratorProfile,
    CommandFamily,
    calibrator_profile,
    calibrator_profile_names,
    profile_for_model,
)
from .calibrator import (
    Fluke5500A,
    Fluke5502A,
    Fluke5520A,
    Fluke5522A,
    Fluke5720A,
    Fluke5730A,
    FlukeCalibrator,
    driver_class,
    driver_classes,
    open_calibrator,
)

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_5522a import Fluke5522ASimulator
    from .sim_calibrator import FlukeCalibratorSimulator

#: the 5522A's 1-year specification (what the 34401A verification uses for its standard)
SPEC_5522A = calibrator_profile("fluke-5522a").spec

__all__ = [
    "SPEC_5522A",
    "CalibratorProfile",
    "CommandFamily",
    "Fluke5500A",
    "Fluke5502A",
    "Fluke5520A",
    "Fluke5522A",
    "Fluke5522ASimulator",
    "Fluke5720A",
    "Fluke5730A",
    "FlukeCalibrator",
    "FlukeCalibratorSimulator",
    "calibrator_profile",
    "calibrator_profile_names",
    "driver_class",
    "driver_classes",
    "open_calibrator",
    "profile_for_model",
    "simulator_factory",
]


def simulator_factory(seed: int = 0, clock: Clock | None = None) -> Fluke5522ASimulator:
    """Return a new 5522A simulator (entry ``fluke-5522a`` of ``metrolab.simulators``)."""
    from .sim_5522a import Fluke5522ASimulator

    return Fluke5522ASimulator(seed=seed, clock=clock)


def __getattr__(name: str) -> Any:
    """Import the simulators on first use."""
    if name == "Fluke5522ASimulator":
        return importlib.import_module(".sim_5522a", __name__).Fluke5522ASimulator
    if name == "FlukeCalibratorSimulator":
        return importlib.import_module(".sim_calibrator", __name__).FlukeCalibratorSimulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
