"""Simulators of every packaged DMM profile, by name: the ``metrolab.simulators`` entry
points of the family (``metrolab sim serve keithley-dmm6500``).

The 34401A and 34465A keep their own factories in :mod:`metrolab.drivers.keysight`;
the models whose RS-232 port differs from their LAN port (reply terminator, remote
first) also have a ``-rs232`` simulator served on a pseudo-terminal.
"""

from __future__ import annotations

from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.dmm.sim_serial import serial_simulator_class
from metrolab.drivers.dmm.simulator import DmmSimulator, simulator_class

from metrolab.clock import Clock


def simulator_class_for(profile: DmmProfile, *, serial: bool = False) -> type[DmmSimulator]:
    """Return the simulator class of ``profile`` (on its RS-232 port when ``serial``): the
    named class where there is one (``Keysight34401ASimulator``, ``Fluke8846ASimulator``),
    else one made from the profile."""
    named = _named_simulators().get(profile.name)
    if named is not None:
        base: type[DmmSimulator] = named
    elif profile.dialect.startswith("keithley"):
        from metrolab.drivers.keithley.simulator import keithley_simulator_class

        base = keithley_simulator_class(profile)
    else:
        base = simulator_class(profile)
    return serial_simulator_class(base) if serial else base


def _named_simulators() -> dict[str, type[DmmSimulator]]:
    """Return the simulator classes the makers' modules name, by profile name."""
    from metrolab.drivers.fluke.fluke8846a import Fluke8846ASimulator
    from metrolab.drivers.keysight.simulator import (
        Keysight34401ASimulator,
        Keysight34465ASimulator,
    )

    classes: list[type[DmmSimulator]] = [Keysight34401ASimulator, Keysight34465ASimulator,
                                         Fluke8846ASimulator]
    return {cls.MODEL.name: cls for cls in classes}


def create(name: str, *, seed: int = 0, clock: Clock | None = None,
           serial: bool = False) -> DmmSimulator:
    """Return a simulator of packaged profile ``name`` with no input applied."""
    return simulator_class_for(dmm_profile(name), serial=serial)(seed=seed, clock=clock)


def keysight_34410a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Agilent 34410A (registry factory)."""
    return create("keysight-34410a", seed=seed, clock=clock)


def keysight_34411a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Agilent 34411A (registry factory)."""
    return create("keysight-34411a", seed=seed, clock=clock)


def keysight_34460a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keysight 34460A (registry factory)."""
    return create("keysight-34460a", seed=seed, clock=clock)


def keysight_34461a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keysight 34461A (registry factory)."""
    return create("keysight-34461a", seed=seed, clock=clock)


def keysight_34470a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keysight 34470A (registry factory)."""
    return create("keysight-34470a", seed=seed, clock=clock)


def keithley_2000(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keithley 2000 (registry factory)."""
    return create("keithley-2000", seed=seed, clock=clock)


def keithley_2010(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keithley 2010 (registry factory)."""
    return create("keithley-2010", seed=seed, clock=clock)


def keithley_dmm6500(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keithley DMM6500 in its SCPI command set (registry factory)."""
    return create("keithley-dmm6500", seed=seed, clock=clock)


def keithley_dmm7510(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Keithley DMM7510 in its SCPI command set (registry factory)."""
    return create("keithley-dmm7510", seed=seed, clock=clock)


def fluke_8845a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Fluke 8845A on its LAN port (registry factory)."""
    return create("fluke-8845a", seed=seed, clock=clock)


def fluke_8846a(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Fluke 8846A on its LAN port (registry factory)."""
    return create("fluke-8846a", seed=seed, clock=clock)


def fluke_8845a_rs232(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Fluke 8845A on its RS-232 port (registry factory)."""
    return create("fluke-8845a", seed=seed, clock=clock, serial=True)


def fluke_8846a_rs232(*, seed: int = 0, clock: Clock | None = None) -> DmmSimulator:
    """Return a simulated Fluke 8846A on its RS-232 port (registry factory)."""
    return create("fluke-8846a", seed=seed, clock=clock, serial=True)
