"""Fixtures of the acquisition tests: a simulated bench in this process on a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from metrolab.clock import VirtualClock


@dataclass
class Bench:
    """A served simulated bench: its clock, simulators and SIM:: resources by bench role."""

    clock: VirtualClock
    bench: object
    resources: dict[str, str]


@pytest.fixture
def bench() -> Iterator[Bench]:
    """Yield the coupled bench (34465A, 5522A, 1529, HMT330) served in-process."""
    from metrolab.drivers.bench import BenchConfig, SimulatedBench

    clock = VirtualClock()
    simulated = SimulatedBench(0, clock, config=BenchConfig(dut_model="34465a"))
    with simulated.serve_in_process() as resources:
        yield Bench(clock, simulated, resources)
