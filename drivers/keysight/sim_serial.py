"""The 34401A on its RS-232 port: replies end in CR LF and the meter must be put in
remote (``SYSTem:REMote``) before anything else, as its User's Guide requires (see
:mod:`metrolab.drivers.dmm.sim_serial`)."""

from __future__ import annotations

from metrolab.drivers.dmm.sim_serial import SerialPortSimulator
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator

from metrolab.clock import Clock


class Keysight34401ASerialSimulator(SerialPortSimulator, Keysight34401ASimulator):
    """A simulated 34401A served on a pseudo-terminal as its RS-232 port."""

    REPLY_TERMINATOR = "\r\n"


def create_34401a_rs232(*, seed: int = 0, clock: Clock | None = None
                        ) -> Keysight34401ASerialSimulator:
    """Return a simulated RS-232 34401A with no input applied (registry factory)."""
    return Keysight34401ASerialSimulator(seed=seed, clock=clock)
