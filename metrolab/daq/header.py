"""What an acquisition journals before its first row, and how it is read back.

``run_started`` carries ``record = "daq"``, the declaration (:meth:`DaqConfig.to_dict`)
and the file layout (columns with units, axes with setpoints); one ``instrument`` entry
per role carries its resource, identity and snapshot (its settings once set up, the way
QCoDeS snapshots a station). Recovery rebuilds the data file from these alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from metrolab import __version__
from metrolab.clock import Clock, isoformat
from metrolab.daq.binding import Bound
from metrolab.daq.config import DaqConfig
from metrolab.daq.errors import DaqFileError
from metrolab.daq.instruments import OpenedInstrument
from metrolab.daq.layout import AxisInfo, ColumnInfo, FileLayout
from metrolab.instrument.errors import InstrumentError
from metrolab.runner.header import clock_data
from metrolab.store.journal import JournalContents, JournalEntry

RECORD = "daq"


def new_run_id(kind: str, clock: Clock) -> str:
    """Return a run ID: ``daq-<kind>-<UTC start time>``, file-name safe."""
    stamp = datetime.fromtimestamp(clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"daq-{kind}-{stamp}"


def snapshot(instrument: OpenedInstrument) -> dict[str, Any]:
    """Return the instrument's settings as its catalogue entry reads them (JSON-safe).

    A setting the instrument does not answer is recorded as the failure text, not
    dropped: the snapshot says what could not be read.
    """
    if instrument.entry is None:
        return {}
    try:
        return dict(instrument.entry.snapshot(instrument.driver))
    except InstrumentError as exc:
        return {"unreadable": str(exc)}


def build_layout(config: DaqConfig, bound: Bound, entries: Sequence[Mapping[str, Any]],
                 run_id: str, started_at: float) -> FileLayout:
    """Return the file layout of a run: its columns, axes, configuration and the
    instruments of the journal's ``instrument`` ``entries``."""
    roles = ", ".join(str(e["name"]) for e in entries)
    return FileLayout(
        run_id, config.kind, config.title or f"{config.kind} of {roles}",
        started_at, config.journal.name, config.readings,
        tuple(ColumnInfo(c.name, c.unit, c.role, c.call) for c in bound.columns),
        tuple(AxisInfo(a.name, a.unit, a.role, a.call, tuple(float(v) for v in a.values),
                       a.settle_s) for a in bound.axes),
        config.to_dict(), [layout_instrument(e) for e in entries])


def layout_instrument(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Return an ``instrument`` entry's data as the file describes the instrument."""
    return {"role": entry["name"], "resource": entry.get("resource", ""),
            "identity": entry.get("identity", {}), "snapshot": entry.get("snapshot", {})}


def instrument_data(instrument: OpenedInstrument) -> dict[str, Any]:
    """Return the data of the journal's ``instrument`` entry for ``instrument``."""
    return {"role": "instrument", "name": instrument.role, "resource": instrument.resource,
            "identity": instrument.identity, "snapshot": snapshot(instrument)}


def run_started_data(config: DaqConfig, layout: FileLayout, clock: Clock) -> dict[str, Any]:
    """Return the data of the journal's ``run_started`` entry."""
    return {"run_id": layout.run_id, "record": RECORD, "kind": config.kind,
            "title": layout.title, "software_version": __version__,
            "started_at": isoformat(layout.started_at), "operator": config.operator,
            "clock": clock_data(clock), "config": config.to_dict(),
            "layout": layout.to_dict(), "simulation": dict(config.simulation)}


@dataclass(frozen=True, slots=True)
class JournalledRun:
    """An acquisition as its journal holds it: layout, rows, events and how it ended."""

    run_id: str
    started: Mapping[str, Any]
    layout: FileLayout
    samples: Sequence[JournalEntry]
    events: Sequence[JournalEntry]
    ended: Mapping[str, Any] | None
    last_seq: int
    problem: str | None

    @property
    def config(self) -> Mapping[str, Any]:
        """Return the journalled declaration (:meth:`DaqConfig.to_dict`)."""
        config: Mapping[str, Any] = self.started["config"]
        return config


def read_run(contents: JournalContents) -> JournalledRun:
    """Return the acquisition a journal's valid entries hold.

    Raises :class:`DaqFileError` for a journal that is not an acquisition's (a
    calibration run, say) or has no ``run_started`` entry.
    """
    started = next((e.data for e in contents if e.kind == "run_started"), None)
    if started is None or started.get("record") != RECORD:
        what = "has no run_started entry" if started is None else \
            "is a calibration run's: seal it with `metrolab recover`"
        raise DaqFileError(f"journal {contents.path} {what}; it is not a metrolab.daq journal")
    instruments = [e.data for e in contents if e.kind == "instrument"]
    layout = FileLayout.from_dict(started["layout"], started["config"],
                                  [layout_instrument(i) for i in instruments])
    ended = next((e.data for e in reversed(contents) if e.kind == "run_ended"), None)
    return JournalledRun(contents.run_id, started, layout,
                         [e for e in contents if e.kind == "samples"],
                         [e for e in contents if e.kind == "event"], ended,
                         contents.last_seq, contents.problem)
