"""The run configuration: everything needed to start or resume a run, and its JSON form.

:class:`RunConfig` is written into the journal (the runner's settings note) when a run
starts and read back from there by ``metrolab resume``; its canonical JSON is hashed
into the record (``config_hash``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from metrolab.runner.engine import RunSettings


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything needed to start (or resume) a run; stored in the journal as JSON."""

    procedure: str
    resources: Mapping[str, str]
    out_dir: str
    register: str | None = None
    procedures_dir: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)
    virtual_clock: bool = False
    timeout_s: float = 5.0
    #: who the item is calibrated for: :data:`CUSTOMER_FIELDS`
    customer: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    #: the item calibrated when it is not an instrument (a sensor): manufacturer, model,
    #: serial, description
    item: Mapping[str, str] = field(default_factory=dict)
    #: set for a run on simulated instruments (``--simulate``, the demo): seed, DUT errors
    simulation: Mapping[str, Any] = field(default_factory=dict)
    #: the laboratory's specification folders, first wins (``--specs``, then the register's)
    specs_dirs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the config as JSON-safe data (what the journal's runner note holds)."""
        data = asdict(self)
        data["resources"] = dict(self.resources)
        data["customer"] = dict(self.customer)
        data["item"] = dict(self.item)
        data["simulation"] = dict(self.simulation)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Return the config written by :meth:`to_dict`."""
        values = dict(data)
        settings = dict(values.get("settings", {}))
        settings["points"] = tuple(settings.get("points", ()))
        values["settings"] = RunSettings(**settings)
        values["specs_dirs"] = tuple(values.get("specs_dirs", ()))
        return cls(**values)

    @staticmethod
    def out_dir_of(entries: list[Any]) -> str | None:
        """Return the ``out_dir`` in the runner note of journal ``entries`` (None if absent)."""
        note = runner_note(entries)
        return None if note is None else str(note.get("out_dir"))

    def config_hash(self) -> str:
        """Return the SHA-256 (hex) of the canonical JSON of this config."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def runner_note(entries: list[Any]) -> dict[str, Any] | None:
    """Return the config data of the runner's settings note in journal ``entries`` (or None)."""
    return next((e.data["data"]["runner"] for e in entries if e.kind == "event"
                 and e.data.get("type") == "note" and "runner" in e.data.get("data", {})),
                None)
