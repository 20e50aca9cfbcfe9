"""Turn journal entries into the plain data of one run, ready to be written to HDF5."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from metrolab.store.errors import SealError
from metrolab.store.journal import JournalContents, JournalEntry


@dataclass
class PointData:
    """Everything the journal holds about one test point in one phase.

    A new ``point_started`` for the same point and phase starts a new attempt: the
    readings before it move to ``voided`` (kept as evidence, not used) and any earlier
    result is dropped. ``attempts`` counts the ``point_started`` entries.
    """

    point_id: str
    phase: str
    started: dict[str, Any] | None = None
    readings: list[JournalEntry] = field(default_factory=list)
    result: dict[str, Any] | None = None
    voided: list[JournalEntry] = field(default_factory=list)
    attempts: int = 0


@dataclass
class RunData:
    """One run as read from its journal: identity, instruments, environment, points, events."""

    run_id: str
    run: dict[str, Any]
    status: str
    ended_at: str
    reason: str
    instruments: list[dict[str, Any]] = field(default_factory=list)
    environment: list[JournalEntry] = field(default_factory=list)
    points: list[PointData] = field(default_factory=list)
    events: list[JournalEntry] = field(default_factory=list)


def to_epoch(value: Any, fallback_iso: str) -> float:
    """Return a time as seconds since the Unix epoch.

    ``value`` may be seconds since the epoch (a number) or ISO 8601 text (naive text is
    taken as UTC); when it is missing, ``fallback_iso`` (the journal entry time) is used.
    Raises :class:`SealError` for anything else.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = value if isinstance(value, str) and value else fallback_iso
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SealError(f"time {text!r} in the journal is neither epoch seconds nor ISO 8601 "
                        "text; fix the code that journalled it") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def to_iso(value: Any, fallback_iso: str) -> str:
    """Return a time (epoch seconds or ISO text) as ISO 8601 text in UTC with offset."""
    return datetime.fromtimestamp(to_epoch(value, fallback_iso), tz=UTC).isoformat()


def assemble(contents: JournalContents) -> RunData:
    """Return the :class:`RunData` of a journal's valid entries.

    A journal without ``run_ended`` (a crash, a kill, a pulled cable) gives status
    ``aborted`` with a reason naming the last entry that was durable.
    """
    run: dict[str, Any] = {"run_id": contents.run_id}
    ended: dict[str, Any] | None = None
    data = RunData(contents.run_id, run, "aborted", "", "")
    points: dict[tuple[str, str], PointData] = {}

    def point(entry_data: dict[str, Any]) -> PointData:
        key = (str(entry_data.get("point_id", "")), str(entry_data.get("phase", "")))
        if key not in points:
            points[key] = PointData(*key)
            data.points.append(points[key])
        return points[key]

    for entry in contents:
        kind, body = entry.kind, entry.data
        if kind == "run_started":
            if body.get("record") == "daq":
                raise SealError(f"{contents.path} is a data-acquisition journal, not a "
                                "calibration run: rebuild its data file with `metrolab daq "
                                "recover`")
            run.update(body)
            run["run_id"] = contents.run_id
        elif kind == "instrument":
            data.instruments.append(dict(body))
        elif kind == "environment":
            data.environment.append(entry)
        elif kind == "point_started":
            current = point(body)
            current.voided += current.readings
            current.readings, current.result = [], None
            current.started = dict(body)
            current.attempts += 1
        elif kind == "reading":
            point(body).readings.append(entry)
        elif kind == "point_result":
            point(body).result = dict(body)
        elif kind == "event":
            data.events.append(entry)
        elif kind == "run_ended":
            ended = dict(body)
            ended.setdefault("ended_at", entry.time)
    last_time = contents[-1].time if contents else contents.created
    if ended is not None:
        data.status = str(ended.get("status", "completed"))
        data.ended_at = to_iso(ended.get("ended_at"), last_time)
        data.reason = str(ended.get("reason") or "")
    else:
        data.ended_at = to_iso(None, last_time)
        data.reason = (f"interrupted: the journal ends at entry {contents.last_seq} "
                       f"({last_time}) without run_ended; sealed from the journal by recovery")
        if contents.problem:
            data.reason += f"; {contents.problem}"
    return data
