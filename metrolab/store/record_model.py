"""What a sealed record holds, as typed objects: :class:`Record`, :class:`PointRecord`,
:class:`EnvironmentLog`. Readers of each layout (:mod:`metrolab.store.record_v1`,
:mod:`metrolab.store.record_v2`) build them; :func:`metrolab.store.open_record` returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pint

from metrolab.store.audit import ReviewState
from metrolab.store.evaluation import StoredDecision, StoredEvaluation
from metrolab.store.signers import Signer
from metrolab.units import Quantity


def iso_timestamps(times: np.ndarray) -> list[str]:
    """Return seconds since the Unix epoch as ISO 8601 UTC text, to the microsecond
    (``2026-01-01T00:00:03.000000Z``)."""
    micro = np.round(np.asarray(times, dtype=np.float64) * 1e6).astype("datetime64[us]")
    return np.datetime_as_string(micro, unit="us", timezone="UTC").tolist()


@dataclass(frozen=True)
class EnvironmentLog:
    """One environmental quantity over a run: ``values`` (a 1-D Quantity) at ``times``
    (seconds since the Unix epoch); only the times it was reported."""

    name: str
    times: np.ndarray
    values: pint.Quantity

    @property
    def timestamps(self) -> list[str]:
        """Return the times as ISO 8601 UTC text."""
        return iso_timestamps(self.times)


@dataclass
class PointRecord:
    """One test point of one phase as sealed.

    ``readings`` is a 1-D Quantity (the last attempt's, in the unit of its first reading);
    ``times`` seconds since the Unix epoch (numpy float array), ``journal_seq`` their
    journal entries; ``value``, ``error``, ``reference``, ``range`` and ``nominal`` are
    Quantities (None if never recorded); ``started``/``result`` the journalled
    ``point_started``/``point_result`` data ({} if none), ``budget`` and ``decision`` the
    parts of the result ({} if none); ``voided_readings`` holds readings of earlier
    attempts (None if the first attempt counted).
    """

    point_id: str
    phase: str
    function: str
    readings: pint.Quantity
    times: np.ndarray
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
    def timestamps(self) -> list[str]:
        """Return the readings' times as ISO 8601 UTC text."""
        return iso_timestamps(self.times)

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
    """A sealed record opened read-only; see docs/records.md for the file layouts.

    ``run`` is the ``run_started`` data plus ``status``, ``ended_at`` and ``reason``;
    ``environment`` maps each environmental quantity (temperature, humidity, pressure...)
    to its :class:`EnvironmentLog` (a quantity never reported is not there); ``review``
    comes from the signed steps in the audit log beside the file (see :attr:`signers`);
    ``amends`` is ``{record_id, certificate_id, reason, changes, who, when, ...}`` or None;
    ``schema_version`` the layout the file was written in (1.0 or 2.0).
    """

    path: Path
    record_id: str
    certificate_id: str
    schema_version: str
    run: dict[str, Any]
    instruments: list[dict[str, Any]]
    environment: dict[str, EnvironmentLog]
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
