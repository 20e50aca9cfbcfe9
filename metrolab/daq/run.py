"""Starting and resuming an acquisition: instruments, journal, file, engine, end.

:func:`start` opens and identifies the instruments, binds the declarations, sets the
instruments up, snapshots them, creates the journal (``run_started``, one ``instrument``
entry per role) and the SWMR data file, runs the plan and records how it ended.
:func:`resume` goes on with a run whose process died: it rebuilds the file from the
journal, reopens the same instruments (same identities) and continues at the step after
the last one journalled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from metrolab.clock import Clock
from metrolab.daq.binding import Bound, bind
from metrolab.daq.config import DaqConfig
from metrolab.daq.engine import DaqEngine
from metrolab.daq.errors import DaqInputError
from metrolab.daq.header import (
    JournalledRun,
    build_layout,
    instrument_data,
    new_run_id,
    read_run,
    run_started_data,
)
from metrolab.daq.instruments import OpenedInstrument, close_instruments, open_instruments, open_one
from metrolab.daq.layout import FileLayout
from metrolab.daq.plans import DaqPlan, log_plan, sweep_plan, sweep_steps
from metrolab.daq.recovery import data_path_for, rebuild
from metrolab.daq.report import DaqReporter, QuietReporter, RunInfo
from metrolab.daq.spec import Axis, Readable, Watch
from metrolab.daq.stats import RunningStats
from metrolab.daq.writer import DaqWriter
from metrolab.instrument.errors import InstrumentError
from metrolab.runner.clocks import make_clock, resume_clock
from metrolab.runner.operator import Operator
from metrolab.runner.signals import handling_signals


@dataclass(frozen=True, slots=True)
class DaqResult:
    """How an acquisition ended, where its files are and what it measured."""

    status: str
    reason: str
    run_id: str
    path: Path
    journal: Path
    rows: int
    #: running statistics of every column (count, mean, std, min, max, latest)
    stats: Mapping[str, RunningStats] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def completed(self) -> bool:
        """Return True when the run did everything it planned."""
        return self.status == "completed"


@dataclass(slots=True)
class Session:
    """What a caller hands to :func:`start` and :func:`resume` besides the declaration."""

    clock: Clock | None = None
    reporter: DaqReporter | None = None
    operator: Operator | None = None
    #: called with the engine before the first step (to pause or abort it from elsewhere)
    on_engine: Callable[[DaqEngine], None] | None = None


def _setup(bound: Bound, instruments: Mapping[str, OpenedInstrument]) -> None:
    """Run every column's set-up once (a DMM's configure), before the first reading."""
    for column in bound.columns:
        if column.setup is not None:
            column.setup(instruments[column.role].driver)


def _refuse_existing(config: DaqConfig) -> None:
    for path, what in ((config.out, "data file"), (config.journal, "journal")):
        if path.exists():
            raise DaqInputError(f"{path} exists: choose another --out (a {what} is never "
                                "replaced; `metrolab daq resume` goes on with a stopped run)")
    if not config.out.parent.is_dir():
        raise DaqInputError(f"--out {config.out}: folder {config.out.parent} does not exist")


def start(config: DaqConfig, session: Session | None = None) -> DaqResult:
    """Run the acquisition ``config`` declares from its first step; return how it ended.

    Bad input (an instrument that cannot be identified, a call its model lacks, an
    existing file) raises :class:`DaqInputError` before anything is journalled.
    """
    from metrolab.store.journal import Journal

    session = session or Session()
    _refuse_existing(config)
    clock = session.clock or make_clock(config.virtual_clock)
    instruments = open_instruments(config.instruments, config.models, config.timeout_s, clock)
    try:
        bound = bind(config, instruments)
        _setup(bound, instruments)
        entries = [instrument_data(i) for i in instruments.values()]
        run_id = new_run_id(config.kind, clock)
        layout = build_layout(config, bound, entries, run_id, clock.now())
        journal = Journal.create(config.journal, run_id, clock=clock)
        try:
            journal.append("run_started", run_started_data(config, layout, clock))
            journal.append_many([("instrument", entry) for entry in entries])
            writer = DaqWriter.create(config.out, layout)
            return _execute(config, layout, bound, instruments, journal, writer, clock,
                            session, first_step=0, stats=None)
        finally:
            journal.close()
    finally:
        close_instruments(instruments)


def _plan_for(config: DaqConfig, layout: FileLayout, bound: Bound,
              clock: Clock) -> Callable[[int], DaqPlan]:
    if config.kind == "sweep":
        return lambda step: sweep_plan(bound.axes, config.readings, step)
    return lambda step: log_plan(clock, layout.started_at, config.every_s, config.duration_s,
                                 config.readings, step, config.steps)


def _execute(config: DaqConfig, layout: FileLayout, bound: Bound,
             instruments: dict[str, OpenedInstrument], journal: Any, writer: DaqWriter,
             clock: Clock, session: Session, *, first_step: int,
             stats: Mapping[str, RunningStats] | None) -> DaqResult:
    reporter = session.reporter or QuietReporter()
    operator = session.operator or Operator(yes=True, interactive=False)

    def reconnect(role: str) -> Any:
        old = instruments[role]
        with contextlib.suppress(InstrumentError):  # the connection is gone: why we reconnect
            old.driver.close()
        new = open_one(role, old.resource, old.identity["model"], config.timeout_s, clock)
        if new.identity != old.identity:
            new.close()
            raise DaqInputError(f"{role} at {old.resource} is now {new.identity}, it was "
                                f"{old.identity}")
        _setup(Bound(tuple(c for c in bound.columns if c.role == role), (), ()),
               {role: new})
        instruments[role] = new
        return new.driver

    engine = DaqEngine(bound=bound, instruments={r: i.driver for r, i in instruments.items()},
                       journal=journal, writer=writer, clock=clock, reporter=reporter,
                       operator=operator, flush_s=config.flush_s, first_row=writer.rows,
                       reconnect=reconnect if config.resumable else None)
    if stats:
        engine.stats.update({name: value for name, value in stats.items()
                             if name in engine.stats})
    reporter.start(RunInfo(
        layout.run_id, config.kind, str(config.out), tuple((c.name, c.unit) for c in
                                                           bound.columns),
        layout.started_at, None if config.duration_s is None else
        layout.started_at + config.duration_s,
        sweep_steps(bound.axes) if bound.axes else config.steps, config.readings, first_step))
    if session.on_engine is not None:
        session.on_engine(engine)
    try:
        with handling_signals(engine, operator.interactive, reporter.note):
            status = engine.run(_plan_for(config, layout, bound, clock), first_step)
        reporter.state(status.status)
    except BaseException:
        writer.close()  # what the journal acknowledged is in it; recover finishes the file
        raise
    finally:
        reporter.stop()
    writer.finish(status.status, clock.now(), status.reason)
    notes = tuple(reporter.notes) if isinstance(reporter, QuietReporter) else ()
    return DaqResult(status.status, status.reason, layout.run_id, config.out, config.journal,
                     engine.rows, dict(engine.stats), notes)


def resume(journal_path: str | Path, *, readables: tuple[Readable, ...] = (),
           axes: tuple[Axis, ...] = (), watches: tuple[Watch, ...] = (),
           instruments: Mapping[str, Any] | None = None,
           session: Session | None = None) -> DaqResult:
    """Go on with the acquisition of ``journal_path`` after its process stopped.

    Rebuilds the data file from the journal, reopens the journalled resources (or takes
    ``instruments``), refuses one whose identity changed, and continues at the step after
    the last journalled one (a log skips the ticks that passed). Readables, axes and
    watches that had the caller's own functions must be given again. Raises
    :class:`DaqInputError` for a run that ended, ran on simulators, or cannot be reopened.
    """
    from metrolab.store.errors import JournalError
    from metrolab.store.journal import Journal, read_journal

    session = session or Session()
    journal_path = Path(journal_path)
    try:
        contents = read_journal(journal_path)
    except JournalError as exc:
        raise DaqInputError(f"cannot resume {journal_path}: {exc}") from exc
    run = read_run(contents)
    _check_resumable(journal_path, run)
    config = DaqConfig.from_dict(run.config, readables=readables, axes=axes, watches=watches)
    config = replace(config, out=data_path_for(journal_path, run))
    if instruments is not None:
        config = replace(config, instruments=dict(instruments))
    elif not config.resumable:
        raise DaqInputError(f"{journal_path}: the run read driver objects given from Python; "
                            "pass the same objects again (instruments=...)")
    clock = session.clock or resume_clock(config.virtual_clock, list(contents))
    opened = open_instruments(config.instruments, config.models, config.timeout_s, clock)
    try:
        _check_identities(run, opened)
        bound = bind(config, opened)
        if tuple(c.name for c in bound.columns) != tuple(c.name for c in run.layout.columns):
            raise DaqInputError(f"{journal_path}: the readables do not match the journalled "
                                f"columns {[c.name for c in run.layout.columns]}")
        _setup(bound, opened)
        recovered = rebuild(journal_path, config.out)
        journal = Journal.open_for_append(journal_path, clock=clock)
        try:
            journal.append("event", {"time": clock.now(), "type": "resume",
                                     "message": f"resumed after an interruption; "
                                                f"{recovered.rows} row(s) kept",
                                     "data": {"last_seq": contents.last_seq,
                                              "problem": contents.problem or ""}})
            writer = DaqWriter.reopen(config.out, run.layout)
            first = int(run.samples[-1].data["step"]) + 1 if run.samples else 0
            return _execute(config, run.layout, bound, opened, journal, writer, clock,
                            session, first_step=first, stats=recovered.stats)
        finally:
            journal.close()
    finally:
        close_instruments(opened)


def _check_resumable(journal_path: Path, run: JournalledRun) -> None:
    if run.ended is not None:
        raise DaqInputError(f"{journal_path}: the run already ended ({run.ended.get('status')}); "
                            "`metrolab daq recover` rebuilds its file, nothing is left to resume")
    if run.config.get("simulation"):
        raise DaqInputError(f"{journal_path} is a run on simulated instruments, which lived in "
                            "the process that stopped: `metrolab daq recover` it and start again")


def _check_identities(run: JournalledRun, opened: Mapping[str, OpenedInstrument]) -> None:
    journalled = {str(i["role"]): i.get("identity") for i in run.layout.instruments}
    for role, instrument in opened.items():
        if journalled.get(role) != instrument.identity:
            raise DaqInputError(
                f"{role} at {instrument.resource} is now {instrument.identity}, the journal "
                f"has {journalled.get(role)}: reconnect the same instrument, or recover the "
                "file (`metrolab daq recover`) and start a new run")


__all__ = ["DaqResult", "Session", "resume", "start"]
