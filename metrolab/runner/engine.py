"""The run engine: the only place where a procedure's plans meet instruments and the journal.

The engine drives a procedure's plans (generators of messages, see
:mod:`metrolab.runner.procedure`) point by point. For every message it prompts the
operator, waits on the injected clock, calls a driver or takes readings, and writes
the journal as it goes: ``point_started``, every ``reading`` before the plan sees it,
``point_result``, ``environment`` samples and ``event``s. Between points it honours
pause and abort requests and checks suspenders.

A fault of an instrument (timeout, dropped connection, garbled reply, SCPI error)
puts the instruments in their safe state and repeats the point once (``retry``
event); a second fault aborts the run cleanly. An interrupted point is measured
again from its start, so a record never holds a point twice: the journal's
``retry`` event tells the store which attempt to drop.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import pint

from metrolab.clock import Clock, isoformat
from metrolab.errors import UserInputError
from metrolab.instrument import spec_sources
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentError,
    InstrumentTimeout,
)
from metrolab.instrument.roles import EnvironmentMonitor, Instrument
from metrolab.runner.discovery import Procedure
from metrolab.runner.errors import OperatorAborted, RunAborted
from metrolab.runner.journalling import (
    point_result_data,
    point_started_data,
    quantity_data,
    readings_entries,
)
from metrolab.runner.operator import Operator
from metrolab.runner.procedure import (
    Do,
    ManualSetting,
    Message,
    Note,
    Plan,
    PointOutcome,
    Prompt,
    Read,
    StopRun,
    TestPoint,
    Wait,
    Watch,
)
from metrolab.runner.progress import Reporter
from metrolab.runner.recovery import clear_transports, reopen_lost
from metrolab.runner.register import Standard
from metrolab.runner.standard_values import ValueLookup, lookup_value
from metrolab.runner.suspenders import HoldEnded, Suspender, hold_while_out_of_band
from metrolab.store.errors import JournalWriteError
from metrolab.units import Quantity

PHASES = ("as_found", "as_left")


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How to run: readings per point, decision rule, adjustment, fault tolerance."""

    readings: int = 10
    rule: str = "simple"
    guard: str | None = None
    adjust: bool = False
    retries: int = 1
    #: suspenders poll every ``suspend_poll_s`` and give up after ``suspend_max_s`` (clock seconds)
    suspend_poll_s: float = 60.0
    suspend_max_s: float = 4 * 3600.0
    #: only the points whose id matches one of these shell patterns (all when empty)
    points: tuple[str, ...] = ()
    #: the lab's minimum test uncertainty ratio: a point below it is flagged before the run
    #: (the customary 4:1 of ANSI/NCSL Z540.3 and ILAC-G8)
    min_tur: float = 4.0
    #: what to do with a point below ``min_tur``: ``flag`` (measure it, the flag recorded)
    #: or ``refuse`` (leave it out); procedures that estimate TURs before the run honour it
    low_tur: str = "flag"


@dataclass(slots=True)
class RunContext:
    """What a plan may know about the run (it never holds an instrument).

    ``drivers`` maps each role to its driver class (for specifications as data),
    ``models`` to the instrument model read with ``*IDN?`` (the driver's default
    model in a dry run); ``lab_temperature`` is the last environment sample.
    """

    phase: str
    settings: RunSettings
    drivers: Mapping[str, type[Instrument]]
    models: Mapping[str, str]
    clock: Clock
    dry_run: bool = False
    resumed: bool = False
    lab_temperature: pint.Quantity | None = None
    #: the ``point_result`` data of every point measured so far (journal order, resumes too)
    results: list[dict[str, Any]] = field(default_factory=list)
    #: the register entry of every standard in use, by role (empty in a dry run)
    standards: Mapping[str, Standard] = field(default_factory=dict)

    def standard_value(self, role: str, value: pint.Quantity,
                       frequency: pint.Quantity | None = None) -> ValueLookup:
        """Return the correction of the standard in ``role`` at ``value`` (and ``frequency``)
        on the day of the run, from its certificate or drift model when the register asks
        for that (:mod:`metrolab.runner.standard_values`); a lookup without value means
        the procedure keeps its specification route (the lookup says why)."""
        standard = self.standards.get(role)
        if standard is None:
            return ValueLookup(None)
        day = datetime.fromtimestamp(self.clock.now(), tz=UTC).date()
        return lookup_value(standard, value, frequency, day)


@dataclass(frozen=True, slots=True)
class RunStatus:
    """How a run ended: ``completed`` or ``aborted``, with the reason."""

    status: str
    reason: str = ""


class _Abort(Exception):
    """Internal: stop the run cleanly for ``reason`` (becomes run_ended ``aborted``)."""


class _Restart(Exception):
    """Internal: a suspender tripped inside a point; measure the point again from its start."""


class Runner:
    """Executes one procedure against opened instruments (or none, for a dry run).

    ``journal`` None means a dry run: nothing is opened or written, every plan is
    walked with placeholder readings and listed by the reporter.
    """

    def __init__(
        self,
        procedure: Procedure,
        *,
        clock: Clock,
        operator: Operator,
        reporter: Reporter,
        settings: RunSettings,
        context: RunContext,
        journal: Any = None,
        instruments: Mapping[str, Instrument] | None = None,
        environment_role: str | None = None,
        reconnect: Callable[[str], Instrument] | None = None,
        manual: Callable[[ManualSetting], str] | None = None,
    ) -> None:
        self.procedure = procedure
        self.clock = clock
        self.operator = operator
        self.reporter = reporter
        self.settings = settings
        self.ctx = context
        self.journal = journal
        self.instruments = dict(instruments or {})
        self.environment_role = environment_role
        self.reconnect = reconnect
        #: applies what the operator sets by hand (simulated benches); returns what it did
        self.manual = manual
        self.suspenders = self._suspenders()
        #: suspenders a plan asked for with :class:`Watch`, for the current point only
        self._watches: list[Suspender] = []
        #: True while the operator is being asked something (Ctrl-C then aborts the prompt)
        self.prompting = False
        self._pause_requested = False
        self._abort_reason: str | None = None
        self._reading_index = 0
        self._point: TestPoint | None = None
        self._phase = "as_found"
        self._journal_failed = False  # a journal that failed to write takes no more entries

    def _suspenders(self) -> tuple[Suspender, ...]:
        band = self.procedure.metadata.temperature_band_c
        if self.dry_run or band is None or self.environment_role not in self.instruments:
            return ()
        return (Suspender("lab temperature", self._lab_temperature, Quantity(band[0], "degC"),
                          Quantity(band[1], "degC"), self.settings.suspend_poll_s,
                          self.settings.suspend_max_s),)

    def _lab_temperature(self) -> pint.Quantity:
        temperature = self.sample_environment()
        assert temperature is not None  # only called when there is an environment instrument
        return temperature

    @property
    def dry_run(self) -> bool:
        """Return True when nothing is measured (no journal)."""
        return self.journal is None

    @property
    def pause_pending(self) -> bool:
        """Return True when a pause was asked for and has not been taken yet."""
        return self._pause_requested

    def request_pause(self) -> None:
        """Ask for a pause at the next point boundary (the operator then resumes or aborts)."""
        self._pause_requested = True

    def request_abort(self, reason: str) -> None:
        """Ask for a clean abort at the next message boundary, for ``reason``."""
        self._abort_reason = reason

    # -- the run ---------------------------------------------------------------

    def phases(self) -> tuple[str, ...]:
        """Return the phases this run measures: as-found, and as-left when adjusting."""
        return PHASES if self.settings.adjust else PHASES[:1]

    def work(self) -> list[tuple[str, TestPoint]]:
        """Return every (phase, point) of the run in order (restricted by ``settings.points``)."""
        points = select_points(self.procedure, self.settings.points, self.ctx)
        return [(phase, point) for phase in self.phases() for point in points]

    def execute(self, done: Iterable[tuple[str, str]] = ()) -> RunStatus:
        """Run every point not in ``done`` (pairs of point_id, phase); return how the run ended.

        Writes ``run_ended`` (completed or aborted) unless an unexpected error (a bug,
        a journal that cannot be written, an unanswered prompt) stops it: then the
        instruments are made safe, the error is journalled as a ``fault`` event (unless
        the journal itself failed: its error says what it kept) and re-raised, and the
        journal stays ready for ``metrolab resume``.
        """
        finished = set(done)
        work = self.work()
        self.reporter.start(len(work), sum((p.point_id, ph) in finished for ph, p in work))
        try:
            try:
                status = self._execute(work, finished)
            except _Abort as abort:
                status = self._abort(str(abort))
            except InstrumentError as exc:  # outside a point (prepare, adjust): no retry
                self._event("fault", str(exc), {"error": type(exc).__name__})
                status = self._abort(f"instrument fault outside a test point: {exc}")
        except BaseException as exc:  # also a journal that fails while aborting
            if isinstance(exc, JournalWriteError):  # its message says what was kept
                self._journal_failed = True
            self._event("fault", f"run stopped by {type(exc).__name__}: {exc}", {})
            self._make_safe()
            raise
        finally:
            self.reporter.stop()
        return status

    def _execute(
        self, work: list[tuple[str, TestPoint]], finished: set[tuple[str, str]]
    ) -> RunStatus:
        module = self.procedure.module
        if hasattr(module, "prepare"):
            self._run_plan(module.prepare(self.ctx))
        connection: str | None = None
        adjusted = False
        for number, (phase, point) in enumerate(work, 1):
            if (point.point_id, phase) in finished:
                continue
            if phase == "as_left" and not adjusted:
                adjusted = True
                if hasattr(module, "adjust"):
                    self.ctx.phase = phase
                    self._run_plan(module.adjust(self.ctx))
            self._between_points()
            if point.connection and point.connection != connection:
                self._do(Prompt(connection_key(point),
                                f"Connect: {point.connection}. Confirm when done."))
                connection = point.connection
            self.reporter.point(number, len(work), point, phase)
            self._measure(point, phase)
        if hasattr(module, "conclude"):
            self._run_plan(module.conclude(self.ctx))
        self._make_safe()
        if not self.dry_run:
            self.journal.append("run_ended", {"status": "completed",
                                              "ended_at": _iso(self.clock), "reason": ""})
        return RunStatus("completed")

    def _measure(self, point: TestPoint, phase: str) -> None:
        self._point, self._phase = point, phase
        self.ctx.phase = phase
        faults = 0
        while True:
            self._reading_index = 0
            self._watches.clear()
            if not self.dry_run:
                self.journal.append("point_started", point_started_data(point, phase))
            try:
                outcome = self._run_plan(self.procedure.module.measure_point(self.ctx, point))
            except _Restart as restart:
                self._event("retry", f"point {point.point_id} ({phase}) measured again: {restart}",
                            {"point_id": point.point_id, "phase": phase, "cause": "suspended"})
                continue
            except InstrumentError as exc:
                faults += 1
                self._event("fault", str(exc), {"point_id": point.point_id, "phase": phase,
                                                "error": type(exc).__name__})
                self.reporter.note(f"[red]fault[/red] at {point.point_id}: {exc}")
                self._make_safe()
                if faults > self.settings.retries:
                    raise _Abort(f"instrument fault at point {point.point_id} ({phase}) "
                                 f"persisted after {self.settings.retries} retry: {exc}") from exc
                # a timeout may be the first sign of a dropped connection: reopen either way
                if isinstance(exc, InstrumentConnectionError | InstrumentTimeout) and \
                        self._reconnect(exc):
                    self._make_safe()
                clear_transports(self.instruments, self._event)
                self._event("retry", f"point {point.point_id} ({phase}) measured again after "
                            "a fault", {"point_id": point.point_id, "phase": phase,
                                        "cause": "fault"})
                continue
            if not isinstance(outcome, PointOutcome):
                raise TypeError(f"measure_point of {self.procedure.metadata.name} returned "
                                f"{outcome!r}, not a PointOutcome")
            result = point_result_data(point, phase, outcome)
            if not self.dry_run:
                self.journal.append("point_result", result)
            self.ctx.results.append(result)
            self.reporter.point_done(str(outcome.decision.get("statement", "")))
            self._point = None
            self._watches.clear()
            return

    # -- plans and messages ----------------------------------------------------

    def _run_plan(self, plan: Plan) -> Any:
        reply: Any = None
        try:
            while True:
                if self._abort_reason is not None:
                    raise _Abort(self._abort_reason)
                try:
                    message = plan.send(reply)
                except StopIteration as stop:
                    self._journal_specifications()
                    return stop.value
                except StopRun as stop:
                    raise _Abort(str(stop)) from stop
                reply = self._do(message)
        finally:
            plan.close()

    def _do(self, message: Message) -> Any:
        self.reporter.message(message)
        if isinstance(message, Prompt):
            return self._prompt(message)
        if isinstance(message, Wait):
            return self._wait(message)
        if isinstance(message, Read):
            return self._read(message)
        if isinstance(message, Do):
            if self.dry_run:
                return None
            return message.action(self.instruments[message.role])
        if isinstance(message, Watch):
            return self._watch(message)
        if isinstance(message, Note):
            data = dict(message.data)
            if self._point is not None:
                data.update(point_id=self._point.point_id, phase=self._phase)
            self._event("note", message.text, data)
            return None
        raise TypeError(f"plan of {self.procedure.metadata.name} yielded {message!r}, "
                        "not a Prompt, Wait, Do, Read, Watch or Note")

    def _prompt(self, prompt: Prompt) -> bool:
        if self.dry_run:
            return prompt.default if prompt.kind == "yes_no" else True
        self._event("prompt", prompt.text, {"key": prompt.key, "kind": prompt.kind})
        self.prompting = True
        try:
            answer, how = self.operator.answer(prompt)
        except OperatorAborted as exc:
            raise _Abort(f"aborted by the operator at the prompt {prompt.key!r}") from exc
        finally:
            self.prompting = False
        self._event("answer", f"{'yes' if answer else 'no'} ({how})",
                    {"key": prompt.key, "answer": answer, "via": how})
        if prompt.kind == "confirm" and not answer:
            raise _Abort(f"the operator did not confirm: {prompt.text}")
        if answer and prompt.setting is not None and self.manual is not None:
            done = self.manual(prompt.setting)
            self._event("note", f"simulation: {done}", {"key": prompt.key,
                                                        "setting": prompt.setting.name,
                                                        "value": quantity_data(
                                                            prompt.setting.value)})
        return answer

    def _watch(self, watch: Watch) -> None:
        if self.dry_run:
            return
        role = watch.role
        self._watches.append(Suspender(
            watch.name, lambda: watch.read(self.instruments[role]), watch.low, watch.high,
            watch.poll_s, watch.max_wait_s))

    def _wait(self, wait: Wait) -> None:
        if self.dry_run:
            return
        remaining = wait.seconds
        step = min((s.poll_s for s in self._active_suspenders()),
                   default=remaining) or remaining
        while remaining > 0:
            chunk = min(step, remaining)
            self.clock.sleep(chunk)
            remaining -= chunk
            if self._abort_reason is not None:
                raise _Abort(self._abort_reason)
            if self._hold_while_suspended() and self._point is not None:
                raise _Restart(f"suspended during '{wait.reason}'")

    def _read(self, read: Read) -> pint.Quantity:
        if self.dry_run:
            return read.placeholder * np.ones(read.count)
        readings = read.read(self.instruments[read.role], read.count)
        readings = readings.reshape(-1) if np.ndim(readings.magnitude) else readings * np.ones(1)
        if read.journal and self._point is not None:
            entries = readings_entries(self._point.point_id, self._phase, self._reading_index,
                                       self.clock.now(), readings)
            self.journal.append_many(entries)
            self._reading_index += len(entries)
        return readings

    # -- between points: pause, abort, environment, suspenders -----------------

    def _between_points(self) -> None:
        if self._abort_reason is not None:
            raise _Abort(self._abort_reason)
        if self._pause_requested and not self.dry_run:
            self._pause_requested = False
            self._event("pause", "paused by the operator", {})
            self.reporter.note("[yellow]paused[/yellow]")
            go_on, _ = self.operator.answer(
                Prompt("resume-after-pause", "Run paused. Resume it? (no aborts the run)",
                       kind="yes_no", default=True))
            if not go_on:
                raise _Abort("aborted by the operator during a pause")
            self._event("resume", "resumed by the operator", {})
            self.reporter.note("resumed")
        if not self.dry_run:
            self._hold_while_suspended()

    def sample_environment(self) -> pint.Quantity | None:
        """Read the environment instrument, journal the sample; return the temperature (°C).

        Returns None when the procedure has no environment instrument.
        """
        if self.environment_role is None or self.environment_role not in self.instruments:
            return None
        monitor = cast(EnvironmentMonitor, self.instruments[self.environment_role])
        reading = monitor.read()
        self.journal.append("environment", {
            "time": self.clock.now(),
            "temperature": quantity_data(reading.temperature),
            "humidity": quantity_data(reading.humidity),
            "pressure": quantity_data(reading.pressure),
        })
        temperature: pint.Quantity = reading.temperature
        self.ctx.lab_temperature = temperature
        return temperature

    def _active_suspenders(self) -> tuple[Suspender, ...]:
        """Return the run's suspenders and those the current point watches."""
        return (*self.suspenders, *self._watches)

    def _hold_while_suspended(self) -> bool:
        """Check every suspender; while one trips, poll on the clock. Return True if one tripped."""
        try:
            return hold_while_out_of_band(
                self._active_suspenders(), self.clock, lambda: self._abort_reason, self._event,
                paused=lambda message: self.reporter.note(f"[yellow]{message}[/yellow]"),
                resumed=lambda s: self.reporter.note(f"{s.name} back in band: resumed"))
        except HoldEnded as ended:
            raise _Abort(str(ended)) from None

    # -- safety and ending -----------------------------------------------------

    def _make_safe(self) -> None:
        """Run the procedure's ``safe_state`` plan; faults on the way are journalled, not raised."""
        module = self.procedure.module
        if self.dry_run or not hasattr(module, "safe_state"):
            return
        for message in module.safe_state(self.ctx):
            if not isinstance(message, Do):
                continue
            try:
                message.action(self.instruments[message.role])
            except InstrumentError as exc:
                self._event("fault", f"safe state not reached: {message.description}: {exc}",
                            {"role": message.role, "error": type(exc).__name__})
                self.reporter.note(f"[red]could not make {message.role} safe[/red]: {exc}")

    def _reconnect(self, exc: InstrumentError) -> bool:
        """Reopen the instrument that timed out or lost its connection (all if it cannot be
        told); return True when at least one was reopened (failures are journalled)."""
        if self.reconnect is None:
            return False
        return reopen_lost(self.instruments, self.reconnect, exc, self._event)

    def _abort(self, reason: str) -> RunStatus:
        self.reporter.note(f"[red]aborting[/red]: {reason}")
        if self.dry_run:
            raise RunAborted(f"dry run stopped: {reason}")
        self._event("abort", reason, {})
        self._make_safe()
        self.journal.append("run_ended", {"status": "aborted", "ended_at": _iso(self.clock),
                                          "reason": reason})
        return RunStatus("aborted", reason)

    def _journal_specifications(self) -> None:
        """Journal a ``specification`` event for every specification table the plan used
        that the run has not journalled yet: which file, its SHA-256, packaged or lab."""
        for source in spec_sources.take_uses():
            self._event("specification", source.wording(),
                        source.to_dict())

    def _event(self, kind: str, message: str, data: dict[str, Any]) -> None:
        if self.dry_run or self._journal_failed:
            return
        self.journal.append("event", {"time": self.clock.now(), "type": kind,
                                      "message": message, "data": data})


def procedure_points(procedure: Procedure, context: RunContext | None = None
                     ) -> tuple[TestPoint, ...]:
    """Return the points of ``procedure`` for the run of ``context``.

    A procedure whose points depend on the instruments identified (``dmm-verification``:
    the DUT's and the calibrator's models) defines ``points_for(ctx)``; it is asked when
    there is a context. Otherwise, and without a context, the points are ``TEST_POINTS``.
    """
    points_for = getattr(procedure.module, "points_for", None)
    if context is not None and callable(points_for):
        return tuple(points_for(context))
    return procedure.points


def select_points(procedure: Procedure, patterns: tuple[str, ...],
                  context: RunContext | None = None) -> list[TestPoint]:
    """Return the points of ``procedure`` (for the run of ``context``, see
    :func:`procedure_points`) whose id matches a shell pattern (all if none given).

    Raises :class:`UserInputError` when patterns are given and no point matches; without a
    context, not for a procedure whose points depend on which of several models is
    connected (the check is made once the instruments are identified).
    """
    points = [p for p in procedure_points(procedure, context)
              if not patterns or any(fnmatch.fnmatchcase(p.point_id, g) for g in patterns)]
    if not points and (context is not None or not _model_dependent(procedure)):
        raise UserInputError(f"no point of {procedure.metadata.name} matches "
                             f"{', '.join(patterns)}; `metrolab run ... --dry-run` lists them")
    return points


def _model_dependent(procedure: Procedure) -> bool:
    """Return True when ``procedure``'s points depend on which model a role is: it has
    ``points_for`` and a role that accepts several models."""
    return callable(getattr(procedure.module, "points_for", None)) and any(
        len(role.drivers) > 1 for role in procedure.metadata.instruments.values())


def _iso(clock: Clock) -> str:
    return isoformat(clock.now())


def connection_key(point: TestPoint) -> str:
    """Return the key of the prompt that asks for ``point``'s connection: ``connect-<name>``.

    The name is the point's ``connection_key``; without one, the connection text as a
    slug, cut to 32 characters plus a short digest of the whole text when it is longer.
    """
    if point.connection_key:
        return f"connect-{point.connection_key}"
    slug = "-".join("".join(c if c.isalnum() else " " for c in point.connection.lower()).split())
    if len(slug) > 40:
        digest = hashlib.sha256(point.connection.encode()).hexdigest()[:6]
        slug = f"{slug[:32].rstrip('-')}-{digest}"
    return f"connect-{slug}"
