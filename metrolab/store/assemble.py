"""Turn a journal, read as a stream, into the data of one run.

:class:`RunAssembler` takes the journal's items in order. Readings go straight on to a
:class:`~metrolab.store.readings.ReadingsSink` (columns in the record being written),
tagged with their point and attempt; everything else (run identity, instruments,
environment, points' setup and results, events) is small and kept as plain data in a
:class:`RunData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pint

from metrolab.store.errors import SealError
from metrolab.store.journal_columns import ReadingColumns
from metrolab.store.journal_read import JournalEntry, JournalItem
from metrolab.store.readings import ReadingsSink
from metrolab.units import ureg


@dataclass
class PointData:
    """What the journal holds about one test point in one phase.

    ``number`` is its row in the record's points table (in the order points first
    appeared). A new ``point_started`` for the same point and phase starts a new attempt:
    the readings before it stay in the record marked with their attempt (voided, kept as
    evidence) and any earlier result is dropped. ``attempts`` counts the
    ``point_started`` entries; ``counts`` the readings per attempt.
    """

    number: int
    point_id: str
    phase: str
    started: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    attempts: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)

    @property
    def readings(self) -> int:
        """Return how many readings the last attempt has (the ones that count)."""
        return self.counts.get(self.attempts, 0)


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


def _check_joinable(unit: str, first: str, seq: int) -> None:
    """Raise :class:`SealError` unless readings in ``unit`` can join readings in ``first``
    (one point's attempt is read back in one unit)."""
    try:
        ureg.Quantity(1.0, unit or "").to(first or "")
    except (pint.PintError, ValueError, TypeError, AttributeError) as exc:
        raise SealError(f"reading {seq} of the journal: a value in {unit!r} cannot join "
                        f"values in {first!r} of the same point ({exc}); fix the code that "
                        "journalled it") from exc


class RunAssembler:
    """Collects one run from the journal's items (:meth:`add`), readings into ``sink``."""

    def __init__(self, run_id: str, created: str, sink: ReadingsSink | None) -> None:
        self.data = RunData(run_id, {"run_id": run_id}, "aborted", "", "")
        self.created = created
        self.sink = sink
        self._points: dict[tuple[str, str], PointData] = {}
        self._ended: dict[str, Any] | None = None

    def _point(self, point_id: Any, phase: Any) -> PointData:
        key = (str(point_id if point_id is not None else ""),
               str(phase if phase is not None else ""))
        if key not in self._points:
            self._points[key] = PointData(len(self.data.points), *key)
            self.data.points.append(self._points[key])
        return self._points[key]

    def add(self, item: JournalItem) -> None:
        """Take the next item of the journal; return nothing."""
        if isinstance(item, ReadingColumns):
            self._readings(item)
            return
        kind, body = item.kind, item.data
        if kind == "reading":
            self._reading(item)
        elif kind == "run_started":
            if body.get("record") == "daq":
                raise SealError(f"journal of run {self.data.run_id} is a data-acquisition "
                                "journal, not a calibration run: rebuild its data file with "
                                "`metrolab daq recover`")
            self.data.run.update(body)
            self.data.run["run_id"] = self.data.run_id
        elif kind == "instrument":
            self.data.instruments.append(dict(body))
        elif kind == "environment":
            self.data.environment.append(item)
        elif kind == "point_started":
            point = self._point(body.get("point_id"), body.get("phase"))
            point.attempts += 1
            point.started, point.result = dict(body), None
        elif kind == "point_result":
            self._point(body.get("point_id"), body.get("phase")).result = dict(body)
        elif kind == "event":
            self.data.events.append(item)
        elif kind == "run_ended":
            self._ended = {"ended_at": item.time, **body}

    def _readings(self, columns: ReadingColumns) -> None:
        time = columns.time
        if columns.times_text:  # readings journalled with ISO 8601 times
            time = time.copy()
            where = {int(seq): n for n, seq in enumerate(columns.seq.tolist())}
            for seq, text in columns.times_text:
                time[where[seq]] = to_epoch(text, self.created)
        self._store(self._point(columns.point_id, columns.phase), columns.unit, columns.seq,
                    columns.index, time, columns.value)

    def _reading(self, entry: JournalEntry) -> None:
        body = entry.data
        point = self._point(body.get("point_id"), body.get("phase"))
        value = body.get("value")
        index = body.get("index", point.counts.get(point.attempts, 0))
        try:
            numbers = (int(index), float(value) if value is not None else float("nan"))
        except (TypeError, ValueError) as exc:
            raise SealError(f"reading {entry.seq} of the journal has index {index!r} and "
                            f"value {value!r}, which are not numbers: {body}") from exc
        self._store(point, str(body.get("unit") or ""), np.array([entry.seq]),
                    np.array([numbers[0]]), np.array([to_epoch(body.get("time"), entry.time)]),
                    np.array([numbers[1]]))

    def _store(self, point: PointData, unit: str, seq: np.ndarray, index: np.ndarray,
               time: np.ndarray, value: np.ndarray) -> None:
        first = point.units.setdefault(point.attempts, unit)
        if unit != first:
            _check_joinable(unit, first, int(seq[0]))
        point.counts[point.attempts] = point.counts.get(point.attempts, 0) + int(seq.size)
        if self.sink is not None:
            self.sink.append(unit, point.number, point.attempts, seq, index, time, value)

    def finish(self, last_seq: int, last_time: str, problem: str | None) -> RunData:
        """Return the run, whose last valid entry is ``last_seq``, written at ``last_time``
        (ISO 8601). A journal without ``run_ended`` (a crash, a kill, a pulled cable)
        gives status ``aborted`` with a reason naming the last durable entry."""
        data = self.data
        if self._ended is not None:
            data.status = str(self._ended.get("status", "completed"))
            data.ended_at = to_iso(self._ended.get("ended_at"), last_time)
            data.reason = str(self._ended.get("reason") or "")
            return data
        data.ended_at = to_iso(None, last_time)
        data.reason = (f"interrupted: the journal ends at entry {last_seq} ({last_time}) "
                       "without run_ended; sealed from the journal by recovery")
        if problem:
            data.reason += f"; {problem}"
        return data
