"""Recovering the instruments of a run after a fault: reopen lost connections, clear
what is pending on every transport. The calibration runner and the acquisition engine
both use it; every failure is handed to the caller's ``event`` (journalled there)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from metrolab.errors import MetrolabError
from metrolab.instrument.errors import InstrumentError

#: ``event(kind, message, data)``: how an engine journals what recovery did
EventSink = Callable[[str, str, dict[str, Any]], None]


def reopen_lost(instruments: MutableMapping[str, Any], reconnect: Callable[[str], Any],
                fault: InstrumentError, event: EventSink) -> bool:
    """Reopen the instrument ``fault`` names (every one when no driver carries that name),
    replacing it in ``instruments`` by role; return True when at least one was reopened.
    A failed reopening is journalled as a fault and the others are still tried."""
    lost = [role for role, driver in instruments.items()
            if getattr(driver, "name", None) == fault.instrument] or list(instruments)
    reopened = False
    for role in lost:
        try:
            instruments[role] = reconnect(role)
        except MetrolabError as error:
            event("fault", f"{role}: reconnecting failed: {error}",
                  {"role": role, "error": type(error).__name__})
            continue
        reopened = True
        event("note", f"{role}: connection reopened after it was lost", {"role": role})
    return reopened


def clear_transports(instruments: Mapping[str, Any], event: EventSink) -> None:
    """Discard anything pending on the transport of every instrument that has one; a
    failure is journalled as a fault. Returns nothing."""
    for role, driver in instruments.items():
        clear = getattr(getattr(driver, "transport", None), "clear", None)
        if clear is None:
            continue
        try:
            clear()
        except InstrumentError as exc:
            event("fault", f"{role}: clearing the transport failed: {exc}",
                  {"role": role, "error": type(exc).__name__})
