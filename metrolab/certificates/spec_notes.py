"""The certificate's notes naming where each specification a run used came from.

The runner journals a ``specification`` event the first time a run uses a table (model,
interval, file, SHA-256, ``packaged`` or ``lab``); the certificate names each source once:
a laboratory's own file by its name and SHA-256, a packaged table as the manufacturer's
data packaged with metrolab.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any


def specification_notes(events: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Return one note per distinct specification source in the record's ``events``, in
    the order first used (none when the record has no ``specification`` event)."""
    seen: dict[tuple[str, str], str] = {}
    for event in events:
        data = event.get("data") or {}
        if event.get("type") != "specification" or not isinstance(data, Mapping):
            continue
        key = (str(data.get("path", "")), str(data.get("sha256", "")))
        if key not in seen:
            seen[key] = _note(data)
    return tuple(seen.values())


def _note(data: Mapping[str, Any]) -> str:
    table = f"{data.get('model', '')} {data.get('interval', '')}".strip()
    name = PurePath(str(data.get("path", ""))).name
    if data.get("origin") == "packaged":
        return f"Specification of the {table}: manufacturer's data packaged with metrolab."
    return (f"Specification of the {table}: the laboratory's file {name}, "
            f"SHA-256 {data.get('sha256', '')}.")
