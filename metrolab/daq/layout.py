"""The HDF5 layout of an acquisition file (schema ``metrolab-daq`` 1.0), NeXus style.

::

    /                         NXroot; default = "entry", schema_name = "metrolab-daq",
                              schema_version, creator, file_time
    /entry                    NXentry; default = "data", run_id, kind (log|sweep), title,
                              start_time, journal (its file name), readings_per_step
      status, end_time,       text datasets written while the run goes on (SWMR forbids
      end_reason, rows        changing attributes): running | completed | aborted |
                              interrupted, the end time, why it ended, rows written
      data/                   NXdata; signal = first column, auxiliary_signals = the
                              others, axes = time (log) or the innermost setpoint (sweep),
                              <axis>_indices = 0: one row per reading, every dataset 1-D
        time                  float64 s since the Unix epoch (units s, start = the epoch)
        step                  int64: the tick of a log, the setpoint index of a sweep
        <axis>                float64 setpoint of each row (units)
        <column>              float64 reading of each row (units, long_name, role, call)
      sweep/                  NXcollection (sweeps only), attr axes = their names, outermost
                              first; <axis> = its planned setpoints (units; attrs role, call,
                              settle_s)
      instrument/<role>       NXcollection per instrument: attrs resource, manufacturer,
                              model, serial, firmware; snapshot_json (its settings)
      configuration/          NXnote: config_json, the run's declaration (JSON)
      events/                 NXcollection: time, type, message, journal_seq (one row per
                              pause, resume, fault, note and abort)

Row datasets are chunked (:data:`CHUNK_ROWS` rows), shuffled and deflate-compressed; the
chunk the run is still filling is rewritten in place at each flush (see
:mod:`metrolab.daq.writer`), which any HDF5 reader reads like the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

from metrolab import __version__
from metrolab.clock import isoformat

SCHEMA_NAME = "metrolab-daq"
SCHEMA_VERSION = "1.0"
#: rows per chunk of every row dataset (128 KiB of float64)
CHUNK_ROWS = 16384
EVENT_CHUNK = 64
#: fixed lengths (bytes of UTF-8) of the text written while the file is in SWMR mode
STATUS_BYTES = 32
TIME_BYTES = 40
REASON_BYTES = 1024
EVENT_TYPE_BYTES = 16
EVENT_MESSAGE_BYTES = 512
EPOCH = "1970-01-01T00:00:00+00:00"


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """A recorded quantity as the file describes it."""

    name: str
    unit: str
    role: str
    call: str


@dataclass(frozen=True, slots=True)
class AxisInfo:
    """A swept setting as the file describes it: its planned setpoints in ``unit``."""

    name: str
    unit: str
    role: str
    call: str
    values: tuple[float, ...]
    settle_s: float


@dataclass(frozen=True, slots=True)
class FileLayout:
    """Everything about a run that goes into its file before the first row."""

    run_id: str
    kind: str
    title: str
    started_at: float
    journal: str
    readings: int
    columns: tuple[ColumnInfo, ...]
    axes: tuple[AxisInfo, ...] = ()
    configuration: Mapping[str, Any] = field(default_factory=dict)
    instruments: Sequence[Mapping[str, Any]] = ()

    @property
    def row_datasets(self) -> tuple[str, ...]:
        """Return the names of every row dataset under ``/entry/data``, in file order."""
        return ("time", "step", *(a.name for a in self.axes), *(c.name for c in self.columns))

    def to_dict(self) -> dict[str, Any]:
        """Return the layout without configuration and instruments (journalled apart)."""
        return {"run_id": self.run_id, "kind": self.kind, "title": self.title,
                "started_at": self.started_at, "journal": self.journal,
                "readings": self.readings,
                "columns": [{"name": c.name, "unit": c.unit, "role": c.role, "call": c.call}
                            for c in self.columns],
                "axes": [{"name": a.name, "unit": a.unit, "role": a.role, "call": a.call,
                          "values": list(a.values), "settle_s": a.settle_s}
                         for a in self.axes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], configuration: Mapping[str, Any],
                  instruments: Sequence[Mapping[str, Any]]) -> FileLayout:
        """Return the layout :meth:`to_dict` gave, with the configuration and instruments."""
        return cls(str(data["run_id"]), str(data["kind"]), str(data["title"]),
                   float(data["started_at"]), str(data["journal"]), int(data["readings"]),
                   tuple(ColumnInfo(**c) for c in data["columns"]),
                   tuple(AxisInfo(a["name"], a["unit"], a["role"], a["call"],
                                  tuple(float(v) for v in a["values"]), float(a["settle_s"]))
                         for a in data["axes"]),
                   dict(configuration), list(instruments))

    @property
    def planned_steps(self) -> int | None:
        """Return how many steps a sweep plans (the product of its axes), None for a log."""
        if not self.axes:
            return None
        return int(np.prod([len(a.values) for a in self.axes]))


def fixed_text(text: str, size: int) -> bytes:
    """Return ``text`` as UTF-8 cut to at most ``size`` bytes on a character boundary."""
    data = text.encode("utf-8")[:size]
    return data.decode("utf-8", errors="ignore").encode("utf-8")


def _text_dataset(group: h5py.Group, name: str, text: str, size: int) -> None:
    group.create_dataset(name, data=np.array(fixed_text(text, size), dtype=f"S{size}"))
    group[name].attrs["encoding"] = "utf-8"


def _row_dataset(group: h5py.Group, name: str, dtype: str, attrs: Mapping[str, Any]) -> None:
    dataset = group.create_dataset(
        name, shape=(0,), maxshape=(None,), chunks=(CHUNK_ROWS,), dtype=dtype,
        compression="gzip", compression_opts=1, shuffle=True,
        fillvalue=np.nan if dtype == "f8" else 0)
    for key, value in attrs.items():
        dataset.attrs[key] = value


def _json_dataset(group: h5py.Group, name: str, data: Any) -> None:
    group.create_dataset(name, data=json.dumps(data, sort_keys=True, ensure_ascii=False))
    group[name].attrs["content_type"] = "application/json"


def create_layout(handle: h5py.File, layout: FileLayout) -> None:
    """Create every group, attribute and (empty) dataset of ``layout`` in a new file."""
    root = handle
    root.attrs.update({"NX_class": "NXroot", "default": "entry", "schema_name": SCHEMA_NAME,
                       "schema_version": SCHEMA_VERSION, "creator": f"metrolab {__version__}",
                       "file_time": isoformat(layout.started_at)})
    entry = handle.create_group("entry")
    entry.attrs.update({"NX_class": "NXentry", "default": "data", "run_id": layout.run_id,
                        "kind": layout.kind, "title": layout.title,
                        "start_time": isoformat(layout.started_at), "journal": layout.journal,
                        "readings_per_step": layout.readings})
    _text_dataset(entry, "status", "running", STATUS_BYTES)
    _text_dataset(entry, "end_time", "", TIME_BYTES)
    _text_dataset(entry, "end_reason", "", REASON_BYTES)
    entry.create_dataset("rows", data=np.int64(0))
    _data_group(entry, layout)
    if layout.axes:
        sweep = entry.create_group("sweep")
        sweep.attrs["NX_class"] = "NXcollection"
        sweep.attrs["axes"] = [axis.name for axis in layout.axes]  # outermost first
        for axis in layout.axes:
            planned = sweep.create_dataset(axis.name, data=np.array(axis.values, dtype="f8"))
            planned.attrs.update({"units": axis.unit, "role": axis.role, "call": axis.call,
                                  "settle_s": axis.settle_s})
    instruments = entry.create_group("instrument")
    instruments.attrs["NX_class"] = "NXinstrument"
    for described in layout.instruments:
        group = instruments.create_group(str(described["role"]))
        group.attrs["NX_class"] = "NXcollection"
        group.attrs["resource"] = str(described.get("resource", ""))
        for key, value in dict(described.get("identity", {})).items():
            group.attrs[key] = str(value)
        _json_dataset(group, "snapshot_json", described.get("snapshot", {}))
    configuration = entry.create_group("configuration")
    configuration.attrs["NX_class"] = "NXnote"
    _json_dataset(configuration, "config_json", layout.configuration)
    _events_group(entry)


def _data_group(entry: h5py.Group, layout: FileLayout) -> None:
    data = entry.create_group("data")
    names = [c.name for c in layout.columns]
    axis = layout.axes[-1].name if layout.axes else "time"
    data.attrs.update({"NX_class": "NXdata", "signal": names[0], "axes": [axis],
                       "time_indices": 0})
    if len(names) > 1:
        data.attrs["auxiliary_signals"] = names[1:]
    _row_dataset(data, "time", "f8", {"units": "s", "start": EPOCH,
                                      "long_name": "time of the reading, s since the epoch"})
    _row_dataset(data, "step", "i8", {"long_name": "step: tick of a log, setpoint of a sweep"})
    for info in layout.axes:
        data.attrs[f"{info.name}_indices"] = 0
        _row_dataset(data, info.name, "f8", {"units": info.unit, "role": info.role,
                                             "call": info.call,
                                             "long_name": f"{info.name} setpoint"})
    for column in layout.columns:
        _row_dataset(data, column.name, "f8", {
            "units": column.unit, "role": column.role, "call": column.call,
            "long_name": f"{column.name} ({column.call})" if column.call else column.name})


def _events_group(entry: h5py.Group) -> None:
    events = entry.create_group("events")
    events.attrs["NX_class"] = "NXcollection"
    for name, dtype in (("time", "f8"), ("type", f"S{EVENT_TYPE_BYTES}"),
                        ("message", f"S{EVENT_MESSAGE_BYTES}"), ("journal_seq", "i8")):
        dataset = events.create_dataset(name, shape=(0,), maxshape=(None,),
                                        chunks=(EVENT_CHUNK,), dtype=dtype)
        if name == "time":
            dataset.attrs.update({"units": "s", "start": EPOCH})
        elif dtype.startswith("S"):
            dataset.attrs["encoding"] = "utf-8"


def read_layout_json(handle: h5py.File) -> dict[str, Any]:
    """Return the run's declaration stored in ``/entry/configuration/config_json``."""
    loaded: dict[str, Any] = json.loads(handle["entry/configuration/config_json"][()])
    return loaded


def text_value(dataset: h5py.Dataset) -> str:
    """Return a fixed-length UTF-8 text dataset's value as ``str`` (padding removed)."""
    return bytes(dataset[()]).rstrip(b"\0").decode("utf-8", errors="replace")
