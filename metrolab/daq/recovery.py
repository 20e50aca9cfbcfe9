"""Rebuilding an acquisition file from its journal after a crash (``metrolab daq recover``).

The journal is the record of truth: every row the file could hold was journalled first.
Recovery reads the journal's valid entries (a torn last line, never acknowledged, is
left out), writes a complete file beside the target (``.<name>.<pid>.tmp``: layout, every
row, every event, the status), fsyncs it and renames it over the target, so a crash
during recovery leaves the old file or the new one. A journal without ``run_ended`` gives
status ``interrupted``. A file that already holds every journalled row and the
journalled end is left as it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import h5py

from metrolab.daq.errors import DaqFileError
from metrolab.daq.header import JournalledRun, read_run
from metrolab.daq.layout import text_value
from metrolab.daq.rows import RowBlock
from metrolab.daq.stats import RunningStats
from metrolab.daq.writer import DaqWriter
from metrolab.store import durable
from metrolab.store.assemble import to_epoch
from metrolab.store.errors import JournalError, JournalLockedError
from metrolab.store.journal import JournalEntry, read_journal
from metrolab.store.locking import is_locked


@dataclass(frozen=True, slots=True)
class DaqRecovery:
    """What :func:`recover` did: ``action`` is ``rebuilt`` or ``already complete``."""

    path: Path
    action: str
    status: str
    rows: int
    run_id: str
    #: why reading the journal stopped early (a torn last line), None when it did not
    problem: str | None
    #: running statistics of every column over all rows (for a resume's live table)
    stats: dict[str, RunningStats] = field(default_factory=dict)


def _refuse_live(journal: Path) -> None:
    """Raise :class:`JournalLockedError` if a running acquisition holds ``journal``."""
    if not journal.is_file():
        raise DaqFileError(f"cannot open journal {journal}: no such file")
    if is_locked(journal):
        raise JournalLockedError(f"journal {journal} is being written by a running "
                                 "acquisition; stop it first")


def data_path_for(journal: Path, run: JournalledRun) -> Path:
    """Return the data file of a journal's run: the journalled file name, beside it."""
    return journal.parent / Path(str(run.config["out"])).name


def _ending(run: JournalledRun) -> tuple[str, float, str]:
    """Return (status, end time in epoch seconds, reason) as the journal says."""
    if run.ended is not None:
        return (str(run.ended.get("status", "completed")),
                to_epoch(run.ended.get("ended_at"), ""), str(run.ended.get("reason", "")))
    last = run.samples[-1] if run.samples else None
    ended_at = float(last.data["t1"]) if last is not None else run.layout.started_at
    reason = (f"interrupted: the journal ends at entry {run.last_seq} without run_ended; "
              "rebuilt from the journal by recovery")
    if run.problem:
        reason += f"; {run.problem}"
    return "interrupted", ended_at, reason


def _journalled_rows(run: JournalledRun) -> int:
    if not run.samples:
        return 0
    last = run.samples[-1].data
    return int(last["row"]) + int(last["count"])


def _complete(path: Path, run: JournalledRun, status: str) -> bool:
    """Return True when ``path`` already holds every journalled row and the end."""
    try:
        with h5py.File(path, "r") as handle:
            entry = handle["entry"]
            return (entry.attrs.get("run_id") == run.run_id
                    and text_value(entry["status"]) == status
                    and int(entry["rows"][()]) == _journalled_rows(run)
                    and entry["events/time"].shape[0] == len(run.events))
    except (OSError, KeyError, ValueError):
        return False


def rebuild(journal: str | os.PathLike[str],
            out: str | os.PathLike[str] | None = None) -> DaqRecovery:
    """Write the data file of ``journal`` from its entries alone; return what was done.

    ``out`` defaults to the journalled file name beside the journal. Raises
    :class:`DaqFileError` for a journal that is not an acquisition's or a file that
    cannot be written.
    """
    journal = Path(journal)
    try:
        run = read_run(read_journal(journal))
    except JournalError as exc:
        raise DaqFileError(str(exc)) from exc
    target = Path(out) if out is not None else data_path_for(journal, run)
    status, ended_at, reason = _ending(run)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink()
    if _complete(target, run, status):
        return DaqRecovery(target, "already complete", status, _journalled_rows(run),
                           run.run_id, run.problem)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        stats = _write(tmp, run, (status, ended_at, reason))
        fd = durable.open_file(tmp, os.O_RDONLY)
        try:
            durable.sync(fd)
        finally:
            os.close(fd)
        durable.replace(tmp, target)
        durable.sync_directory(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DaqFileError(f"cannot write {target}: {exc.strerror or exc}; free disk space "
                           "or fix permissions and recover again (the journal is "
                           "untouched)") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return DaqRecovery(target, "rebuilt", status, _journalled_rows(run), run.run_id,
                       run.problem, stats)


def _write(path: Path, run: JournalledRun, ending: tuple[str, float, str]) -> dict[
        str, RunningStats]:
    """Write the whole file of ``run`` to ``path``; return each column's statistics."""
    columns = tuple(c.name for c in run.layout.columns)
    stats = {name: RunningStats() for name in columns}
    writer = DaqWriter.create(path, run.layout)
    try:
        events = iter(run.events)
        upcoming = next(events, None)
        for sample in run.samples:
            while upcoming is not None and upcoming.seq < sample.seq:
                _event(writer, upcoming)
                upcoming = next(events, None)
            block = RowBlock.from_entry(sample.data, columns)
            writer.append(block)
            for name in columns:
                stats[name].add(block.values[name])
        while upcoming is not None:
            _event(writer, upcoming)
            upcoming = next(events, None)
    except BaseException:
        writer.close()
        raise
    writer.finish(*ending)
    return stats


def _event(writer: DaqWriter, entry: JournalEntry) -> None:
    data = entry.data
    writer.event(to_epoch(data.get("time"), entry.time), str(data.get("type", "")),
                 str(data.get("message", "")), entry.seq)


def recover(journal: str | os.PathLike[str],
            out: str | os.PathLike[str] | None = None) -> DaqRecovery:
    """Rebuild the data file of an acquisition that stopped (a crash, a kill, a power cut).

    Refuses a journal a running acquisition holds (:class:`JournalLockedError`). Returns
    a :class:`DaqRecovery`: ``rebuilt`` with every acknowledged row, or ``already
    complete`` when the file was whole.
    """
    journal = Path(journal)
    _refuse_live(journal)
    return rebuild(journal, out)
