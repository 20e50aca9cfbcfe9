"""A Keysight DMM simulator wired to a hand-set source, on a virtual clock."""

from dataclasses import dataclass

from metrolab.drivers.dmm.simulator import DmmSimulator
from metrolab.drivers.keysight import Keysight34401A, Keysight34465A, KeysightDMM
from metrolab.drivers.keysight.simulator import (
    Keysight34401ASimulator,
    Keysight34465ASimulator,
)

from metrolab.clock import VirtualClock
from metrolab.instrument import InProcessTransport
from metrolab.instrument.simulation import LabEnvironment, ManualSource


@dataclass
class Rig:
    sim: DmmSimulator
    dmm: KeysightDMM
    source: ManualSource
    environment: LabEnvironment
    clock: VirtualClock


def rig(model: str = "34401A", seed: int = 0, latency_s: float = 0.0) -> Rig:
    """Return a simulator of ``model`` with its driver over the in-process transport."""
    clock = VirtualClock()
    source = ManualSource()
    environment = LabEnvironment(seed, clock)
    environment.set_temperature(23.0)
    sim_class = Keysight34401ASimulator if model == "34401A" else Keysight34465ASimulator
    sim = sim_class(
        seed=seed, clock=clock, latency_s=latency_s, source=source, environment=environment
    )
    driver_class = Keysight34401A if model == "34401A" else Keysight34465A
    return Rig(sim, driver_class(InProcessTransport(sim)), source, environment, clock)
