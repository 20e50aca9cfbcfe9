"""Entry points of the ``metrolab.simulators`` registry: one factory per calibrator profile
and transport (``fluke-5520a`` served on TCP as on GPIB, ``fluke-5520a-rs232`` on a pty in
the factory ``term`` mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrolab.clock import Clock

    from .sim_calibrator import FlukeCalibratorSimulator
    from .sim_calibrator_serial import FlukeCalibratorSerialSimulator


def _tcp(name: str, seed: int, clock: Clock | None) -> FlukeCalibratorSimulator:
    from .sim_calibrator import create

    return create(name, seed=seed, clock=clock)


def _rs232(name: str, seed: int, clock: Clock | None) -> FlukeCalibratorSerialSimulator:
    from .sim_calibrator_serial import create_serial

    return create_serial(name, seed=seed, clock=clock)


def fluke_5500a(seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a simulated 5500A (GPIB/TCP framing)."""
    return _tcp("fluke-5500a", seed, clock)


def fluke_5502a(seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a simulated 5502A (GPIB/TCP framing)."""
    return _tcp("fluke-5502a", seed, clock)


def fluke_5520a(seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a simulated 5520A (GPIB/TCP framing)."""
    return _tcp("fluke-5520a", seed, clock)


def fluke_5720a(seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a simulated 5720A (GPIB/TCP framing)."""
    return _tcp("fluke-5720a", seed, clock)


def fluke_5730a(seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a simulated 5730A (GPIB/TCP framing)."""
    return _tcp("fluke-5730a", seed, clock)


def fluke_5500a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5500A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5500a", seed, clock)


def fluke_5502a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5502A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5502a", seed, clock)


def fluke_5520a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5520A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5520a", seed, clock)


def fluke_5522a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5522A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5522a", seed, clock)


def fluke_5720a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5720A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5720a", seed, clock)


def fluke_5730a_rs232(seed: int = 0, clock: Clock | None = None
                      ) -> FlukeCalibratorSerialSimulator:
    """Return a simulated 5730A on its RS-232 port (term mode, pty)."""
    return _rs232("fluke-5730a", seed, clock)
