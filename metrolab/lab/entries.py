"""What the catalogue holds about one sealed record, as frozen objects.

Everything here is read from the record and the audit log beside it, so the whole
catalogue can be rebuilt from the records alone (:mod:`metrolab.lab.indexing`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

#: the catalogue's record statuses: the review state, or what amendments did to it
STATUSES = ("draft", "reviewed", "approved", "amended", "superseded")


@dataclass(frozen=True, slots=True)
class Item:
    """The calibrated item: maker, model, nameplate serial and the lab's asset number."""

    manufacturer: str
    model: str
    serial: str
    asset: str = ""


@dataclass(frozen=True, slots=True)
class StandardUse:
    """A standard a record used: its register ID, identity, and the calibration (certificate
    and validity) it was used under; ``name`` is its role in the procedure."""

    register_id: str
    name: str
    manufacturer: str
    model: str
    serial: str
    certificate_id: str
    calibration_date: date | None
    due_date: date | None

    def in_validity(self, on: date) -> bool:
        """Return True when the calibration was valid on day ``on``."""
        after = self.calibration_date is None or on >= self.calibration_date
        before = self.due_date is None or on <= self.due_date
        return after and before


@dataclass(frozen=True, slots=True)
class PointDecision:
    """One point's result as decided: error ``value`` and ``U`` in ``unit``, statement
    (pass, conditional_pass, conditional_fail, fail or "" when none), specific risk."""

    point_id: str
    phase: str
    function: str
    nominal: float | None
    unit: str
    value: float | None
    U: float | None
    statement: str
    specific_risk: float | None


@dataclass(frozen=True, slots=True)
class SignerEntry:
    """A verified signature on the record: who did what (sealed, reviewed, approved...)."""

    action: str
    name: str
    role: str
    fingerprint: str
    time: str


@dataclass(frozen=True)
class CatalogueEntry:
    """One sealed record as the catalogue indexes it.

    ``file``/``directory`` locate it; ``file_sha256`` is the SHA-256 of its bytes when it
    was indexed (checked again before it is used); ``run_status`` how the run ended
    (completed, aborted, failed); ``status`` one of :data:`STATUSES`; ``amends`` the
    record an amendment replaces, ``superseded_by`` the amendment replacing this one.
    """

    record_id: str
    certificate_id: str
    directory: str
    file: str
    file_sha256: str
    content_sha256: str
    schema_version: str
    item: Item
    procedure: str
    procedure_version: str
    customer: str
    operator: str
    started_at: datetime | None
    ended_at: datetime | None
    run_status: str
    status: str
    amends: str | None
    superseded_by: str | None
    standards: tuple[StandardUse, ...]
    points: tuple[PointDecision, ...]
    signers: tuple[SignerEntry, ...]

    @property
    def path(self) -> str:
        """Return the record's path (directory and file name)."""
        return f"{self.directory.rstrip('/')}/{self.file}"

    def to_json(self) -> dict[str, Any]:
        """Return the entry as JSON-safe data (dates as ISO text); ``standards`` lists the
        register IDs, ``standards_used`` the full uses."""
        def plain(value: Any) -> Any:
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["path"] = self.path
        data["standards_used"] = data.pop("standards")
        data["standards"] = [s.register_id for s in self.standards]
        data["decisions"] = {
            statement: sum(p.statement == statement for p in self.points)
            for statement in ("pass", "conditional_pass", "conditional_fail", "fail")}
        return data
