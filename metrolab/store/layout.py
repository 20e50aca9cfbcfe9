"""Write a run into an HDF5 file in the documented layout (docs/records.md).

Conventions: NeXus-style ``NX_class`` on every group, ``signal``/``axes`` on NXdata
groups, a pint-parsable ``units`` attribute on every numeric dataset, times as seconds
since the Unix epoch (``time``, units ``s``) beside ISO 8601 UTC text (``timestamp``),
and the exact JSON text of every nested structure (``*_json`` datasets) so that budgets
and decisions round-trip without loss.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import h5py
import numpy as np
import pint

from metrolab import __version__
from metrolab.store.assemble import PointData, RunData, to_epoch, to_iso
from metrolab.store.durable import canonical_json
from metrolab.store.errors import SealError
from metrolab.store.journal import JournalEntry
from metrolab.units import ureg

SCHEMA_NAME = "metrolab-record"
SCHEMA_VERSION = "1.0"
DIMENSIONLESS = "dimensionless"
EPOCH = "1970-01-01T00:00:00+00:00"
STRING = h5py.string_dtype()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def safe_name(name: Any) -> str:
    """Return ``name`` as a usable HDF5 link name ("/" and "." alone are not allowed)."""
    text = str(name).replace("/", "_")
    return text if text not in ("", ".", "..") else f"_{text}"


def _unit(text: Any) -> str:
    return str(text) if text not in (None, "") else DIMENSIONLESS


def number_dataset(group: h5py.Group, name: str, value: Any, units: str) -> h5py.Dataset:
    """Create dataset ``name`` holding a number or numeric array with a ``units`` attribute."""
    whole = isinstance(value, int) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu")
    data = np.asarray(value, dtype=np.int64 if whole else np.float64)
    dataset = group.create_dataset(name, data=data)
    dataset.attrs["units"] = _unit(units)
    return dataset


def text_dataset(group: h5py.Group, name: str, value: str | Sequence[str]) -> h5py.Dataset:
    """Create dataset ``name`` holding UTF-8 text (one string or a 1-D array of strings)."""
    if isinstance(value, str):
        return group.create_dataset(name, data=value, dtype=STRING)
    return group.create_dataset(name, data=np.array(list(value), dtype=object), dtype=STRING)


def json_dataset(group: h5py.Group, name: str, value: Any) -> h5py.Dataset:
    """Create dataset ``name`` holding ``value`` as canonical JSON text (exact round trip)."""
    dataset = text_dataset(group, name, canonical_json(value))
    dataset.attrs["content_type"] = "application/json"
    return dataset


def new_group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    """Create subgroup ``name`` with its ``NX_class`` attribute and return it."""
    group = parent.create_group(name, track_order=True)
    group.attrs["NX_class"] = nx_class
    return group


def write_mapping(group: h5py.Group, mapping: Mapping[str, Any]) -> None:
    """Write plain metadata into ``group``; return nothing.

    Text and flags become attributes; a ``{value, unit}``-like dict (numbers plus a
    ``unit``) becomes datasets with that unit (``key``, ``key_lower``...); other numbers
    dimensionless datasets; other dicts subgroups; lists JSON-text attributes. None is
    left out (the exact JSON copy beside it keeps it).
    """
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            if isinstance(value.get("unit"), str) and all(
                    _is_number(v) or v is None for k, v in value.items() if k != "unit"):
                for sub, number in value.items():
                    if sub != "unit" and number is not None:
                        name = f"{key}_{sub}" if sub != "value" else key
                        number_dataset(group, safe_name(name), float(number), value["unit"])
            else:
                write_mapping(new_group(group, safe_name(key), "NXcollection"), value)
        elif isinstance(value, str | bool):
            group.attrs[key] = value
        elif _is_number(value):
            number_dataset(group, safe_name(key), value, DIMENSIONLESS)
        elif value is not None:
            group.attrs[key] = json.dumps(value)


def write_run(handle: h5py.File, data: RunData, *, record_id: str, certificate_id: str,
              sealed_at: str, provenance: Mapping[str, Any]) -> h5py.Group:
    """Write the whole run into the empty file ``handle``; return the NXentry group."""
    handle.attrs["NX_class"] = "NXroot"
    handle.attrs["default"] = "entry"
    handle.attrs["creator"] = f"metrolab {__version__}"
    handle.attrs["schema_name"] = SCHEMA_NAME
    handle.attrs["schema_version"] = SCHEMA_VERSION
    handle.attrs["file_time"] = sealed_at
    handle.attrs["HDF5_Version"] = h5py.version.hdf5_version
    handle.attrs["h5py_version"] = h5py.version.version
    entry = new_group(handle, "entry", "NXentry")
    entry.attrs["definition"] = SCHEMA_NAME
    entry.attrs["run_id"] = data.run_id
    entry.attrs["status"] = data.status
    entry.attrs["end_time"] = data.ended_at
    entry.attrs["end_reason"] = data.reason
    write_identity(entry, data.run, record_id=record_id, certificate_id=certificate_id)
    _write_instruments(new_group(entry, "instrument", "NXinstrument"), data.instruments)
    _write_environment(new_group(entry, "environment", "NXdata"), data)
    points = new_group(entry, "points", "NXcollection")
    for number, point in enumerate(data.points):
        _write_point(new_group(points, f"point_{number:04d}", "NXdata"), point)
    _write_events(new_group(entry, "events", "NXcollection"), data)
    write_mapping(new_group(entry, "provenance", "NXcollection"), provenance)
    return entry


def write_identity(entry: h5py.Group, run: Mapping[str, Any], *, record_id: str,
                   certificate_id: str) -> None:
    """Write the run's identity (run_started data) as entry attributes and /entry/run."""
    entry.attrs["record_id"] = record_id
    entry.attrs["certificate_id"] = certificate_id
    procedure = run.get("procedure")
    name = procedure.get("name") if isinstance(procedure, Mapping) else procedure
    entry.attrs["title"] = str(name or "calibration run")
    entry.attrs["start_time"] = to_iso(run.get("started_at"), EPOCH) \
        if run.get("started_at") else ""
    group = new_group(entry, "run", "NXcollection")
    write_mapping(group, {**run, "started_at": entry.attrs["start_time"]})
    json_dataset(group, "run_json", dict(run))


def _write_instruments(group: h5py.Group, instruments: Sequence[Mapping[str, Any]]) -> None:
    for number, instrument in enumerate(instruments):
        role = str(instrument.get("role", "instrument"))
        sub = new_group(group, safe_name(f"{role}_{number:02d}"), "NXcollection")
        write_mapping(sub, instrument)
        json_dataset(sub, "instrument_json", dict(instrument))


def _quantity_column(values: Sequence[Any]) -> tuple[np.ndarray, str]:
    """Return ({value, unit} dicts or None) as one float array in the first unit seen."""
    unit = next((v.get("unit") for v in values if isinstance(v, Mapping)), None)
    column = np.full(len(values), np.nan)
    for row, value in enumerate(values):
        if isinstance(value, Mapping) and value.get("value") is not None:
            number = float(value["value"])
            if value.get("unit") != unit:
                try:
                    number = ureg.Quantity(number, value.get("unit")).to(unit).magnitude
                except pint.PintError as exc:
                    raise SealError(f"a value in {value.get('unit')!r} cannot join values in "
                                    f"{unit!r} ({exc}): {dict(value)}") from exc
            column[row] = number
    return column, _unit(unit)


def iso_timestamps(times: np.ndarray) -> np.ndarray:
    """Return epoch seconds as ISO 8601 UTC text (``...T...ssssssZ``), fixed-length ASCII."""
    micro = np.round(np.asarray(times, dtype=np.float64) * 1e6).astype("datetime64[us]")
    text = np.datetime_as_string(micro, unit="us", timezone="UTC")
    return text.astype(f"S{int(np.char.str_len(text).max(initial=1))}")


def _write_times(group: h5py.Group, times: Sequence[float]) -> None:
    seconds = np.asarray(times, dtype=np.float64)
    dataset = number_dataset(group, "time", seconds, "s")
    dataset.attrs["start"] = EPOCH
    dataset.attrs["long_name"] = "seconds since the Unix epoch (UTC)"
    group.create_dataset("timestamp", data=iso_timestamps(seconds))


def _write_environment(group: h5py.Group, data: RunData) -> None:
    group.attrs["signal"] = "temperature"
    group.attrs["axes"] = "time"
    group.attrs["time_indices"] = 0
    group.attrs["auxiliary_signals"] = ["humidity", "pressure"]
    rows = [entry.data for entry in data.environment]
    times = [to_epoch(row.get("time"), entry.time)
             for row, entry in zip(rows, data.environment, strict=True)]
    _write_times(group, times)
    for name in ("temperature", "humidity", "pressure"):
        column, unit = _quantity_column([row.get(name) for row in rows])
        number_dataset(group, name, column, unit)


def _write_readings(group: h5py.Group, entries: Sequence[JournalEntry]) -> None:
    group.attrs["signal"] = "readings"
    group.attrs["axes"] = "time"
    group.attrs["time_indices"] = 0
    readings = [entry.data for entry in entries]
    values, unit = _quantity_column(readings)
    number_dataset(group, "readings", values, unit)
    number_dataset(group, "index",
                   np.asarray([int(r.get("index", n)) for n, r in enumerate(readings)],
                              dtype=np.int64), DIMENSIONLESS)
    _write_times(group, [to_epoch(r.get("time"), e.time)
                         for r, e in zip(readings, entries, strict=True)])
    number_dataset(group, "journal_seq",
                   np.asarray([e.seq for e in entries], dtype=np.int64), DIMENSIONLESS)


def _write_point(group: h5py.Group, point: PointData) -> None:
    group.attrs["point_id"] = point.point_id
    group.attrs["phase"] = point.phase
    group.attrs["attempts"] = point.attempts
    _write_readings(group, point.readings)
    if point.voided:
        voided = new_group(group, "voided", "NXdata")
        voided.attrs["description"] = ("readings of earlier attempts at this point, voided "
                                       "by a later point_started; kept as evidence, not used")
        _write_readings(voided, point.voided)
    if point.started is not None:
        settings = new_group(group, "setup", "NXcollection")
        write_mapping(settings, point.started)
        json_dataset(settings, "point_started_json", point.started)
        group.attrs["function"] = str(point.started.get("function", ""))
    if point.result is not None:
        _write_result(new_group(group, "result", "NXcollection"), point.result)


def _write_result(group: h5py.Group, result: Mapping[str, Any]) -> None:
    plain = {k: v for k, v in result.items() if k not in ("budget", "decision")}
    write_mapping(group, plain)
    json_dataset(group, "point_result_json", dict(result))
    tolerance = result.get("tolerance")
    unit = tolerance.get("unit") if isinstance(tolerance, Mapping) else None
    if isinstance(result.get("budget"), Mapping):
        write_budget(new_group(group, "budget", "NXcollection"), result["budget"])
    if isinstance(result.get("decision"), Mapping):
        write_decision(new_group(group, "decision", "NXcollection"), result["decision"],
                       unit or (result.get("value") or {}).get("unit"))


def _numeric(value: Any, none: float = np.nan) -> np.ndarray | None:
    """Return a number or a (nested) list of numbers/None as a float array, else None."""
    if _is_number(value):
        return np.asarray(float(value))
    if not isinstance(value, list) or not value:
        return None
    try:
        array = np.asarray(value, dtype=object)
        if not all(_is_number(v) or v is None for v in array.ravel()):
            return None
        return np.where(array == None, none, array).astype(np.float64)  # noqa: E711
    except ValueError:  # ragged lists
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _write_fields(group: h5py.Group, fields: Mapping[str, Any], units: Mapping[str, str],
                  default_unit: str = DIMENSIONLESS) -> None:
    """Write numbers (and lists of them) as datasets with ``units[key]`` (else
    ``default_unit``; ``dof`` None means infinite), text as attributes, and anything else
    (dicts, other lists) as JSON-text attributes; return nothing."""
    for key, value in fields.items():
        numbers = _numeric(value, np.inf if key == "dof" else np.nan)
        if key == "dof" and value is None:
            numbers = np.asarray(np.inf)
        if numbers is not None:
            number_dataset(group, safe_name(key), numbers, units.get(key, default_unit))
        elif isinstance(value, str | bool):
            group.attrs[key] = value
        elif value is not None:
            group.attrs[key] = json.dumps(value)


def write_budget(group: h5py.Group, budget: Mapping[str, Any]) -> None:
    """Write an uncertainty budget (``GumResult.to_dict()`` or ``McResult.to_dict()``)
    with a unit on every number; return nothing. The exact dict is in ``budget_json``."""
    json_dataset(group, "budget_json", dict(budget))
    outputs = _mapping(budget.get("outputs"))
    output_units = {name: _unit(out.get("unit")) for name, out in outputs.items()}
    _write_fields(group, {k: v for k, v in budget.items()
                          if k not in ("outputs", "budget", "inputs")}, {})
    out_group = new_group(group, "outputs", "NXcollection")
    for name, out in outputs.items():
        unit = output_units[name]
        _write_fields(new_group(out_group, safe_name(name), "NXcollection"), out,
                      {key: unit for key in ("value", "u", "U", "interval_symmetric",
                                             "interval_shortest")})
    inputs = _mapping(budget.get("inputs"))
    in_group = new_group(group, "inputs", "NXcollection")
    for name, item in inputs.items():
        if isinstance(item, Mapping):
            unit = _unit(item.get("unit"))
            _write_fields(new_group(in_group, safe_name(name), "NXcollection"), item,
                          {key: unit for key in ("value", "u", "half_width", "readings")})
    rows = new_group(group, "contributions", "NXcollection")
    for number, row in enumerate(budget.get("budget") or []):
        sub = new_group(rows, safe_name(f"{number:03d}_{row.get('input', '')}"), "NXcollection")
        in_unit = _unit(row.get("unit"))
        out_unit = output_units.get(row.get("output"), DIMENSIONLESS)
        sensitivity = row.get("sensitivity_unit") or f"({out_unit})/({in_unit})"
        _write_fields(sub, row, {"value": in_unit, "u": in_unit, "sensitivity": sensitivity,
                                 "contribution": out_unit})


def write_decision(group: h5py.Group, decision: Mapping[str, Any], unit: str | None) -> None:
    """Write a conformity decision (``Decision.to_dict()``); return nothing.

    Measured value, U, limits and acceptance limits carry the decision's own ``unit``
    (else ``unit``, the tolerance's); probabilities, k and TUR are dimensionless.
    """
    json_dataset(group, "decision_json", dict(decision))
    measurand = _unit(decision.get("unit") or unit)
    _write_fields(group, decision, {key: measurand for key in (
        "measured", "U", "lower_limit", "upper_limit", "acceptance_lower", "acceptance_upper")})


def _write_events(group: h5py.Group, data: RunData) -> None:
    events = data.events
    _write_times(group, [to_epoch(e.data.get("time"), e.time) for e in events])
    number_dataset(group, "journal_seq", np.asarray([e.seq for e in events], dtype=np.int64),
                   DIMENSIONLESS)
    text_dataset(group, "type", [str(e.data.get("type", "")) for e in events])
    text_dataset(group, "message", [str(e.data.get("message", "")) for e in events])
    text_dataset(group, "data_json", [canonical_json(e.data.get("data")) for e in events])
