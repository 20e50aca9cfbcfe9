"""Starting and resuming a run: instruments, register check, journal, runner, seal.

:func:`start_run` opens the instruments named in the config, identifies them, checks
every standard against the register, creates the journal, writes ``run_started``, the
runner's settings and one ``instrument`` entry per role, runs the procedure and seals
the record. :func:`resume_run` reads all of that back from a journal left by a crash
and goes on at the first incomplete point.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrolab.clock import Clock
from metrolab.instrument import spec_sources
from metrolab.instrument.errors import InstrumentError
from metrolab.runner.clocks import make_clock, resume_clock
from metrolab.runner.config import RunConfig, runner_note
from metrolab.runner.discovery import Procedure, find_procedure
from metrolab.runner.engine import RunContext, Runner, RunSettings, RunStatus, select_points
from metrolab.runner.errors import ResumeError
from metrolab.runner.header import instrument_data, new_run_id, run_started_data
from metrolab.runner.instruments import (
    OpenInstrument,
    close_instruments,
    open_instruments,
    open_one,
)
from metrolab.runner.item import item_identity
from metrolab.runner.operator import Operator
from metrolab.runner.procedure import ManualSetting
from metrolab.runner.progress import Reporter
from metrolab.runner.register import Register, Standard
from metrolab.runner.signals import handling_signals
from metrolab.runner.traceability import override_entries, standards_in_use, traceability

if TYPE_CHECKING:
    from metrolab.store.signing import SigningKey


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended and where its files are."""

    status: RunStatus
    run_id: str
    journal: Path
    record: Path
    #: how many points (phases counted) the run set out to measure
    planned: int = 0


@dataclass(slots=True)
class RunInputs:
    """What a caller hands to :func:`start_run` besides the config."""

    operator: Operator
    reporter: Reporter
    clock: Clock | None = None
    overrides: Mapping[str, str] = field(default_factory=dict)
    item_description: str = ""
    laboratory: Mapping[str, str] = field(default_factory=dict)
    on_runner: Callable[[Runner], None] | None = None
    #: applies what the operator sets by hand, on a simulated bench (returns what it did)
    manual: Callable[[ManualSetting], str] | None = None
    #: the key that signs the seal (a register of keys requires signed seals)
    sealer: SigningKey | None = None


def start_run(config: RunConfig, inputs: RunInputs) -> RunResult:
    """Run ``config.procedure`` from its first point; return how it ended and its files.

    The sealed record is written even when the run aborts. Bad input raises
    :class:`UserInputError` before anything is journalled.
    """
    with spec_sources.lab_specs(config.specs_dirs):
        return _start_run(config, inputs)


def _start_run(config: RunConfig, inputs: RunInputs) -> RunResult:
    from metrolab.store import Journal
    from metrolab.store.durable import prepare_folder

    procedure = find_procedure(config.procedure, config.procedures_dir)
    select_points(procedure, config.settings.points)  # refuse a pattern before any I/O
    register = Register.load(config.register) if config.register else None
    out_dir = prepare_folder(Path(config.out_dir), "output folder (--out)")
    clock = inputs.clock or make_clock(config.virtual_clock)
    instruments = open_instruments(procedure, config.resources, config.timeout_s, clock)
    try:
        started = datetime.fromtimestamp(clock.now(), tz=UTC)
        trace = traceability(instruments, register, started, inputs.overrides)
        item = item_identity(procedure, {**inputs.operator.answers.item, **config.item},
                             instruments, register, inputs.operator)
        context = _context(config.settings, clock, instruments, resumed=False,
                           standards=standards_in_use(instruments, register))
        # points that depend on the instruments identified: the patterns are checked now,
        # before anything is journalled
        select_points(procedure, config.settings.points, context)
        run_id = new_run_id(procedure, item["serial"], clock)
        journal_path = out_dir / f"{run_id}.journal"
        journal = Journal.create(journal_path, run_id, clock=clock)
        try:
            laboratory = inputs.laboratory or (register.laboratory if register else {})
            # one batch: a journal holds the whole preamble or none of it, so any journal
            # with run_started can be resumed
            journal.append_many([
                ("run_started", run_started_data(
                    procedure, config, inputs.operator.name, run_id, item,
                    inputs.item_description, started, laboratory, clock, context)),
                ("event", {"time": clock.now(), "type": "note", "message": "runner settings",
                           "data": {"runner": config.to_dict()}}),
                *override_entries(clock, trace),
                *[("instrument", instrument_data(instrument, trace.get(role)))
                  for role, instrument in instruments.items()]])
            status, planned = _execute(procedure, config, inputs, clock, journal, instruments,
                                       context, ())
        finally:
            journal.close()
    finally:
        close_instruments(instruments)
    return RunResult(status, run_id, journal_path,
                     _seal(journal_path, out_dir, run_id, clock, inputs.sealer), planned)


def _context(settings: RunSettings, clock: Clock, instruments: Mapping[str, OpenInstrument],
             *, resumed: bool, standards: Mapping[str, Standard]) -> RunContext:
    drivers = {role: type(i.driver) for role, i in instruments.items()}
    models = {role: i.identity["model"] for role, i in instruments.items()}
    return RunContext("as_found", settings, drivers, models, clock, resumed=resumed,
                      standards=standards)


def _environment_role(procedure: Procedure, instruments: Mapping[str, Any]) -> str | None:
    return next((role for role, spec in procedure.metadata.instruments.items()
                 if spec.kind == "environment" and role in instruments), None)


def _execute(procedure: Procedure, config: RunConfig, inputs: RunInputs, clock: Clock,
             journal: Any, instruments: dict[str, OpenInstrument], context: RunContext,
             done: Any) -> tuple[RunStatus, int]:
    """Run the points not ``done``; return how the run ended and how many points it planned."""
    def reconnect(role: str) -> Any:
        old = instruments[role]
        with contextlib.suppress(InstrumentError):  # the connection is gone: why we reconnect
            old.driver.close()
        new = open_one(procedure, role, old.resource, config.timeout_s, clock)
        if new.identity != old.identity:
            new.driver.close()
            raise ResumeError(f"{role} at {old.resource} is now {new.identity}, it was "
                              f"{old.identity}")
        instruments[role] = new  # closed at the end of the run with the others
        return new.driver

    runner = Runner(procedure, clock=clock, operator=inputs.operator,
                    reporter=inputs.reporter, settings=config.settings, context=context,
                    journal=journal,
                    instruments={role: i.driver for role, i in instruments.items()},
                    environment_role=_environment_role(procedure, instruments),
                    reconnect=reconnect, manual=inputs.manual)
    if inputs.on_runner is not None:
        inputs.on_runner(runner)
    with handling_signals(runner, inputs.operator.interactive, inputs.reporter.note):
        return runner.execute(done), len(runner.work())


def _seal(journal_path: Path, out_dir: Path, run_id: str, clock: Clock,
          sealer: SigningKey | None) -> Path:
    from metrolab.store import seal

    return Path(seal(journal_path, out_dir / f"{run_id}.h5", clock=clock, signer=sealer))


def resume_run(journal_path: str | Path, inputs: RunInputs) -> RunResult:
    """Go on with the run of a journal left without ``run_ended``; return how it ended.

    Reopens the instruments at the journalled resources and refuses to go on when one
    of them is not the same instrument (identity changed). Points with a
    ``point_result`` are kept; the first incomplete one is measured again from its
    start. Every standard is checked against the register again, as on a fresh run:
    one that fell due since the run started stops the resume (the register's
    :class:`StandardExpired`) unless ``inputs.overrides`` gives a reason, which is
    journalled. Raises :class:`ResumeError` for a journal that cannot be resumed.
    """
    from metrolab.store import read_journal
    from metrolab.store.errors import JournalError
    from metrolab.store.sealing import sealed_record

    journal_path = Path(journal_path)
    try:
        contents = read_journal(journal_path)
    except JournalError as exc:
        raise ResumeError(f"cannot resume {journal_path}: {exc}") from exc
    entries = list(contents)
    sealed = sealed_record(journal_path, Path(RunConfig.out_dir_of(entries) or journal_path.parent))
    if sealed is not None:
        raise ResumeError(f"journal {journal_path} was already sealed as {sealed}: a sealed run "
                          "is final; start a new run")
    if any(e.kind == "run_ended" for e in entries):
        raise ResumeError(f"journal {journal_path} already ended (run_ended is in it); its "
                          "record can be sealed with `metrolab recover`, not resumed")
    note = runner_note(entries)
    if note is None:
        raise ResumeError(f"journal {journal_path} has no runner settings (it was not written "
                          "by `metrolab run`): seal it with `metrolab recover` instead")
    config = RunConfig.from_dict(note)
    with spec_sources.lab_specs(config.specs_dirs):
        return _resume_run(journal_path, entries, contents, config, inputs)


def _resume_run(journal_path: Path, entries: list[Any], contents: Any, config: RunConfig,
                inputs: RunInputs) -> RunResult:
    from metrolab.store import Journal

    if config.simulation:
        raise ResumeError(f"journal {journal_path} is of a run on simulated instruments, which "
                          "lived in the process that stopped: seal it with `metrolab recover` "
                          "and rehearse again")
    procedure = find_procedure(config.procedure, config.procedures_dir)
    journalled = {e.data["name"]: e.data for e in entries if e.kind == "instrument"}
    clock = inputs.clock or resume_clock(config.virtual_clock, entries)
    instruments = open_instruments(procedure, config.resources, config.timeout_s, clock)
    try:
        for role, instrument in instruments.items():
            before = journalled.get(role, {}).get("identity")
            if before != instrument.identity:
                raise ResumeError(
                    f"{role} at {instrument.resource} is now {instrument.identity}, the journal "
                    f"has {before}: reconnect the same instrument, or seal the journal with "
                    "`metrolab recover` and start a new run"
                )
        register = Register.load(config.register) if config.register else None
        trace = traceability(instruments, register, datetime.fromtimestamp(clock.now(), tz=UTC),
                             inputs.overrides)
        done = {(e.data["point_id"], e.data["phase"]) for e in entries
                if e.kind == "point_result"}
        journal = Journal.open_for_append(journal_path, clock=clock)
        try:
            journal.append_many([
                ("event", {"time": clock.now(), "type": "resume",
                           "message": f"resumed after an interruption; {len(done)} "
                                      "point(s) already measured are kept",
                           "data": {"last_seq": contents.last_seq,
                                    "problem": contents.problem or ""}}),
                *override_entries(clock, trace)])
            context = _context(config.settings, clock, instruments, resumed=True,
                               standards=standards_in_use(instruments, register))
            results = {(e.data["point_id"], e.data["phase"]): e.data for e in entries
                       if e.kind == "point_result"}
            context.results.extend(results.values())
            status, planned = _execute(procedure, config, inputs, clock, journal, instruments,
                                       context, done)
        finally:
            journal.close()
    finally:
        close_instruments(instruments)
    out_dir = Path(config.out_dir)
    return RunResult(status, contents.run_id, journal_path,
                     _seal(journal_path, out_dir, contents.run_id, clock, inputs.sealer),
                     planned)
