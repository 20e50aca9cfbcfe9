"""Reading a record written in the schema 1.0 layout (metrolab 0.1): one group per point,
budgets and decisions as exact JSON beside expanded groups, integrity in ``/integrity``.
Kept so that every record ever sealed stays readable; nothing writes this layout any more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pint

from metrolab.store.audit import ReviewState
from metrolab.store.facts import text
from metrolab.store.record_model import EnvironmentLog, PointRecord, Record
from metrolab.units import Quantity


def _json(dataset: h5py.Dataset) -> Any:
    return json.loads(text(dataset[()]))


def _quantity(group: h5py.Group, name: str) -> pint.Quantity | None:
    if name not in group or not isinstance(group[name], h5py.Dataset):
        return None
    dataset = group[name]
    return Quantity(dataset[()], text(dataset.attrs["units"]))


def _point(group: h5py.Group) -> PointRecord:
    setup = group.get("setup")
    result = group.get("result")
    started = _json(setup["point_started_json"]) if setup is not None else {}
    result_data = _json(result["point_result_json"]) if result is not None else {}
    readings = group["readings"]
    point = PointRecord(
        point_id=text(group.attrs["point_id"]), phase=text(group.attrs["phase"]),
        function=text(group.attrs.get("function", result_data.get("function", ""))),
        readings=Quantity(readings[()], text(readings.attrs["units"])),
        times=group["time"][()], journal_seq=group["journal_seq"][()], started=started,
        result=result_data, budget=result_data.get("budget") or {},
        decision=result_data.get("decision") or {})
    point.attempts = int(group.attrs.get("attempts", 1))
    if "voided" in group:
        voided = group["voided/readings"]
        point.voided_readings = Quantity(voided[()], text(voided.attrs["units"]))
    if setup is not None:
        point.range, point.nominal = _quantity(setup, "range"), _quantity(setup, "nominal")
    if result is not None:
        point.value = _quantity(result, "value")
        point.error = _quantity(result, "error")
        point.reference = _quantity(result, "reference")
    return point


def _environment(group: h5py.Group) -> dict[str, EnvironmentLog]:
    """Return the environment columns as logs, leaving out the rows schema 1.0 filled
    with NaN where a quantity was not reported."""
    times = group["time"][()]
    logs = {}
    for name in ("temperature", "humidity", "pressure"):
        values = _quantity(group, name)
        if values is None:
            continue
        reported = np.isfinite(np.asarray(values.magnitude, dtype=float))
        if reported.any():
            logs[name] = EnvironmentLog(name, times[reported], values[reported])
    return logs


def _number_suffix(name: str) -> int:
    return int(name.rsplit("_", 1)[-1])


def _attrs(group: h5py.Group) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(value) if isinstance(value, bytes | str) else value
                              for name, value in group.attrs.items() if name != "NX_class"}
    for name, dataset in group.items():
        if isinstance(dataset, h5py.Dataset):
            values[name] = dataset[()].item()
    return values


def read_v1(handle: h5py.File, path: Path, review: ReviewState) -> Record:
    """Return the :class:`Record` of an open schema 1.0 file."""
    entry = handle["entry"]
    run = _json(entry["run"]["run_json"])
    run.update(status=text(entry.attrs["status"]), ended_at=text(entry.attrs["end_time"]),
               reason=text(entry.attrs["end_reason"]))
    events_group = entry["events"]
    events = [
        {"time": text(stamp), "type": text(kind), "message": text(message),
         "data": json.loads(text(data)), "journal_seq": int(seq)}
        for stamp, kind, message, data, seq in zip(
            events_group["timestamp"][()], events_group["type"][()],
            events_group["message"][()], events_group["data_json"][()],
            events_group["journal_seq"][()], strict=True)]
    return Record(
        path=path, record_id=text(entry.attrs["record_id"]),
        certificate_id=text(entry.attrs["certificate_id"]),
        schema_version=text(handle.attrs["schema_version"]), run=run,
        instruments=[_json(entry["instrument"][name]["instrument_json"])
                     for name in sorted(entry["instrument"], key=_number_suffix)],
        environment=_environment(entry["environment"]),
        points=[_point(entry["points"][name]) for name in sorted(entry["points"])],
        events=events, provenance=_attrs(entry["provenance"]), review=review,
        amends=_json(entry["amends"]["amends_json"]) if "amends" in entry else None,
        sha256=text(handle["integrity"].attrs["content_sha256"]))
