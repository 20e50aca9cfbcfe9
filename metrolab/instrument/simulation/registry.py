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


class SimulatorClash(UserInputError):
    """Two distributions register a simulator of the same name: the message names both."""


def _origin(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    where = f"distribution {dist.name}" if dist is not None else "an unknown distribution"
    return f"{ep.value} ({where})"


def _entry(name: str) -> EntryPoint:
    """Return the one entry point registered as ``name``.

    Raises :class:`SimulatorClash` when two entry points give that name (the built-in is
    never silently shadowed by another package), UserInputError when none does.
    """
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    distinct = {ep.value: ep for ep in found}
    if len(distinct) > 1:
        first, second = list(distinct.values())[:2]
        raise SimulatorClash(f"simulator {name!r} is registered twice: by {_origin(first)} and "
                             f"by {_origin(second)}; uninstall or rename one")
    if found:
        return found[0]
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
    except Exception as exc:  # any error of the other package's import is reported
        raise SimulatorUnavailable(
            f"simulator {name!r} is registered as {_origin(ep)} but cannot be loaded "
            f"({type(exc).__name__}: {exc}); "
            "that driver package is missing or incomplete in this installation"
        ) from exc
    return factory


def create_simulator(
    name: str, *, seed: int = 0, clock: Clock | None = None
) -> SimulatedInstrument:
    """Return a new simulator ``name`` seeded with ``seed`` on ``clock`` (wall clock if None)."""
    factory = simulator_factory(name)
    return factory(seed=seed, clock=clock if clock is not None else WallClock())
