"""Reading a sealed record back: metadata as plain objects, data as pint quantities."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pint

from metrolab.store.audit import AuditLog, ReviewState
from metrolab.store.errors import RecordError, RecordIntegrityError
from metrolab.store.evaluation import StoredDecision, StoredEvaluation
from metrolab.store.integrity import INTEGRITY_GROUP
from metrolab.store.layout import SCHEMA_NAME
from metrolab.store.signers import Signer
from metrolab.store.signing import KeyRegister
from metrolab.store.verification import content_problems
from metrolab.units import Quantity


@dataclass
class PointRecord:
    """One test point of one phase as sealed.

    ``readings`` is a 1-D Quantity; ``times`` seconds since the Unix epoch (numpy float
    array) and ``timestamps`` the same as ISO 8601 text; ``value``, ``error``,
    ``reference``, ``range`` and ``nominal`` are Quantities (None if never recorded);
    ``budget`` and ``decision`` are the dicts journalled in ``point_result`` ({} if none);
    ``voided_readings`` holds readings of earlier attempts (None if the first counted).
    """

    point_id: str
    phase: str
    function: str
    readings: pint.Quantity
    times: np.ndarray
    timestamps: list[str]
    journal_seq: np.ndarray
    started: dict[str, Any]
    result: dict[str, Any]
    range: pint.Quantity | None = None
    nominal: pint.Quantity | None = None
    value: pint.Quantity | None = None
    error: pint.Quantity | None = None
    reference: pint.Quantity | None = None
    budget: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    voided_readings: pint.Quantity | None = None

    @property
    def U(self) -> pint.Quantity | None:
        """Return the expanded uncertainty of the first budget output, or None."""
        outputs = self.budget.get("outputs") or {}
        for out in outputs.values():
            if out.get("U") is not None:
                return Quantity(float(out["U"]), out.get("unit") or "")
        return None

    @property
    def evaluation(self) -> StoredEvaluation | None:
        """Return the point's uncertainty evaluation as typed data (model, inputs,
        settings, seed, outputs, sensitivities), or None when the point has no budget."""
        return StoredEvaluation.from_budget(self.budget)

    @property
    def judgement(self) -> StoredDecision | None:
        """Return the point's conformity decision as typed data, or None without one."""
        return StoredDecision.from_dict(self.decision)


@dataclass
class Record:
    """A sealed record opened read-only; see docs/records.md for the file layout.

    ``run`` is the ``run_started`` data plus ``status``, ``ended_at`` and ``reason``;
    ``environment`` maps ``time`` (s since epoch, numpy array), ``timestamps`` (ISO text)
    and ``temperature``/``humidity``/``pressure`` (Quantity arrays, NaN where absent);
    ``review`` comes from the signed steps in the audit log beside the file (see
    :attr:`signers`); ``amends`` is
    ``{record_id, certificate_id, reason, changes, who, when}`` or None.
    """

    path: Path
    record_id: str
    certificate_id: str
    schema_version: str
    run: dict[str, Any]
    instruments: list[dict[str, Any]]
    environment: dict[str, Any]
    points: list[PointRecord]
    events: list[dict[str, Any]]
    provenance: dict[str, Any]
    review: ReviewState
    amends: dict[str, Any] | None
    sha256: str

    @property
    def status(self) -> str:
        """Return how the run ended: completed, aborted or failed."""
        return str(self.run["status"])

    @property
    def signers(self) -> tuple[Signer, ...]:
        """Return the verified signatures on the record (seal, review, approval), in log
        order: name, role (from the register), key fingerprint, time."""
        return self.review.signers


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _json(dataset: h5py.Dataset) -> Any:
    return json.loads(_text(dataset[()]))


def _quantity(group: h5py.Group, name: str) -> pint.Quantity | None:
    if name not in group or not isinstance(group[name], h5py.Dataset):
        return None
    dataset = group[name]
    return Quantity(dataset[()], _text(dataset.attrs["units"]))


def _read_point(group: h5py.Group) -> PointRecord:
    setup = group.get("setup")
    result = group.get("result")
    started = _json(setup["point_started_json"]) if setup is not None else {}
    result_data = _json(result["point_result_json"]) if result is not None else {}
    readings = group["readings"]
    point = PointRecord(
        point_id=_text(group.attrs["point_id"]), phase=_text(group.attrs["phase"]),
        function=_text(group.attrs.get("function", result_data.get("function", ""))),
        readings=Quantity(readings[()], _text(readings.attrs["units"])),
        times=group["time"][()], timestamps=[_text(t) for t in group["timestamp"][()]],
        journal_seq=group["journal_seq"][()], started=started, result=result_data,
        budget=result_data.get("budget") or {}, decision=result_data.get("decision") or {})
    point.attempts = int(group.attrs.get("attempts", 1))
    if "voided" in group:
        voided = group["voided/readings"]
        point.voided_readings = Quantity(voided[()], _text(voided.attrs["units"]))
    if setup is not None:
        point.range, point.nominal = _quantity(setup, "range"), _quantity(setup, "nominal")
    if result is not None:
        point.value = _quantity(result, "value")
        point.error = _quantity(result, "error")
        point.reference = _quantity(result, "reference")
    return point


def open_record(path: str | os.PathLike[str], *, check: bool = True,
                register: KeyRegister | None = None) -> Record:
    """Open the sealed record at ``path`` and return it as a :class:`Record`.

    With ``check`` (the default) every object is checked against the sealed manifest
    first and :class:`RecordIntegrityError` is raised on a mismatch; use :func:`verify`
    for the full check that includes the audit log. The review state counts only steps
    whose signature verifies, against ``register`` when it is given. Raises
    :class:`RecordError` for a missing file or a file that is not a metrolab record.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"record {path} does not exist")
    if not h5py.is_hdf5(path):
        raise RecordError(f"{path} is not an HDF5 file; is it a journal? seal it with "
                          "`metrolab recover`")
    if check:
        problems = content_problems(path)
        if problems and problems[0].startswith("not a metrolab record"):
            raise RecordError(f"{path} is an HDF5 file but {problems[0]}")
        if problems:
            raise RecordIntegrityError(f"record {path} does not match its sealed hash: "
                                       f"{'; '.join(problems[:5])}; run `metrolab verify`")
    try:
        return _read_record(path, register)
    except (OSError, RuntimeError, KeyError) as exc:
        raise RecordError(f"cannot read record {path}: {exc}; run `metrolab verify` on "
                          "it") from exc


def _read_record(path: Path, register: KeyRegister | None) -> Record:
    with h5py.File(path, "r") as handle:
        if handle.attrs.get("schema_name") != SCHEMA_NAME:
            raise RecordError(f"{path} is an HDF5 file but not a metrolab record")
        entry = handle["entry"]
        run = _json(entry["run"]["run_json"])
        run.update(status=_text(entry.attrs["status"]), ended_at=_text(entry.attrs["end_time"]),
                   reason=_text(entry.attrs["end_reason"]))
        env = entry["environment"]
        environment: dict[str, Any] = {
            "time": env["time"][()], "timestamps": [_text(t) for t in env["timestamp"][()]]}
        for name in ("temperature", "humidity", "pressure"):
            environment[name] = _quantity(env, name)
        events_group = entry["events"]
        events = [
            {"time": _text(stamp), "type": _text(kind), "message": _text(message),
             "data": json.loads(_text(data)), "journal_seq": int(seq)}
            for stamp, kind, message, data, seq in zip(
                events_group["timestamp"][()], events_group["type"][()],
                events_group["message"][()], events_group["data_json"][()],
                events_group["journal_seq"][()], strict=True)]
        amends = _json(entry["amends"]["amends_json"]) if "amends" in entry else None
        record_id = _text(entry.attrs["record_id"])
        record = Record(
            path=path, record_id=record_id,
            certificate_id=_text(entry.attrs["certificate_id"]),
            schema_version=_text(handle.attrs["schema_version"]), run=run,
            instruments=[_json(entry["instrument"][name]["instrument_json"])
                         for name in sorted(entry["instrument"], key=_number_suffix)],
            environment=environment,
            points=[_read_point(entry["points"][name]) for name in sorted(entry["points"])],
            events=events, provenance=_read_attrs(entry["provenance"]),
            review=AuditLog.for_record(path).review_state(record_id, register), amends=amends,
            sha256=_text(handle[INTEGRITY_GROUP].attrs["content_sha256"]))
    return record


def _number_suffix(name: str) -> int:
    return int(name.rsplit("_", 1)[-1])


def _read_attrs(group: h5py.Group) -> dict[str, Any]:
    values: dict[str, Any] = {name: _text(value) if isinstance(value, bytes | str) else value
                              for name, value in group.attrs.items() if name != "NX_class"}
    for name, dataset in group.items():
        if isinstance(dataset, h5py.Dataset):
            values[name] = dataset[()].item()
    return values
