"""Hart Scientific (Fluke) thermometry: the 1529 readout driver, simulator and specification.

``from metrolab.drivers.hart import Hart1529`` loads only the driver; the simulator
(``Hart1529Simulator``) is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hart1529 import Hart1529
from .spec_1529 import SPEC as SPEC_1529
from .spec_1529 import SensorType

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_1529 import Hart1529Simulator

__all__ = ["SPEC_1529", "Hart1529", "Hart1529Simulator", "SensorType", "simulator_factory"]


def simulator_factory(seed: int = 0, clock: Clock | None = None) -> Hart1529Simulator:
    """Return a new 1529 simulator (entry ``hart-1529`` of ``metrolab.simulators``)."""
    from .sim_1529 import Hart1529Simulator

    return Hart1529Simulator(seed=seed, clock=clock)


def __getattr__(name: str) -> Any:
    """Import the simulator on first use."""
    if name == "Hart1529Simulator":
        return importlib.import_module(".sim_1529", __name__).Hart1529Simulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
