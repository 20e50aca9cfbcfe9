"""The catalogue: an index of sealed records in a real database (SQLite or PostgreSQL).

The records stay the source of truth: every row comes from a verified record and the
audit log beside it (:mod:`metrolab.lab.indexing`), and ``rebuild`` recreates the
whole catalogue from the records alone. :meth:`Catalogue.sync` brings known directories
up to date by reading only the audit-log entries written since the last look (new
seals, reviews, approvals, amendments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from metrolab.lab import tables as t
from metrolab.lab.entries import (
    STATUSES,
    CatalogueEntry,
    Item,
    PointDecision,
    SignerEntry,
    StandardUse,
)
from metrolab.lab.errors import CatalogueError, CatalogueInputError, missing_extra
from metrolab.lab.indexing import (
    DirectoryScan,
    LogState,
    NotIndexed,
    changed_files,
    log_state,
    scan_directory,
)
from metrolab.store.audit import AUDIT_LOG_NAME

#: rows inserted per statement when many records are indexed at once
BATCH = 500
#: runs a function over items, returning the results in order (a plain loop or Dask)
Mapper = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


def _serial(function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [function(item) for item in items]


def records_directories(paths: Iterable[str | Path]) -> list[str]:
    """Return the records directories in ``paths``: each path holding an audit log, else
    every folder below it that holds one (sorted). Raises :class:`CatalogueInputError` for
    a path that is not a folder or holds no records directory."""
    found: list[str] = []
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            raise CatalogueInputError(f"{folder} is not a folder of records")
        if (folder / AUDIT_LOG_NAME).is_file():
            found.append(str(folder.resolve()))
            continue
        below = sorted(str(log.parent.resolve()) for log in folder.rglob(AUDIT_LOG_NAME))
        if not below:
            raise CatalogueInputError(f"{folder} holds no records directory (no "
                                      f"{AUDIT_LOG_NAME} in it or below it)")
        found += below
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Query:
    """What ``metrolab records`` asks: item (serial, asset or model), standard (register
    ID, serial or certificate ID), run start window (dates, inclusive) and statuses."""

    item: str | None = None
    standard: str | None = None
    since: date | None = None
    until: date | None = None
    statuses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse an unknown status or an empty window."""
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise CatalogueInputError(f"--status {unknown[0]!r}: use one of "
                                      f"{', '.join(STATUSES)}")
        if self.since and self.until and self.until < self.since:
            raise CatalogueInputError(f"--until {self.until} is before --since {self.since}")


@dataclass(frozen=True)
class SyncResult:
    """What an indexing pass did: records indexed (new or updated), records left out
    with the reason, and directories read whole because their log was rewritten."""

    indexed: int
    refused: tuple[NotIndexed, ...]
    rescanned: tuple[str, ...] = ()


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Catalogue:
    """An open catalogue database; use :meth:`open` (and close it, or use ``with``)."""

    def __init__(self, engine: Any, url: str) -> None:
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Catalogue:
        """Return the catalogue at the SQLAlchemy ``url``, creating its tables if needed.

        Raises :class:`CatalogueError` naming the database when it cannot be reached, and
        when it holds a catalogue of another schema version (rebuild it then).
        """
        from sqlalchemy import create_engine
        from sqlalchemy.exc import SQLAlchemyError

        shown = _shown(url)
        if url.startswith("sqlite:///"):
            folder = Path(url[len("sqlite:///"):]).parent
            if not folder.is_dir():
                raise CatalogueInputError(f"catalogue {shown}: folder {folder} does not exist")
        try:
            engine = create_engine(url, future=True)
            catalogue = cls(engine, url)
            if create:
                catalogue._prepare()
            return catalogue
        except ModuleNotFoundError as exc:
            raise missing_extra(f"the catalogue at {shown}", str(exc.name)) from exc
        except SQLAlchemyError as exc:
            raise CatalogueError(f"cannot open the catalogue {shown}: "
                                 f"{_reason(exc)}") from exc

    @property
    def url_shown(self) -> str:
        """Return the database URL with any password hidden (for messages and reports)."""
        return _shown(self.url)

    def __enter__(self) -> Catalogue:
        """Return the catalogue itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the catalogue."""
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _prepare(self) -> None:
        from sqlalchemy import select

        t.metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            found = connection.execute(select(t.info.c.value).where(
                t.info.c.key == "schema_version")).scalar()
            if found is None:
                connection.execute(t.info.insert().values(key="schema_version",
                                                          value=t.SCHEMA_VERSION))
            elif found != t.SCHEMA_VERSION:
                raise CatalogueError(
                    f"the catalogue {_shown(self.url)} has schema version {found}, this "
                    f"metrolab writes {t.SCHEMA_VERSION}: run `metrolab catalogue rebuild "
                    "DIR...` to rebuild it from the records")

    def _run(self, what: str, work: Any) -> Any:
        """Run ``work(connection)`` in one transaction; database failures become
        :class:`CatalogueError` naming ``what`` and the database."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as connection:
                return work(connection)
        except SQLAlchemyError as exc:
            raise CatalogueError(f"catalogue {_shown(self.url)}: {what} failed: "
                                 f"{_reason(exc)}") from exc

    # -- writing ------------------------------------------------------------------

    def reset(self) -> None:
        """Drop every table and create them empty (the first step of a rebuild)."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            t.metadata.drop_all(self.engine)
        except SQLAlchemyError as exc:
            raise CatalogueError(f"catalogue {_shown(self.url)}: cannot drop its tables: "
                                 f"{_reason(exc)}") from exc
        self._prepare()

    def apply(self, scan: DirectoryScan) -> SyncResult:
        """Write what a directory scan found; return how many records were indexed.

        A full scan replaces every row of that directory; a partial one replaces the
        rows of the records it read. A record whose ID is already indexed from another
        directory (a copy) is left out and reported.
        """
        def work(connection: Any) -> SyncResult:
            directory_id = self._directory_row(connection, scan.directory, scan.log)
            if scan.full:
                self._delete(connection, t.records.c.directory_id == directory_id)
            entries, refused = self._unique(connection, scan.entries, directory_id)
            self._delete_ids(connection, [e.record_id for e in entries])
            self._insert(connection, entries, directory_id)
            return SyncResult(len(entries), tuple(scan.refused) + tuple(refused))

        return self._run(f"indexing {scan.directory}", work)

    def _directory_row(self, connection: Any, path: str, log: LogState) -> int:
        from sqlalchemy import select

        values = {"log_entries": log.entries, "log_head": log.head, "log_size": log.size,
                  "log_mtime_ns": log.mtime_ns, "indexed_at": datetime.now(UTC)}
        found = connection.execute(select(t.directories.c.id).where(
            t.directories.c.path == path)).scalar()
        if found is None:
            return int(connection.execute(t.directories.insert().values(
                path=path, **values)).inserted_primary_key[0])
        connection.execute(t.directories.update().where(t.directories.c.id == found)
                           .values(**values))
        return int(found)

    def _unique(self, connection: Any, entries: Sequence[CatalogueEntry], directory_id: int
                ) -> tuple[list[CatalogueEntry], list[NotIndexed]]:
        """Split ``entries`` into those to index and copies of records indexed elsewhere."""
        from sqlalchemy import select

        elsewhere: dict[str, str] = {}
        for chunk in _chunks([e.record_id for e in entries]):
            rows = connection.execute(
                select(t.records.c.record_id, t.directories.c.path)
                .join(t.directories, t.records.c.directory_id == t.directories.c.id)
                .where(t.records.c.record_id.in_(chunk),
                       t.records.c.directory_id != directory_id))
            elsewhere.update({row.record_id: row.path for row in rows})
        keep, refused, seen = [], [], set()
        for entry in entries:
            if entry.record_id in elsewhere or entry.record_id in seen:
                where = elsewhere.get(entry.record_id, entry.directory)
                refused.append(NotIndexed(entry.path, f"record {entry.record_id} is already "
                                          f"indexed from {where}: a copy is not indexed twice"))
                continue
            seen.add(entry.record_id)
            keep.append(entry)
        return keep, refused

    def _delete_ids(self, connection: Any, record_ids: Sequence[str]) -> None:
        for chunk in _chunks(list(record_ids)):
            self._delete(connection, t.records.c.record_id.in_(chunk))

    @staticmethod
    def _delete(connection: Any, condition: Any) -> None:
        from sqlalchemy import select

        keys = [row[0] for row in connection.execute(select(t.records.c.id).where(condition))]
        for chunk in _chunks(keys):
            for child in t.CHILDREN:
                connection.execute(child.delete().where(child.c.record.in_(chunk)))
            connection.execute(t.records.delete().where(t.records.c.id.in_(chunk)))

    @staticmethod
    def _insert(connection: Any, entries: Sequence[CatalogueEntry], directory_id: int) -> None:
        from sqlalchemy import select

        now = datetime.now(UTC)
        for chunk in _chunks(list(entries)):
            connection.execute(t.records.insert(), [_record_row(e, directory_id, now)
                                                    for e in chunk])
            keys = dict(connection.execute(select(t.records.c.record_id, t.records.c.id)
                                           .where(t.records.c.record_id.in_(
                                               [e.record_id for e in chunk]))).all())
            children: dict[Any, list[dict[str, Any]]] = {c: [] for c in t.CHILDREN}
            for entry in chunk:
                key = keys[entry.record_id]
                children[t.standards_used] += [_standard_row(s, key) for s in entry.standards]
                children[t.points] += [_point_row(p, key) for p in entry.points]
                children[t.signatures] += [_signer_row(s, key) for s in entry.signers]
            for table, rows in children.items():
                if rows:
                    connection.execute(table.insert(), rows)

    def rebuild(self, directories: Sequence[str], *, register: str | None = None,
                mapper: Mapper | None = None) -> SyncResult:
        """Empty the catalogue and index the records directories again; return the count.

        ``mapper(function, items)`` runs the directory scans (default: one after the
        other; :func:`metrolab.lab.cluster.mapper` spreads them over Dask).
        """
        scans = (mapper or _serial)(partial(scan_directory, register=register),
                                    list(directories))
        self.reset()
        indexed, refused = 0, list[NotIndexed]()
        for scan in scans:
            done = self.apply(scan)
            indexed += done.indexed
            refused += done.refused
        return SyncResult(indexed, tuple(refused))

    # -- bringing directories up to date ------------------------------------------

    def known_directories(self) -> dict[str, LogState]:
        """Return each indexed directory with the log state it was indexed at."""
        from sqlalchemy import select

        def work(connection: Any) -> dict[str, LogState]:
            rows = connection.execute(select(t.directories)).all()
            return {row.path: LogState(row.log_entries, row.log_head, row.log_size,
                                       row.log_mtime_ns) for row in rows}

        return self._run("reading the directories", work)

    def sync(self, directories: Iterable[str] | None = None, *,
             register: str | None = None) -> SyncResult:
        """Bring directories up to date with their audit logs; return what was indexed.

        ``directories`` (default: every directory the catalogue knows) are read whole the
        first time; after that only the records named by log entries written since the
        last look are verified and read again. A directory whose log no longer holds the
        entry last read (rewritten, replaced) is read whole again and named in
        ``rescanned``.
        """
        known = self.known_directories()
        wanted = [str(Path(d).resolve()) for d in directories] if directories is not None \
            else list(known)
        indexed, refused, rescanned = 0, list[NotIndexed](), list[str]()
        for directory in wanted:
            scan = self._scan_changes(directory, known.get(directory), register)
            if scan is None:
                continue
            if scan.full and directory in known:
                rescanned.append(directory)
            done = self.apply(scan)
            indexed += done.indexed
            refused += done.refused
        return SyncResult(indexed, tuple(refused), tuple(rescanned))

    @staticmethod
    def _scan_changes(directory: str, state: LogState | None,
                      register: str | None) -> DirectoryScan | None:
        """Return the scan a directory needs (None when its log is unchanged)."""
        log = Path(directory) / AUDIT_LOG_NAME
        if state is None or not log.is_file():
            return scan_directory(directory, register)
        stat = log.stat()
        if stat.st_size == state.size and str(stat.st_mtime_ns) == state.mtime_ns:
            return None
        try:
            now, entries = log_state(Path(directory))
        except Exception:  # a broken log: the full scan reports it
            return scan_directory(directory, register)
        if len(entries) < state.entries or (
                state.entries and entries[state.entries - 1].get("hash") != state.head):
            return scan_directory(directory, register)
        files = changed_files(entries, state.entries)
        scan = scan_directory(directory, register, files)
        return DirectoryScan(scan.directory, now, scan.entries, scan.refused, False)

    # -- reading ------------------------------------------------------------------

    def count(self) -> int:
        """Return the number of indexed records."""
        from sqlalchemy import func, select

        return int(self._run("counting", lambda c: c.execute(
            select(func.count()).select_from(t.records)).scalar()))

    def find(self, query: Query) -> list[CatalogueEntry]:
        """Return the records matching ``query``, oldest run first."""
        from sqlalchemy import func, or_, select

        r = t.records
        statement = select(r, t.directories.c.path.label("directory")).join(
            t.directories, r.c.directory_id == t.directories.c.id)
        if query.item:
            text = query.item.strip().lower()
            statement = statement.where(or_(func.lower(r.c.item_serial) == text,
                                            func.lower(r.c.item_asset) == text,
                                            func.lower(r.c.item_model) == text))
        if query.standard:
            text = query.standard.strip().lower()
            s = t.standards_used
            users = select(s.c.record).where(or_(func.lower(s.c.register_id) == text,
                                                 func.lower(s.c.serial) == text,
                                                 func.lower(s.c.certificate_id) == text))
            statement = statement.where(r.c.id.in_(users))
        if query.since:
            statement = statement.where(r.c.started_at >= _day_start(query.since))
        if query.until:
            statement = statement.where(
                r.c.started_at < _day_start(query.until) + timedelta(days=1))
        if query.statuses:
            statement = statement.where(r.c.status.in_(query.statuses))
        statement = statement.order_by(r.c.started_at, r.c.record_id)
        return self._run("the query", lambda c: _entries(c, c.execute(statement).all()))

    def entry(self, record_id: str) -> CatalogueEntry | None:
        """Return the indexed record with that ID, or None."""
        from sqlalchemy import select

        r = t.records
        statement = select(r, t.directories.c.path.label("directory")).join(
            t.directories, r.c.directory_id == t.directories.c.id).where(
            r.c.record_id == record_id)
        found = self._run("reading a record", lambda c: _entries(c, c.execute(statement).all()))
        return found[0] if found else None


#: the child columns read back, in the order of the frozen objects' fields
_CHILD_COLUMNS = {
    "standards_used": ("register_id", "name", "manufacturer", "model", "serial",
                       "certificate_id", "calibration_date", "due_date"),
    "points": ("point_id", "phase", "function", "nominal", "unit", "value", "expanded_u",
               "statement", "specific_risk"),
    "signatures": ("action", "name", "role", "fingerprint", "time"),
}
_CHILD_TYPES: dict[str, Callable[..., Any]] = {
    "standards_used": StandardUse, "points": PointDecision, "signatures": SignerEntry}


def _entries(connection: Any, rows: Sequence[Any]) -> list[CatalogueEntry]:
    """Return catalogue entries for record rows, with their standards, points, signers."""
    from sqlalchemy import select

    keys = [row.id for row in rows]
    children: dict[str, dict[int, list[Any]]] = {c.name: {} for c in t.CHILDREN}
    for chunk in _chunks(keys):
        for table in t.CHILDREN:
            make = _CHILD_TYPES[table.name]
            found = children[table.name]
            columns = [table.c.record, *(table.c[n] for n in _CHILD_COLUMNS[table.name])]
            for child in connection.execute(select(*columns).where(table.c.record.in_(chunk))
                                            .order_by(table.c.id)):
                found.setdefault(child[0], []).append(make(*child[1:]))
    return [CatalogueEntry(
        record_id=row.record_id, certificate_id=row.certificate_id, directory=row.directory,
        file=row.file, file_sha256=row.file_sha256, content_sha256=row.content_sha256,
        schema_version=row.schema_version,
        item=Item(row.item_manufacturer, row.item_model, row.item_serial, row.item_asset),
        procedure=row.procedure, procedure_version=row.procedure_version,
        customer=row.customer, operator=row.operator, started_at=_utc(row.started_at),
        ended_at=_utc(row.ended_at), run_status=row.run_status, status=row.status,
        amends=row.amends, superseded_by=row.superseded_by,
        standards=tuple(children["standards_used"].get(row.id, ())),
        points=tuple(children["points"].get(row.id, ())),
        signers=tuple(children["signatures"].get(row.id, ())))
        for row in rows]


def _record_row(entry: CatalogueEntry, directory_id: int, now: datetime) -> dict[str, Any]:
    return {"record_id": entry.record_id, "certificate_id": entry.certificate_id,
            "directory_id": directory_id, "file": entry.file, "file_sha256": entry.file_sha256,
            "content_sha256": entry.content_sha256, "schema_version": entry.schema_version,
            "item_manufacturer": entry.item.manufacturer, "item_model": entry.item.model,
            "item_serial": entry.item.serial, "item_asset": entry.item.asset,
            "procedure": entry.procedure, "procedure_version": entry.procedure_version,
            "customer": entry.customer, "operator": entry.operator,
            "started_at": entry.started_at, "ended_at": entry.ended_at,
            "run_status": entry.run_status, "status": entry.status, "amends": entry.amends,
            "superseded_by": entry.superseded_by, "indexed_at": now}


def _standard_row(use: StandardUse, key: int) -> dict[str, Any]:
    return {"record": key, "register_id": use.register_id, "name": use.name,
            "manufacturer": use.manufacturer, "model": use.model, "serial": use.serial,
            "certificate_id": use.certificate_id, "calibration_date": use.calibration_date,
            "due_date": use.due_date}


def _point_row(point: PointDecision, key: int) -> dict[str, Any]:
    return {"record": key, "point_id": point.point_id, "phase": point.phase,
            "function": point.function, "nominal": point.nominal, "unit": point.unit,
            "value": point.value, "expanded_u": point.U, "statement": point.statement,
            "specific_risk": point.specific_risk}


def _signer_row(signer: SignerEntry, key: int) -> dict[str, Any]:
    return {"record": key, "action": signer.action, "name": signer.name, "role": signer.role,
            "fingerprint": signer.fingerprint, "time": signer.time}


def _shown(url: str) -> str:
    """Return ``url`` with any password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _reason(exc: Exception) -> str:
    """Return the first line of a database error, without SQLAlchemy's help link."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
