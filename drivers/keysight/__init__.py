"""Keysight/Agilent digital multimeters: drivers, simulators and 1-year specifications.

``Keysight34401A`` and ``Keysight34465A`` drive the real instruments (or their
simulators); ``SPEC_34401A`` and ``SPEC_34465A`` hold the published accuracy
tables (``tolerance(function, range, value, frequency=None)``). The simulators
live in :mod:`metrolab.drivers.keysight.simulator` (imported on demand: it
needs numpy).
"""

from metrolab.drivers.keysight.dmm import (
    SPEC_DIR,
    Keysight34401A,
    Keysight34465A,
    KeysightDMM,
)

from metrolab.instrument.specs import AccuracySpec

SPEC_34401A = AccuracySpec.load(SPEC_DIR / "34401a.toml")
SPEC_34465A = AccuracySpec.load(SPEC_DIR / "34465a.toml")

__all__ = ["SPEC_34401A", "SPEC_34465A", "Keysight34401A", "Keysight34465A", "KeysightDMM"]
