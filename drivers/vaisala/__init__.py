"""Vaisala transmitters: the HMT330 driver, its simulator and its specification.

``from metrolab.drivers.vaisala import VaisalaHMT330`` loads only the driver; the
simulator (``VaisalaHMT330Simulator``) is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hmt330 import VaisalaHMT330
from .protocol_hmt330 import EnvironmentReading
from .spec_hmt330 import SPEC as SPEC_HMT330
from .spec_hmt330 import Measurand

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_hmt330 import VaisalaHMT330Simulator

__all__ = [
    "SPEC_HMT330",
    "EnvironmentReading",
    "Measurand",
    "VaisalaHMT330",
    "VaisalaHMT330Simulator",
    "simulator_factory",
]


def simulator_factory(seed: int = 0, clock: Clock | None = None) -> VaisalaHMT330Simulator:
    """Return a new HMT330 simulator (entry ``vaisala-hmt330`` of ``metrolab.simulators``)."""
    from .sim_hmt330 import VaisalaHMT330Simulator

    return VaisalaHMT330Simulator(seed=seed, clock=clock)


def __getattr__(name: str) -> Any:
    """Import the simulator on first use."""
    if name == "VaisalaHMT330Simulator":
        return importlib.import_module(".sim_hmt330", __name__).VaisalaHMT330Simulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
