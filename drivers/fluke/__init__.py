"""Fluke calibrators: the 5522A driver, its simulator and its published specifications.

``from metrolab.drivers.fluke import Fluke5522A`` loads only the driver; the simulator
(``Fluke5522ASimulator``) is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .fluke5522a import Fluke5522A
from .spec_5522a import SPEC as SPEC_5522A

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_5522a import Fluke5522ASimulator

__all__ = ["SPEC_5522A", "Fluke5522A", "Fluke5522ASimulator", "simulator_factory"]


def simulator_factory(seed: int = 0, clock: Clock | None = None) -> Fluke5522ASimulator:
    """Return a new 5522A simulator (entry ``fluke-5522a`` of ``metrolab.simulators``)."""
    from .sim_5522a import Fluke5522ASimulator

    return Fluke5522ASimulator(seed=seed, clock=clock)


def __getattr__(name: str) -> Any:
    """Import the simulator on first use."""
    if name == "Fluke5522ASimulator":
        return importlib.import_module(".sim_5522a", __name__).Fluke5522ASimulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
