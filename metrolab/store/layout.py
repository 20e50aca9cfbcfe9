"""Write a run into a new record in the schema 2.0 layout (docs/records.md, section 3).

The record is a NeXus file: ``/entry`` (NXentry) with the fields NeXus defines for an
entry (``definition``, ``title``, ``entry_identifier``, ``start_time``, ``end_time``,
``program_name``...), the run's identity in ``run`` (NXcollection), instruments in
``instrument`` (NXinstrument), environment logs in ``environment``, readings in
``readings`` (:mod:`metrolab.store.readings`), the points' tables and the default plot
(:mod:`metrolab.store.points`), events, provenance, and the integrity note. Every value is
a field; attributes only say what a field is (units, long names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import h5py
import numpy as np
import pint

from metrolab import __version__
from metrolab.store import schema
from metrolab.store.assemble import RunData, to_epoch, to_iso
from metrolab.store.durable import canonical_json
from metrolab.store.errors import SealError
from metrolab.store.journal_read import JournalEntry
from metrolab.store.readings import EPOCH
from metrolab.store.writer import STRING, RecordWriter
from metrolab.units import ureg

ENTRY = "/entry"
#: the entry's identity: what an amendment writes anew (everything else it copies)
IDENTITY = ("title", "entry_identifier", "identifier_certificate", "start_time", "run")


# NXobject gives fields named FIELDNAME_errors, _set, _weights (numbers) and _mask
# (booleans) a meaning: a text field must not end so.
_NUMERIC_SUFFIXES = ("_errors", "_set", "_weights", "_mask")


def valid_name(name: Any) -> str:
    """Return ``name`` as a valid NeXus name (letters, digits, underscores; no digit first)."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", str(name))
    return text if re.match(r"[A-Za-z_]", text) else f"_{text}"


def text_field_name(name: Any) -> str:
    """Return ``name`` as a valid NeXus name for a text field: as :func:`valid_name`, with
    ``_text`` appended where it would end in a suffix NXobject reserves for numbers
    (``simulation_dut_errors`` becomes ``simulation_dut_errors_text``)."""
    text = valid_name(name)
    return f"{text}_text" if text.endswith(_NUMERIC_SUFFIXES) else text


def write_root(writer: RecordWriter, *, file_name: str, file_time: str) -> None:
    """Write the root's attributes (NXroot) and create the empty NXentry; return nothing."""
    writer.set_attrs("/", {
        "NX_class": "NXroot", "default": "entry", "file_name": file_name,
        "file_time": file_time, "creator": "metrolab", "creator_version": __version__,
        "HDF5_Version": h5py.version.hdf5_version, "h5py_version": h5py.version.version})
    writer.group(ENTRY, "NXentry")


def write_run(writer: RecordWriter, data: RunData, *, record_id: str, certificate_id: str,
              journal_created: str, provenance: Mapping[str, Any]) -> None:
    """Write everything of the run but its readings and points (written apart) into the
    entry; return nothing."""
    writer.field(f"{ENTRY}/definition", schema.DEFINITION, {
        "version": schema.VERSION,
        "URL": "metrolab/store/nxdl/NXmetrolab_calibration.nxdl.xml (docs/records.md)"})
    write_identity(writer, data.run, record_id=record_id, certificate_id=certificate_id,
                   journal_created=journal_created, status=data.status, reason=data.reason)
    writer.field(f"{ENTRY}/experiment_identifier", data.run_id,
                 {"long_name": "the run this record was sealed from"})
    writer.field(f"{ENTRY}/end_time", data.ended_at)
    writer.field(f"{ENTRY}/program_name", "metrolab", {"version": __version__})
    _instruments(writer, data.instruments)
    _environment(writer, data.environment)
    _events(writer, data.events)
    writer.group(f"{ENTRY}/provenance", "NXcollection", {
        "description": "where the record comes from: its journal and its sealing"})
    for name, value in provenance.items():
        writer.field(f"{ENTRY}/provenance/{name}", value)


def write_identity(writer: RecordWriter, run: Mapping[str, Any], *, record_id: str,
                   certificate_id: str, journal_created: str, status: str,
                   reason: str) -> None:
    """Write the run's identity (the ``run_started`` data) into the entry: title, record
    and certificate identifiers, start time and the ``run`` collection; return nothing."""
    procedure = run.get("procedure")
    name = procedure.get("name") if isinstance(procedure, Mapping) else procedure
    started = to_iso(run.get("started_at"), journal_created)
    writer.field(f"{ENTRY}/title", str(name or "calibration run"))
    writer.field(f"{ENTRY}/entry_identifier", record_id, {"long_name": "record ID"})
    writer.field(f"{ENTRY}/identifier_certificate", certificate_id,
                 {"long_name": "certificate ID"})
    writer.field(f"{ENTRY}/start_time", started)
    group = writer.group(f"{ENTRY}/run", "NXcollection", {
        "description": "the run's identity as journalled (run_started), exactly in run_json"})
    writer.field(f"{group}/status", status)
    writer.field(f"{group}/end_reason", reason)
    write_fields(writer, group, {**run, "started_at": started}, exclude=("run_id",))
    json_field(writer, f"{group}/run_json", dict(run))


def json_field(writer: RecordWriter, path: str, value: Any) -> str:
    """Write ``value`` as canonical JSON text (exact round trip); return the path."""
    return writer.field(path, canonical_json(value), {"content_type": "application/json"})


def _text(value: Any) -> str | None:
    """Return how a journalled leaf value is shown as a text field, or None to leave it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) <= {"value", "unit"} and "value" in value:
        return f"{value['value']} {value.get('unit') or ''}".strip()
    return json.dumps(value, ensure_ascii=False)


def write_fields(writer: RecordWriter, group: str, mapping: Mapping[str, Any], *,
                 exclude: Sequence[str] = (), prefix: str = "") -> None:
    """Write the leaves of a journalled mapping as text fields (``customer_name``,
    ``item_serial``...), nested mappings flattened with underscores; return nothing.
    Numbers are shown as text: the exact values are in the JSON field beside them."""
    for key, value in mapping.items():
        if key in exclude:
            continue
        name = valid_name(f"{prefix}{key}")
        if isinstance(value, Mapping) and not (set(value) <= {"value", "unit"}
                                               and "value" in value):
            write_fields(writer, group, value, prefix=f"{name}_")
            continue
        text = _text(value)
        field = text_field_name(name)
        if text is not None and not writer.has(f"{group}/{field}"):
            writer.field(f"{group}/{field}", text)


def _instruments(writer: RecordWriter, instruments: Sequence[Mapping[str, Any]]) -> None:
    group = writer.group(f"{ENTRY}/instrument", "NXinstrument")
    for number, instrument in enumerate(instruments):
        role = valid_name(instrument.get("role", "instrument"))
        path = writer.group(f"{group}/{role}_{number:02d}", "NXcollection")
        write_fields(writer, path, instrument)
        json_field(writer, f"{path}/instrument_json", dict(instrument))


def _environment(writer: RecordWriter, entries: Sequence[JournalEntry]) -> None:
    """Write one NXlog per quantity the environment entries report (temperature,
    humidity, pressure...), holding only the times it was reported: a quantity never
    reported is left out and named in the group's ``not_reported`` attribute."""
    names: list[str] = []
    for entry in entries:
        names += [k for k in entry.data if k != "time" and k not in names]
    logs = {name: _log(name, entries) for name in names}
    absent = [f"{name}: no environment entry reported it" for name, log in logs.items()
              if log is None]
    attrs: dict[str, Any] = {"description": f"environment logs of {len(entries)} "
                                            "environment entries, one NXlog per quantity"}
    if absent:
        attrs["not_reported"] = absent
    group = writer.group(f"{ENTRY}/environment", "NXcollection", attrs)
    for name, log in logs.items():
        if log is None:
            continue
        times, values, unit = log
        path = writer.group(f"{group}/{valid_name(name)}", "NXlog")
        writer.field(f"{path}/time", times, {"units": "s", "start": EPOCH})
        writer.field(f"{path}/value", values, {"units": unit or "1"})
        if times.size < len(entries):
            writer.field(f"{path}/description",
                         f"{name}: reported by {times.size} of {len(entries)} environment "
                         "entries; the others had no value for it")


def _log(name: str, entries: Sequence[JournalEntry]) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Return (times, values, unit) of one environment quantity where it was reported,
    values in the first unit seen; None if no entry reported it."""
    times, values, unit = [], [], None
    for entry in entries:
        reported = entry.data.get(name)
        if not isinstance(reported, Mapping) or reported.get("value") is None:
            continue
        number = float(reported["value"])
        if unit is None:
            unit = str(reported.get("unit") or "")
        elif reported.get("unit") != unit:
            try:
                number = ureg.Quantity(number, reported.get("unit")).to(unit).magnitude
            except pint.PintError as exc:
                raise SealError(f"an environment {name} in {reported.get('unit')!r} cannot "
                                f"join values in {unit!r} ({exc}): {dict(reported)}") from exc
        times.append(to_epoch(entry.data.get("time"), entry.time))
        values.append(number)
    if unit is None:
        return None
    return np.asarray(times, np.float64), np.asarray(values, np.float64), unit


def _events(writer: RecordWriter, events: Sequence[JournalEntry]) -> None:
    group = writer.group(f"{ENTRY}/events", "NXcollection", {
        "description": "one row per journalled event (prompt, answer, pause, fault, retry, "
                       "override, abort, note), in journal order"})
    writer.field(f"{group}/time", np.asarray(
        [to_epoch(e.data.get("time"), e.time) for e in events], np.float64),
        {"units": "s", "start": EPOCH})
    writer.field(f"{group}/journal_seq", np.asarray([e.seq for e in events], np.int64))
    for name, values in (("type", [str(e.data.get("type", "")) for e in events]),
                         ("message", [str(e.data.get("message", "")) for e in events]),
                         ("data_json", [canonical_json(e.data.get("data")) for e in events])):
        writer.field(f"{group}/{name}", np.array(values, dtype=object).astype(STRING)
                     if values else np.zeros(0, dtype=STRING))
