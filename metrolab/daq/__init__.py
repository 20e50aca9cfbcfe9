"""Data acquisition for test engineers: logs and sweeps into HDF5, read back as xarray.

``log`` records readings at an interval, ``sweep`` sets one or more settables over their
setpoints and records readings at each; both run on the runner's machinery (plans of
messages, pause and abort, suspenders, the journal as the record of truth) and write a
chunked, compressed HDF5 file in SWMR mode that other processes can read while it grows.
``load`` gives it back as an ``xarray.Dataset``; ``recover`` rebuilds it from the journal
after a crash and ``resume`` goes on with the run. Guide: ``docs/daq.md``.

Names are imported on first use, so ``import metrolab.daq`` stays light (xarray loads
with ``load``).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "log": "metrolab.daq.api",
    "sweep": "metrolab.daq.api",
    "Readable": "metrolab.daq.spec",
    "Axis": "metrolab.daq.spec",
    "Watch": "metrolab.daq.spec",
    "DaqConfig": "metrolab.daq.config",
    "DaqResult": "metrolab.daq.run",
    "Session": "metrolab.daq.run",
    "start": "metrolab.daq.run",
    "resume": "metrolab.daq.run",
    "recover": "metrolab.daq.recovery",
    "DaqRecovery": "metrolab.daq.recovery",
    "load": "metrolab.daq.readback",
    "export": "metrolab.daq.exports",
    "DaqError": "metrolab.daq.errors",
    "DaqInputError": "metrolab.daq.errors",
    "DaqFileError": "metrolab.daq.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'metrolab.daq' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
