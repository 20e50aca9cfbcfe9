"""The instrument layer: transports, the SCPI base, errors and simulation.

Names are imported on first use (PEP 562), so ``import metrolab.instrument`` stays
cheap and loads neither pyvisa nor pyserial until a resource is opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Transport": "metrolab.instrument.transport",
    "open_transport": "metrolab.instrument.transport",
    "VisaTransport": "metrolab.instrument.visa",
    "SerialTransport": "metrolab.instrument.serial_port",
    "InProcessTransport": "metrolab.instrument.inprocess",
    "SCPIInstrument": "metrolab.instrument.scpi",
    "Identity": "metrolab.instrument.scpi",
    "Function": "metrolab.instrument.functions",
    "InstrumentError": "metrolab.instrument.errors",
    "InstrumentTimeout": "metrolab.instrument.errors",
    "InstrumentConnectionError": "metrolab.instrument.errors",
    "InstrumentReplyError": "metrolab.instrument.errors",
    "SCPIError": "metrolab.instrument.errors",
    "OverloadError": "metrolab.instrument.errors",
    "SafetyInterlockError": "metrolab.instrument.errors",
    "SpecificationUnavailable": "metrolab.instrument.errors",
    "AccuracySpec": "metrolab.instrument.specs",
}

if TYPE_CHECKING:
    from metrolab.instrument.errors import (
        InstrumentConnectionError,
        InstrumentError,
        InstrumentReplyError,
        InstrumentTimeout,
        OverloadError,
        SafetyInterlockError,
        SCPIError,
        SpecificationUnavailable,
    )
    from metrolab.instrument.functions import Function
    from metrolab.instrument.inprocess import InProcessTransport
    from metrolab.instrument.scpi import Identity, SCPIInstrument
    from metrolab.instrument.serial_port import SerialTransport
    from metrolab.instrument.specs import AccuracySpec
    from metrolab.instrument.transport import Transport, open_transport
    from metrolab.instrument.visa import VisaTransport

__all__ = [
    "AccuracySpec",
    "Function",
    "Identity",
    "InProcessTransport",
    "InstrumentConnectionError",
    "InstrumentError",
    "InstrumentReplyError",
    "InstrumentTimeout",
    "OverloadError",
    "SCPIError",
    "SCPIInstrument",
    "SafetyInterlockError",
    "SerialTransport",
    "SpecificationUnavailable",
    "Transport",
    "VisaTransport",
    "open_transport",
]


def __getattr__(name: str) -> Any:
    """Import and return the public name ``name`` on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'metrolab.instrument' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
