"""Telling other parts that the audit log recorded a step: sealed, reviewed, approved...

The store knows nothing of who listens. A part above it (the catalogue, through the
command line) subscribes a listener, by reference (``"module:function"``, imported only
when an event comes) or as a callable; :meth:`AuditLog.append` publishes a
:class:`RecordEvent` once the entry is durable. A listener that fails never undoes or
fails the step it heard of: its failure becomes a :class:`RecordEventWarning`.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Listener = Callable[["RecordEvent"], None]
_LISTENERS: list[Listener | str] = []


class RecordEventWarning(UserWarning):
    """A listener failed on an audit-log event; the step itself was recorded."""


@dataclass(frozen=True)
class RecordEvent:
    """An audit-log entry made durable: its action, record ID, the records directory and
    the entry itself."""

    action: str
    record_id: str
    directory: Path
    entry: Mapping[str, Any]


def subscribe(listener: Listener | str) -> None:
    """Call ``listener`` (or the ``"module:function"`` it names) on every later event."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def unsubscribe(listener: Listener | str) -> None:
    """Stop calling ``listener``; return nothing (an unknown listener is ignored)."""
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def _resolve(listener: Listener | str) -> Listener:
    if callable(listener):
        return listener
    module, _, name = listener.partition(":")
    found: Listener = getattr(importlib.import_module(module), name)
    return found


def publish(event: RecordEvent) -> list[str]:
    """Call every listener with ``event``; return the failures (each also warned)."""
    failures = []
    for listener in list(_LISTENERS):
        try:
            _resolve(listener)(event)
        except Exception as exc:  # a listener never fails the step it heard of
            text = (f"{event.action} of {event.record_id} was recorded, but a listener "
                    f"({listener}) failed: {type(exc).__name__}: {exc}")
            warnings.warn(text, RecordEventWarning, stacklevel=2)
            failures.append(text)
    return failures
