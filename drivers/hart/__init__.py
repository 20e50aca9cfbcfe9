"""Hart Scientific / Fluke thermometer readouts: one family driver, simulator and
specification data for the 1529, 1524, 1560, 1594A and 1595A, and the temperature
conversions they use (ITS-90 SPRTs, Callendar-Van Dusen PRTs, thermistors, thermocouples).

``from metrolab.drivers.hart import Hart1529`` loads only the driver; the simulators are
imported on first use. A model is a profile (:func:`readout_profile`): ask it for its
channels and specification without opening an instrument.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hart1529 import (
    READOUT_DRIVERS,
    Fluke1594A,
    Fluke1595A,
    Hart1524,
    Hart1529,
    Hart1560,
    ThermometerReadoutDriver,
    open_readout,
)
from .readout_profile import ReadoutDialect, ReadoutProfile, readout_profile, readout_profile_names
from .spec_1529 import SPEC as SPEC_1529
from .spec_1529 import SensorType

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_1529 import Hart1529Simulator, ThermometerReadoutSimulator

__all__ = [
    "READOUT_DRIVERS",
    "SPEC_1529",
    "Fluke1594A",
    "Fluke1595A",
    "Hart1524",
    "Hart1529",
    "Hart1529Simulator",
    "Hart1560",
    "ReadoutDialect",
    "ReadoutProfile",
    "SensorType",
    "ThermometerReadoutDriver",
    "ThermometerReadoutSimulator",
    "open_readout",
    "readout_profile",
    "readout_profile_names",
    "simulator_factory",
]


def simulator_factory(seed: int = 0, clock: Clock | None = None) -> Hart1529Simulator:
    """Return a new 1529 simulator (entry ``hart-1529`` of ``metrolab.simulators``)."""
    from .sim_1529 import Hart1529Simulator

    return Hart1529Simulator(seed=seed, clock=clock)


def hart_1524(seed: int = 0, clock: Clock | None = None) -> ThermometerReadoutSimulator:
    """Return a new 1524 simulator (entry ``hart-1524``)."""
    return importlib.import_module(".sim_1529", __name__).create("hart-1524", seed=seed,
                                                                 clock=clock)


def hart_1560(seed: int = 0, clock: Clock | None = None) -> ThermometerReadoutSimulator:
    """Return a new 1560 Black Stack simulator (entry ``hart-1560``)."""
    return importlib.import_module(".sim_1529", __name__).create("hart-1560", seed=seed,
                                                                 clock=clock)


def fluke_1594a(seed: int = 0, clock: Clock | None = None) -> ThermometerReadoutSimulator:
    """Return a new 1594A simulator (entry ``fluke-1594a``)."""
    return importlib.import_module(".sim_1529", __name__).create("fluke-1594a", seed=seed,
                                                                 clock=clock)


def fluke_1595a(seed: int = 0, clock: Clock | None = None) -> ThermometerReadoutSimulator:
    """Return a new 1595A simulator (entry ``fluke-1595a``)."""
    return importlib.import_module(".sim_1529", __name__).create("fluke-1595a", seed=seed,
                                                                 clock=clock)


def __getattr__(name: str) -> Any:
    """Import the simulators on first use."""
    if name in ("Hart1529Simulator", "ThermometerReadoutSimulator"):
        return getattr(importlib.import_module(".sim_1529", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
