"""Finding simulators by name through the entry-point group ``metrolab.simulators``.

Each entry maps a name (``keysight-34401a``) to a factory
``(seed: int, clock: Clock) -> SimulatedInstrument``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points

from metrolab.clock import Clock, WallClock
from metrolab.errors import MetrolabError, UserInputError
from metrolab.instrument.simulation.instrument import SimulatedInstrument

GROUP = "metrolab.simulators"

SimulatorFactory = Callable[..., SimulatedInstrument]


class SimulatorUnavailable(MetrolabError):
    """A simulator is registered but its code cannot be loaded."""


def simulator_names() -> list[str]:
    """Return the names of every registered simulator, sorted."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def _entry(name: str) -> EntryPoint:
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            return ep
    names = ", ".join(simulator_names()) or "none installed"
    raise UserInputError(f"unknown simulator {name!r}: known simulators are {names}")


def simulator_factory(name: str) -> SimulatorFactory:
    """Return the factory registered as ``name``.

    Raises UserInputError for an unknown name, SimulatorUnavailable when the
    registered module or attribute cannot be imported.
    """
    ep = _entry(name)
    try:
        factory: SimulatorFactory = ep.load()
    except (ImportError, AttributeError) as exc:
        raise SimulatorUnavailable(
            f"simulator {name!r} is registered as {ep.value} but cannot be loaded ({exc}); "
            "that driver package is missing or incomplete in this installation"
        ) from exc
    return factory


def create_simulator(
    name: str, *, seed: int = 0, clock: Clock | None = None
) -> SimulatedInstrument:
    """Return a new simulator ``name`` seeded with ``seed`` on ``clock`` (wall clock if None)."""
    factory = simulator_factory(name)
    return factory(seed=seed, clock=clock if clock is not None else WallClock())
