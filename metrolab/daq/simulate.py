"""``--simulate``: an acquisition rehearsed on the simulated bench, on a virtual clock.

Each ``ROLE=MODEL`` gets the bench's simulator of that model (a 34401A or 34465A DMM
whose input is the 5522A calibrator's output, a 1529 readout, an HMT330 transmitter, all
in one drifting laboratory), served inside this process. The virtual clock makes a 48-hour
log at one reading a second take the time its readings take to compute, not 48 hours.
The journal and the file say the run was simulated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from metrolab.clock import VirtualClock
from metrolab.daq.errors import DaqInputError

#: model -> the bench instrument that plays it
BENCH_MODELS = {"34401A": "dut", "34465A": "dut", "5522A": "calibrator",
                "1529": "thermometer", "HMT330": "hygrometer"}


@dataclass(frozen=True, slots=True)
class SimulatedBench:
    """The served bench: resources by role, its virtual clock and what the record says."""

    resources: dict[str, str]
    clock: VirtualClock
    record: dict[str, Any]


@contextmanager
def simulated(models: Mapping[str, str], seed: int = 0) -> Iterator[SimulatedBench]:
    """Serve the bench's simulator of each role's model; yield the resources and clock.

    Raises :class:`DaqInputError` for a model the bench does not have, or two roles that
    would need the same bench instrument.
    """
    from metrolab.drivers.bench import BenchConfig
    from metrolab.drivers.bench import SimulatedBench as Bench

    cast: dict[str, str] = {}
    for role, model in models.items():
        bench_role = BENCH_MODELS.get(model.strip().upper())
        if bench_role is None:
            raise DaqInputError(f"--simulate {role}={model}: the simulated bench has "
                                f"{', '.join(BENCH_MODELS)}; write ROLE=MODEL")
        if bench_role in cast.values():
            other = next(r for r, b in cast.items() if b == bench_role)
            raise DaqInputError(f"--simulate: {role} and {other} would both be the bench's "
                                f"{bench_role}; it has one of each instrument")
        cast[role] = bench_role
    dmm = next((m.upper() for m in models.values() if BENCH_MODELS.get(m.upper()) == "dut"),
               "34401A")
    clock = VirtualClock(datetime.now(UTC).timestamp())
    bench = Bench(seed, clock, config=BenchConfig(seed=seed, dut_model=dmm.lower()))
    with bench.serve_in_process() as served:
        yield SimulatedBench(
            {role: served[bench_role] for role, bench_role in cast.items()}, clock,
            {"simulated": True, "seed": seed, "models": dict(models),
             "note": "simulated instruments on a virtual clock"})
