"""Reading a record written in the schema 2.0 layout (docs/records.md, section 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pint

from metrolab.store.audit import ReviewState
from metrolab.store.facts import text
from metrolab.store.points import POINTS
from metrolab.store.readings import READINGS
from metrolab.store.record_model import EnvironmentLog, PointRecord, Record, iso_timestamps
from metrolab.store.tables import column
from metrolab.units import Quantity


def _unit(text_unit: str) -> str:
    return "" if text_unit == "1" else text_unit


def _quantity(number: float | None, unit: str) -> pint.Quantity | None:
    return None if number is None else Quantity(number, unit)


class _Readings:
    """The readings of every unit group, split by point: ``rows[point]`` is a list of
    (unit, attempt, value, time, journal_seq) arrays, one entry per unit group."""

    def __init__(self, group: h5py.Group | None) -> None:
        self.rows: dict[int, list[tuple[str, np.ndarray, np.ndarray, np.ndarray,
                                        np.ndarray]]] = {}
        for data in (group.values() if group is not None else ()):
            unit = _unit(text(data["value"].attrs.get("units", "")))
            point = data["point"][()]
            order = np.argsort(point, kind="stable")
            cuts = np.flatnonzero(np.diff(point[order])) + 1
            columns = [data[name][()][order] for name in ("attempt", "value", "time",
                                                          "journal_seq")]
            for rows, first in zip(np.split(np.arange(order.size), cuts),
                                   point[order][np.r_[0, cuts]] if order.size else [],
                                   strict=True):
                self.rows.setdefault(int(first), []).append(
                    (unit, *(c[rows] for c in columns)))

    def of(self, point: int, attempts: int) -> tuple[pint.Quantity, np.ndarray, np.ndarray,
                                                     pint.Quantity | None]:
        """Return (readings, times, journal_seq, voided readings or None) of one point:
        the last attempt's readings in the unit of the first of them, in journal order."""
        counted, voided = [], []
        for unit, attempt, value, time, seq in self.rows.get(point, ()):
            last = attempt == attempts
            counted.append((unit, value[last], time[last], seq[last]))
            voided.append((unit, value[~last], time[~last], seq[~last]))
        readings, times, seqs = _joined(counted)
        before = _joined(voided)[0]
        return readings, times, seqs, before if before.magnitude.size else None


def _joined(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]
            ) -> tuple[pint.Quantity, np.ndarray, np.ndarray]:
    """Return readings from several unit groups as one Quantity in journal order, in the
    unit of the first reading, with their times and journal sequence numbers."""
    parts = [p for p in parts if p[1].size]
    if not parts:
        return Quantity(np.zeros(0), ""), np.zeros(0), np.zeros(0, np.int64)
    seqs = np.concatenate([p[3] for p in parts])
    order = np.argsort(seqs, kind="stable")
    first_unit = min(parts, key=lambda p: int(p[3][0]))[0]
    values = np.concatenate([p[1] if p[0] == first_unit else
                             Quantity(p[1], p[0]).to(first_unit).magnitude for p in parts])
    times = np.concatenate([p[2] for p in parts])
    return Quantity(values[order], first_unit), times[order], seqs[order]


def _points(entry: h5py.Group) -> list[PointRecord]:
    group = entry[POINTS.rsplit("/", 1)[1]]
    table = group["points"][()]
    started = [json.loads(t) if t else {} for t in map(text, group["started_json"][()])]
    results = [json.loads(t) if t else {} for t in map(text, group["result_json"][()])]
    readings = _Readings(entry.get(READINGS.rsplit("/", 1)[1]))
    columns = {name: column(table, name) for name in (
        "point_id", "phase", "function", "attempts", "nominal", "nominal_unit", "range",
        "range_unit", "value", "value_unit", "reference", "reference_unit", "error",
        "error_unit")}
    points = []
    for number in range(table.shape[0]):
        row = {name: values[number] for name, values in columns.items()}
        values, times, seqs, voided = readings.of(number, int(row["attempts"]))
        result = results[number]
        points.append(PointRecord(
            point_id=row["point_id"], phase=row["phase"], function=row["function"],
            readings=values, times=times, journal_seq=seqs, started=started[number],
            result=result,
            **{name: _quantity(row[name], row[f"{name}_unit"] or "") for name in (
                "range", "nominal", "value", "error", "reference")},
            budget=result.get("budget") or {}, decision=result.get("decision") or {},
            attempts=int(row["attempts"]), voided_readings=voided))
    return points


def _environment(group: h5py.Group) -> dict[str, EnvironmentLog]:
    logs = {}
    for name, log in group.items():
        if isinstance(log, h5py.Group) and text(log.attrs.get("NX_class")) == "NXlog":
            value = log["value"]
            logs[name] = EnvironmentLog(name, log["time"][()], Quantity(
                value[()], _unit(text(value.attrs.get("units", "")))))
    return logs


def _events(group: h5py.Group) -> list[dict[str, Any]]:
    stamps = iso_timestamps(group["time"][()])
    return [{"time": stamp, "type": text(kind), "message": text(message),
             "data": json.loads(text(data)), "journal_seq": int(seq)}
            for stamp, kind, message, data, seq in zip(
                stamps, group["type"][()], group["message"][()], group["data_json"][()],
                group["journal_seq"][()], strict=True)]


def _fields(group: h5py.Group) -> dict[str, Any]:
    return {name: text(item[()]) if item.dtype.kind in "OS" else item[()].item()
            for name, item in group.items() if isinstance(item, h5py.Dataset)}


def read_v2(handle: h5py.File, path: Path, review: ReviewState) -> Record:
    """Return the :class:`Record` of an open schema 2.0 file."""
    entry = handle["entry"]
    run = json.loads(text(entry["run/run_json"][()]))
    run.update(status=text(entry["run/status"][()]), ended_at=text(entry["end_time"][()]),
               reason=text(entry["run/end_reason"][()]))
    instruments = entry["instrument"]
    return Record(
        path=path, record_id=text(entry["entry_identifier"][()]),
        certificate_id=text(entry["identifier_certificate"][()]),
        schema_version=text(entry["definition"].attrs["version"]), run=run,
        instruments=[json.loads(text(instruments[name]["instrument_json"][()]))
                     for name in instruments],
        environment=_environment(entry["environment"]), points=_points(entry),
        events=_events(entry["events"]), provenance=_fields(entry["provenance"]),
        review=review,
        amends=json.loads(text(entry["amends/data"][()])) if "amends" in entry else None,
        sha256=text(entry["integrity/checksum"][()]))
