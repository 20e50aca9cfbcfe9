"""pytest plugin (entry point ``pytest11``): metrolab's simulators served over real transports.

Fixtures (each simulator on a VirtualClock, seed 0, stopped after the test):

* ``serve_simulator``: a function ``serve_simulator(name, seed=0, **attributes)`` returning
  a :class:`Served` (``simulator``, ``resource``, ``clock``) for any registered simulator,
  over TCP or a pseudo-terminal as the instrument uses.
* ``sim_keysight_34401a``, ``sim_keysight_34465a``, ``sim_fluke_5522a``, ``sim_hart_1529``,
  ``sim_vaisala_hmt330``: one served simulator each (skipped when not installed).
* ``sim_clock``: the VirtualClock those fixtures use.
* ``sim_bench``: the coupled :class:`metrolab.drivers.bench.SimulatedBench`, served; a
  :class:`ServedBench` (``bench``, ``resources``, ``clock``).
* ``metrolab_visa``: a pyvisa ResourceManager on a fresh in-process ``@metrolab`` bench.

Heavy imports happen inside the fixtures, so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Served:
    """A simulator being served: talk to ``resource``; steer ``simulator`` directly."""

    simulator: Any
    resource: str
    clock: Any


@dataclass
class ServedBench:
    """The coupled bench being served: ``resources`` maps role -> resource string."""

    bench: Any
    resources: dict[str, str]
    clock: Any


@pytest.fixture
def sim_clock() -> Any:
    """Return the VirtualClock shared by this test's served simulators."""
    from metrolab.clock import VirtualClock

    return VirtualClock()


@pytest.fixture
def serve_simulator(sim_clock: Any) -> Iterator[Callable[..., Served]]:
    """Yield ``serve(name, seed=0, **attributes)``; every server it starts stops at teardown.

    ``attributes`` are set on the simulator before it is served (e.g. ``source=``).
    A simulator that is registered but not installed skips the test.
    """
    from metrolab.instrument.simulation import SimulatorUnavailable, create_simulator, serve

    servers: list[Any] = []

    def start(name: str, seed: int = 0, **attributes: Any) -> Served:
        try:
            simulator = create_simulator(name, seed=seed, clock=sim_clock)
        except SimulatorUnavailable as exc:
            pytest.skip(str(exc))
        for key, value in attributes.items():
            setattr(simulator, key, value)
        server = serve(simulator)
        servers.append(server)
        return Served(simulator, server.resource, sim_clock)

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def sim_keysight_34401a(serve_simulator: Callable[..., Served]) -> Served:
    """Return a simulated Keysight 34401A served on 127.0.0.1 TCP."""
    return serve_simulator("keysight-34401a")


@pytest.fixture
def sim_keysight_34465a(serve_simulator: Callable[..., Served]) -> Served:
    """Return a simulated Keysight 34465A served on 127.0.0.1 TCP."""
    return serve_simulator("keysight-34465a")


@pytest.fixture
def sim_fluke_5522a(serve_simulator: Callable[..., Served]) -> Served:
    """Return a simulated Fluke 5522A calibrator, served over its own transport."""
    return serve_simulator("fluke-5522a")


@pytest.fixture
def sim_hart_1529(serve_simulator: Callable[..., Served]) -> Served:
    """Return a simulated Hart 1529 thermometer readout, served over its own transport."""
    return serve_simulator("hart-1529")


@pytest.fixture
def sim_vaisala_hmt330(serve_simulator: Callable[..., Served]) -> Served:
    """Return a simulated Vaisala HMT330 transmitter, served over its own transport."""
    return serve_simulator("vaisala-hmt330")


@pytest.fixture
def sim_bench(sim_clock: Any) -> Iterator[ServedBench]:
    """Yield the coupled simulated bench, served; skipped when it is not installed."""
    try:
        from metrolab.drivers.bench import SimulatedBench
    except ImportError as exc:
        pytest.skip(f"metrolab.drivers.bench is not available: {exc}")
    bench = SimulatedBench(seed=0, clock=sim_clock)
    with bench.serve() as resources:
        yield ServedBench(bench, dict(resources), sim_clock)


@pytest.fixture
def metrolab_visa(tmp_path: Any) -> Iterator[Any]:
    """Yield a ``pyvisa.ResourceManager`` on a fresh default ``@metrolab`` bench (the
    simulators in-process at their factory addresses); ``.visalib.bench`` steers them."""
    import pyvisa

    import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")

    bench_file = tmp_path / "metrolab-bench.toml"
    bench_file.write_text("", encoding="utf-8")
    manager = pyvisa.ResourceManager(f"{bench_file}@metrolab")
    yield manager
    manager.close()
