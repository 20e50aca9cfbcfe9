"""The simulator registry (entry-point group ``metrolab.simulators``)."""

from importlib.metadata import EntryPoint

import pytest

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import (
    SimulatorUnavailable,
    create_simulator,
    registry,
    simulator_names,
)


def test_all_five_instruments_are_registered() -> None:
    assert {
        "keysight-34401a",
        "keysight-34465a",
        "fluke-5522a",
        "hart-1529",
        "vaisala-hmt330",
    } <= set(simulator_names())


def test_a_registered_simulator_is_created_with_seed_and_clock() -> None:
    clock = VirtualClock()
    sim = create_simulator("keysight-34465a", seed=5, clock=clock)
    assert sim.seed == 5 and sim.clock is clock
    assert "34465A" in str(sim.handle("*IDN?"))


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UserInputError, match="keysight-34401a"):
        create_simulator("keysight-3458a")


def test_registered_but_missing_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = EntryPoint("ghost", "metrolab.drivers.no_such_driver:simulator_factory", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ghost])
    with pytest.raises(SimulatorUnavailable, match="no_such_driver"):
        create_simulator("ghost")


def test_a_clash_with_a_built_in_simulator_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    builtin = EntryPoint("keysight-34401a", "metrolab.drivers.keysight:simulator_factory",
                         registry.GROUP)
    other = EntryPoint("keysight-34401a", "otherlab.sims:fake_34401a", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [builtin, other])
    with pytest.raises(registry.SimulatorClash,
                       match=r"registered twice: by metrolab\.drivers\.keysight:simulator_factory"
                             r" .* and by otherlab\.sims:fake_34401a"):
        create_simulator("keysight-34401a")


def test_a_simulator_whose_import_fails_in_any_way_is_named(
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint("broken", "metrolab.units:no_such_attribute.deeper", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [broken])
    with pytest.raises(SimulatorUnavailable, match=r"registered as metrolab\.units:no_such"):
        create_simulator("broken")
