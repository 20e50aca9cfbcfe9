"""Starting and resuming a run: instruments, register check, journal, runner, seal.

:func:`start_run` opens the instruments named on the command line, identifies
them, checks every standard against the register, creates the journal, writes
``run_started``, the runner's settings and one ``instrument`` entry per role, runs
the procedure and seals the record. :func:`resume_run` reads all of that back from
a journal left by a crash and goes on at the first incomplete point.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from metrolab import __version__
from metrolab.clock import Clock, VirtualClock, WallClock, isoformat
from metrolab.instrument.errors import InstrumentError
from metrolab.runner.discovery import Procedure, find_procedure
from metrolab.runner.engine import RunContext, Runner, RunSettings, RunStatus, select_points
from metrolab.runner.errors import ResourceNotAnswering, ResumeError, UserInputError
from metrolab.runner.operator import CUSTOMER_FIELDS, Operator
from metrolab.runner.progress import Reporter
from metrolab.runner.register import LABORATORY_FIELDS, Register

if TYPE_CHECKING:
    from metrolab.store.signing import SigningKey


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything needed to start (or resume) a run; stored in the journal as JSON."""

    procedure: str
    resources: Mapping[str, str]
    out_dir: str
    register: str | None = None
    procedures_dir: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)
    virtual_clock: bool = False
    timeout_s: float = 5.0
    #: who the item is calibrated for: :data:`CUSTOMER_FIELDS`
    customer: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    #: the item calibrated when it is not an instrument (a sensor): manufacturer, model,
    #: serial, description
    item: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the config as JSON-safe data (what the journal's runner note holds)."""
        data = asdict(self)
        data["resources"] = dict(self.resources)
        data["customer"] = dict(self.customer)
        data["item"] = dict(self.item)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Return the config written by :meth:`to_dict`."""
        values = dict(data)
        settings = dict(values.get("settings", {}))
        settings["points"] = tuple(settings.get("points", ()))
        values["settings"] = RunSettings(**settings)
        return cls(**values)

    @staticmethod
    def out_dir_of(entries: list[Any]) -> str | None:
        """Return the ``out_dir`` in the runner note of journal ``entries`` (None if absent)."""
        note = next((e.data["data"]["runner"] for e in entries if e.kind == "event"
                     and e.data.get("type") == "note" and "runner" in e.data.get("data", {})),
                    None)
        return None if note is None else str(note.get("out_dir"))

    def config_hash(self) -> str:
        """Return the SHA-256 (hex) of the canonical JSON of this config."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended and where its files are."""

    status: RunStatus
    run_id: str
    journal: Path
    record: Path


@dataclass(slots=True)
class OpenInstrument:
    """One opened instrument: its role, driver object, resource and identity."""

    role: str
    kind: str
    driver: Any
    resource: str
    identity: dict[str, str]


def open_instruments(procedure: Procedure, resources: Mapping[str, str], timeout_s: float,
                     clock: Clock) -> dict[str, OpenInstrument]:
    """Open and identify the instrument of every role of ``procedure``; return them by role.

    Raises :class:`UserInputError` for a required role without a resource or a role the
    procedure does not have, :class:`ResourceNotAnswering` when a resource cannot be
    opened or does not answer ``*IDN?``, and :class:`UserInputError` when the DUT model
    is not one the procedure applies to. Instruments already opened are closed on failure.
    """
    roles = procedure.metadata.instruments
    unknown = sorted(set(resources) - set(roles))
    if unknown:
        raise UserInputError(f"procedure {procedure.metadata.name} has no role {unknown[0]!r}; "
                             f"its roles are: {', '.join(roles)}")
    missing = [r for r, spec in roles.items() if spec.required and r not in resources]
    if missing:
        option = "--dut" if missing[0] == "dut" else f"--standard {missing[0]}=RESOURCE"
        what = roles[missing[0]].description
        raise UserInputError(f"no resource for role {missing[0]!r} ({what}): give {option}")
    opened: dict[str, OpenInstrument] = {}
    try:
        for role, resource in resources.items():
            opened[role] = _open_one(procedure, role, resource, timeout_s, clock)
    except BaseException:
        close_instruments(opened)
        raise
    return opened


def _open_one(procedure: Procedure, role: str, resource: str, timeout_s: float,
              clock: Clock) -> OpenInstrument:
    spec = procedure.metadata.instruments[role]
    drivers = dict(spec.drivers)
    first = next(iter(drivers.values()))
    driver = _identify(first, role, resource, timeout_s, clock)
    identity = _identity_dict(driver.identity)
    model = identity["model"]
    chosen = next((cls for name, cls in drivers.items() if name.upper() == model.upper()), None)
    if chosen is None:
        driver.close()
        raise UserInputError(
            f"{role} at {resource} is a {identity['manufacturer']} {model}; procedure "
            f"{procedure.metadata.name} needs one of: {', '.join(drivers)}"
        )
    if chosen is not first:
        driver.close()
        driver = _identify(chosen, role, resource, timeout_s, clock)
    return OpenInstrument(role, spec.kind, driver, resource, identity)


def _identify(cls: Any, role: str, resource: str, timeout_s: float, clock: Clock) -> Any:
    options: dict[str, Any] = {"timeout_s": timeout_s}
    if "clock" in inspect.signature(cls.open).parameters:
        options["clock"] = clock  # drivers that wait (settling) wait on the run's clock
    try:
        driver = cls.open(resource, **options)
    except InstrumentError as exc:
        raise ResourceNotAnswering(f"{role} at {resource} cannot be opened: {exc}") from exc
    try:
        driver.identity  # noqa: B018 - the identification query is the point
    except InstrumentError as exc:
        driver.close()
        raise ResourceNotAnswering(
            f"{role} at {resource} does not answer *IDN? within {timeout_s:g} s: {exc}; "
            "check the resource string, the cable and that the instrument is on"
        ) from exc
    return driver


def _identity_dict(identity: Any) -> dict[str, str]:
    return {key: str(getattr(identity, key)) for key in ("manufacturer", "model", "serial",
                                                         "firmware")}


def close_instruments(instruments: Mapping[str, OpenInstrument]) -> None:
    """Close every opened instrument (errors while closing are not interesting any more)."""
    for instrument in instruments.values():
        try:
            instrument.driver.close()
        except InstrumentError:
            continue


def traceability(instruments: Mapping[str, OpenInstrument], register: Register | None,
                 on: datetime, overrides: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Check every standard against the register; return its traceability block by role.

    Raises :class:`UserInputError` when standards are in use and no register is given,
    and the register's named errors for a missing or expired standard.
    """
    blocks: dict[str, dict[str, Any]] = {}
    for role, instrument in instruments.items():
        if instrument.kind != "standard":
            continue
        if register is None:
            raise UserInputError(f"standard {role!r} is in use but no register of standards "
                                 "was given: use --register FILE (format: docs/procedures.md)")
        ident = instrument.identity
        entry, reason = register.check(role, (ident["manufacturer"], ident["model"],
                                              ident["serial"]), on.date(), overrides)
        blocks[role] = entry.traceability(reason)
    return blocks


def make_clock(virtual: bool, not_before: float = 0.0) -> Clock:
    """Return a :class:`VirtualClock` (simulated benches) or the wall clock.

    A virtual clock starts at the wall time, or at ``not_before`` (s since the epoch)
    if that is later, so a resumed run never goes back in time.
    """
    if not virtual:
        return WallClock()
    return VirtualClock(max(datetime.now(UTC).timestamp(), not_before))


def _resume_clock(config: RunConfig, entries: list[Any]) -> Clock:
    last = datetime.fromisoformat(entries[-1].time).timestamp() if entries else 0.0
    return make_clock(config.virtual_clock, last + 1.0)


def new_run_id(procedure: Procedure, dut_serial: str, clock: Clock) -> str:
    """Return a run ID: procedure name, DUT serial and start time (UTC), file-name safe."""
    stamp = datetime.fromtimestamp(clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    serial = "".join(c if c.isalnum() else "-" for c in dut_serial) or "noserial"
    return f"{procedure.metadata.name}-{serial}-{stamp}"


def _context(procedure: Procedure, settings: RunSettings, clock: Clock,
             instruments: Mapping[str, OpenInstrument], *, resumed: bool) -> RunContext:
    drivers = {role: type(i.driver) for role, i in instruments.items()}
    models = {role: i.identity["model"] for role, i in instruments.items()}
    return RunContext("as_found", settings, drivers, models, clock, resumed=resumed)


def _environment_role(procedure: Procedure, instruments: Mapping[str, Any]) -> str | None:
    return next((role for role, spec in procedure.metadata.instruments.items()
                 if spec.kind == "environment" and role in instruments), None)


@contextmanager
def _signals(runner: Runner, interactive: bool) -> Iterator[None]:
    """Ctrl-C pauses (interactive) or aborts (unattended) at the next boundary; SIGTERM aborts."""

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if interactive:
            runner.request_pause()
        else:
            runner.request_abort("interrupted (Ctrl-C) during an unattended run")

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        runner.request_abort("terminated (SIGTERM)")

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; the caller pauses or aborts the runner
        return
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_interrupt),
                signal.SIGTERM: signal.signal(signal.SIGTERM, on_terminate)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


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
    #: the key that signs the seal (a register of keys requires signed seals)
    sealer: SigningKey | None = None


def start_run(config: RunConfig, inputs: RunInputs) -> RunResult:
    """Run ``config.procedure`` from its first point; return how it ended and its files.

    The sealed record is written even when the run aborts. Bad input raises
    :class:`UserInputError` before anything is journalled.
    """
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
        dut = _item(procedure, config, instruments)
        run_id = new_run_id(procedure, dut["serial"], clock)
        journal_path = out_dir / f"{run_id}.journal"
        journal = Journal.create(journal_path, run_id, clock=clock)
        try:
            laboratory = inputs.laboratory or (register.laboratory if register else {})
            # one batch: a journal holds the whole preamble or none of it, so any journal
            # with run_started can be resumed
            journal.append_many([
                ("run_started", _run_started(procedure, config, inputs, run_id, dut, started,
                                             laboratory)),
                ("event", {"time": clock.now(), "type": "note", "message": "runner settings",
                           "data": {"runner": config.to_dict()}}),
                *_override_entries(clock, trace),
                *[("instrument", _instrument_data(instrument, trace.get(role)))
                  for role, instrument in instruments.items()]])
            context = _context(procedure, config.settings, clock, instruments, resumed=False)
            status = _execute(procedure, config, inputs, clock, journal, instruments, context,
                              ())
        finally:
            journal.close()
    finally:
        close_instruments(instruments)
    return RunResult(status, run_id, journal_path,
                     _seal(journal_path, out_dir, run_id, clock, inputs.sealer))


def _override_entries(clock: Clock, trace: Mapping[str, Mapping[str, Any]]
                     ) -> list[tuple[str, dict[str, Any]]]:
    """Return an ``override`` event entry for every standard used past its due date."""
    return [("event", {"time": clock.now(), "type": "override",
                       "message": f"expired standard {role} used: {block['override_reason']}",
                       "data": {"role": role, "reason": block["override_reason"]}})
            for role, block in trace.items() if block["override_reason"]]


def _item(procedure: Procedure, config: RunConfig,
          instruments: Mapping[str, OpenInstrument]) -> dict[str, str]:
    """Return the identity of the item calibrated: the DUT instrument's, or ``config.item``."""
    if "dut" in instruments:
        return dict(instruments["dut"].identity)
    if not config.item.get("serial"):
        raise UserInputError(f"procedure {procedure.metadata.name} calibrates an item that is "
                             "not an instrument: give --item MANUFACTURER,MODEL,SERIAL")
    return {key: config.item.get(key, "") for key in ("manufacturer", "model", "serial",
                                                       "description")}


def _execute(procedure: Procedure, config: RunConfig, inputs: RunInputs, clock: Clock,
             journal: Any, instruments: dict[str, OpenInstrument], context: RunContext,
             done: Any) -> RunStatus:
    def reconnect(role: str) -> Any:
        old = instruments[role]
        with contextlib.suppress(InstrumentError):  # the connection is gone: why we reconnect
            old.driver.close()
        new = _open_one(procedure, role, old.resource, config.timeout_s, clock)
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
                    reconnect=reconnect)
    if inputs.on_runner is not None:
        inputs.on_runner(runner)
    with _signals(runner, inputs.operator.interactive):
        return runner.execute(done)


def _seal(journal_path: Path, out_dir: Path, run_id: str, clock: Clock,
          sealer: SigningKey | None) -> Path:
    from metrolab.store import seal

    return Path(seal(journal_path, out_dir / f"{run_id}.h5", clock=clock, signer=sealer))


def _run_started(procedure: Procedure, config: RunConfig, inputs: RunInputs, run_id: str,
                 dut: Mapping[str, str], started: datetime,
                 laboratory: Mapping[str, str]) -> dict[str, Any]:
    meta = procedure.metadata
    settings = config.settings
    parameters: dict[str, Any] = {"k": 2.0}
    if settings.rule != "simple":
        parameters["guard"] = settings.guard
    return {
        "run_id": run_id,
        "procedure": {"name": meta.name, "version": meta.version, "title": meta.title},
        "software_version": __version__,
        "config_hash": config.config_hash(),
        "operator": inputs.operator.name,
        "item": {"manufacturer": dut["manufacturer"], "model": dut["model"],
                 "serial": dut["serial"],
                 "description": dut.get("description") or inputs.item_description
                 or meta.title},
        "customer": {key: config.customer.get(key, "") for key in CUSTOMER_FIELDS},
        "location": config.location,
        "laboratory": {key: laboratory.get(key, "") for key in LABORATORY_FIELDS},
        "decision_rule": {"rule": settings.rule, "parameters": parameters},
        "started_at": isoformat(started.timestamp()),
    }


def _instrument_data(instrument: OpenInstrument, trace: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"role": instrument.kind, "name": instrument.role,
                            "resource": instrument.resource, "identity": instrument.identity}
    if trace is not None:
        data["traceability"] = trace
    return data


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
    from metrolab.store import Journal, read_journal
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
    note = next((e.data["data"]["runner"] for e in entries if e.kind == "event"
                 and e.data.get("type") == "note" and "runner" in e.data.get("data", {})), None)
    if note is None:
        raise ResumeError(f"journal {journal_path} has no runner settings (it was not written "
                          "by `metrolab run`): seal it with `metrolab recover` instead")
    config = RunConfig.from_dict(note)
    procedure = find_procedure(config.procedure, config.procedures_dir)
    journalled = {e.data["name"]: e.data for e in entries if e.kind == "instrument"}
    clock = inputs.clock or _resume_clock(config, entries)
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
                *_override_entries(clock, trace)])
            context = _context(procedure, config.settings, clock, instruments, resumed=True)
            results = {(e.data["point_id"], e.data["phase"]): e.data for e in entries
                       if e.kind == "point_result"}
            context.results.extend(results.values())
            status = _execute(procedure, config, inputs, clock, journal, instruments, context,
                              done)
        finally:
            journal.close()
    finally:
        close_instruments(instruments)
    out_dir = Path(config.out_dir)
    return RunResult(status, contents.run_id, journal_path,
                     _seal(journal_path, out_dir, contents.run_id, clock, inputs.sealer))
