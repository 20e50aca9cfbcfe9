"""Reading records directories for the catalogue: verify, open, describe.

Pure functions of the files (no database), so they can run on Dask workers: a
directory is checked with the store's :func:`~metrolab.store.verification.verify_directory`
(the audit log once, every record against its manifest and its log entry); when that
finds a problem, each record is checked on its own so the intact ones are still
indexed and the others are reported with the reason. Only verified records are indexed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from metrolab.errors import MetrolabError
from metrolab.lab.entries import CatalogueEntry
from metrolab.lab.errors import CatalogueInputError
from metrolab.lab.reading import catalogue_entry
from metrolab.store.audit import AUDIT_LOG_NAME, RECORD_ACTIONS, AuditLog
from metrolab.store.durable import file_sha256
from metrolab.store.record import open_record
from metrolab.store.signing import KeyRegister
from metrolab.store.verification import record_files, verify_directory, verify_record
from metrolab.tomlfile import read_toml

#: audit-log actions that change what the catalogue holds about a record
CATALOGUED_ACTIONS = (*RECORD_ACTIONS, "reviewed", "approved")


@dataclass(frozen=True, slots=True)
class NotIndexed:
    """A record (or a whole directory) left out of the catalogue, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class LogState:
    """How far the catalogue has read a directory's audit log: number of entries, hash of
    the last one, and the file's size and modification time (ns) at that moment."""

    entries: int
    head: str
    size: int
    mtime_ns: str


@dataclass(frozen=True)
class DirectoryScan:
    """What a records directory gave: the log state, the entries of its verified records
    and the records (or the directory) left out with the reason. ``full`` is True when
    the whole directory was read (False: only the records named by new log entries)."""

    directory: str
    log: LogState
    entries: tuple[CatalogueEntry, ...]
    refused: tuple[NotIndexed, ...]
    full: bool


def key_register(register: str | os.PathLike[str] | None) -> KeyRegister | None:
    """Return the signing keys of the register (None without a register, or when it
    holds no ``[[signer]]`` table: signatures are then checked against their own keys)."""
    if register is None:
        return None
    data = read_toml(Path(register), "register", CatalogueInputError)
    return KeyRegister.load(register) if data.get("signer") else None


def log_state(directory: Path) -> tuple[LogState, list[dict[str, object]]]:
    """Return the state of the audit log in ``directory`` and its entries."""
    path = directory / AUDIT_LOG_NAME
    stat = path.stat()
    entries = AuditLog(path).entries()
    head = str(entries[-1]["hash"]) if entries else ""
    return LogState(len(entries), head, stat.st_size, str(stat.st_mtime_ns)), entries


def _problem_text(problems: Iterable[str]) -> str:
    found = list(problems)
    more = f" (and {len(found) - 2} more)" if len(found) > 2 else ""
    return "; ".join(found[:2]) + more


def _describe(paths: Iterable[Path], keys: KeyRegister | None,
              checked: bool) -> tuple[list[CatalogueEntry], list[NotIndexed]]:
    """Return entries of the records at ``paths`` (each verified first unless ``checked``)."""
    entries, refused = [], []
    for path in paths:
        if not checked:
            report = verify_record(path, register=keys)
            if not report.ok:
                refused.append(NotIndexed(str(path), "not intact: "
                                          + _problem_text(report.problems)))
                continue
        try:
            record = open_record(path, check=False, register=keys)
            entries.append(catalogue_entry(record, file_sha256(path)))
        except (MetrolabError, OSError) as exc:
            refused.append(NotIndexed(str(path), f"cannot be read: {exc}"))
    return entries, refused


def scan_directory(directory: str, register: str | None = None,
                   files: tuple[str, ...] | None = None) -> DirectoryScan:
    """Verify and read the records of ``directory``; return the :class:`DirectoryScan`.

    With ``files`` only those record files are read (each verified on its own);
    otherwise the whole directory is verified at once, then record by record if that
    found a problem. ``register`` names the register whose ``[[signer]]`` keys the
    signatures must verify against. Never raises for a bad record: it is in ``refused``.
    """
    folder = Path(directory).resolve()
    if not (folder / AUDIT_LOG_NAME).is_file():
        return DirectoryScan(str(folder), LogState(0, "", 0, ""), (),
                             (NotIndexed(str(folder), f"no {AUDIT_LOG_NAME}: not a records "
                                                      "directory"),), True)
    try:
        keys = key_register(register)
        state, _ = log_state(folder)
    except (MetrolabError, OSError) as exc:
        return DirectoryScan(str(folder), LogState(0, "", 0, ""), (),
                             (NotIndexed(str(folder), str(exc)),), True)
    if files is not None:
        entries, refused = _describe([folder / name for name in files], keys, checked=False)
        return DirectoryScan(str(folder), state, tuple(entries), tuple(refused), False)
    present = record_files(folder)
    report = verify_directory(folder, register=keys)
    entries, refused = _describe(present, keys, checked=report.ok)
    if not report.ok:  # problems that belong to no record file (the log, a missing record)
        names = {p.name for p in present}
        general = [p for p in report.problems if p.split(":", 1)[0] not in names]
        if general:
            refused.append(NotIndexed(str(folder), _problem_text(general)))
    return DirectoryScan(str(folder), state, tuple(entries), tuple(refused), True)


def changed_files(entries: list[dict[str, object]], since: int) -> tuple[str, ...]:
    """Return the record files that audit-log entries after the first ``since`` concern:
    new seals and amendments, reviews and approvals, and records an amendment replaced."""
    files: dict[str, str] = {}
    for entry in entries:
        if entry.get("action") in RECORD_ACTIONS:
            files[str(entry.get("record_id"))] = str(entry.get("file"))
    touched: list[str] = []
    for entry in entries[since:]:
        if entry.get("action") not in CATALOGUED_ACTIONS:
            continue  # e.g. impact_assessed, torn_tail_removed: nothing the catalogue holds
        for record_id in (entry.get("record_id"), entry.get("amends")):
            name = files.get(str(record_id)) if record_id else None
            if name and name not in touched:
                touched.append(name)
    return tuple(touched)
