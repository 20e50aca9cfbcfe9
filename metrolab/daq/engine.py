"""The acquisition engine: where a plan's messages meet the instruments, journal and file.

For each :class:`~metrolab.daq.plans.Acquire` the engine reads every column, keeps the
rows as a :class:`~metrolab.daq.rows.RowBlock`, and at most every ``flush_s`` seconds of
wall time or :data:`FLUSH_ROWS` rows (and before any event, pause or end) writes the
pending blocks to the journal with one ``append_many`` (one fsync) and only then to the
HDF5 file, which it flushes.
The journal is the record of truth: a crash loses only rows it had not acknowledged, and
the file never holds a row the journal does not.

Between messages it honours pause and abort requests (Ctrl-C, :meth:`request_pause`,
:meth:`request_abort`) and checks the watches (the runner's suspenders): while one is out
of band the run holds, polling on the injected clock, and then takes the interrupted step
again from its setpoint. An instrument fault is journalled, the transports are cleared
(a lost instrument is reopened) and the step is taken again; a second fault in a row
aborts the run cleanly. An overloaded reading is recorded as NaN with a note.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from metrolab.clock import Clock
from metrolab.daq.binding import Bound
from metrolab.daq.plans import Acquire, DaqMessage, DaqPlan
from metrolab.daq.report import DaqReporter
from metrolab.daq.rows import RowBlock
from metrolab.daq.stats import RunningStats
from metrolab.errors import MetrolabError
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentError,
    InstrumentTimeout,
    OverloadError,
)
from metrolab.runner.engine import RunStatus
from metrolab.runner.errors import OperatorAborted
from metrolab.runner.operator import Operator
from metrolab.runner.procedure import Do, Note, Prompt, Wait
from metrolab.runner.recovery import clear_transports, reopen_lost
from metrolab.runner.suspenders import HoldEnded, Suspender, hold_while_out_of_band


class _Abort(Exception):
    """Internal: end the run cleanly for ``reason`` (run_ended ``aborted``)."""


class _Restart(Exception):
    """Internal: take the current step again from its setpoint (a suspender tripped)."""


#: rows kept before the journal and the file get them, whatever the flush interval: a fast
#: stream then holds a few MB, not a second's worth of readings, however fast it is
FLUSH_ROWS = 1 << 18


class DaqEngine:
    """Executes acquisition plans against opened instruments, a journal and a writer.

    ``instruments`` maps role -> driver object; ``reconnect(role)`` reopens a lost one
    and returns the new driver (it must be the same instrument). ``monotonic`` is the
    wall-clock timer of the flush interval (injected in tests).
    """

    def __init__(self, *, bound: Bound, instruments: Mapping[str, Any], journal: Any,
                 writer: Any, clock: Clock, reporter: DaqReporter, operator: Operator,
                 flush_s: float, first_row: int = 0, retries: int = 1,
                 reconnect: Callable[[str], Any] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bound = bound
        self.instruments = dict(instruments)
        self.journal = journal
        self.writer = writer
        self.clock = clock
        self.reporter = reporter
        self.operator = operator
        self.flush_s = flush_s
        self.retries = retries
        self.reconnect = reconnect
        self._monotonic = monotonic
        self.rows = first_row
        self.next_step = 0
        self.stats = {column.name: RunningStats() for column in bound.columns}
        self.suspenders = tuple(
            Suspender(w.name, self._watch_reader(w.role, w.read), w.low, w.high, w.poll_s,
                      w.max_wait_s) for w in bound.watches)
        #: True while the operator is being asked something (Ctrl-C then aborts the prompt)
        self.prompting = False
        self._pending: list[RowBlock] = []
        self._pending_rows = 0
        self._last_flush = monotonic()
        self._faults = 0
        self._pause_requested = False
        self._abort_reason: str | None = None
        self._resumed = threading.Event()

    def _watch_reader(self, role: str, read: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: read(self.instruments[role])

    # -- requests from signals, threads and callbacks ----------------------------------

    @property
    def pause_pending(self) -> bool:
        """Return True when a pause was asked for and has not been taken yet."""
        return self._pause_requested

    def request_pause(self) -> None:
        """Ask for a pause before the next step (resume with :meth:`request_resume`)."""
        self._pause_requested = True

    def request_resume(self) -> None:
        """Let a run paused by :meth:`request_pause` go on (no operator prompt)."""
        self._resumed.set()

    def request_abort(self, reason: str) -> None:
        """Ask for a clean end at the next message boundary, for ``reason``."""
        self._abort_reason = reason
        self._resumed.set()

    # -- the run ----------------------------------------------------------------------

    def run(self, plan_for: Callable[[int], DaqPlan], first_step: int) -> RunStatus:
        """Run ``plan_for(step)`` from ``first_step``; return how the run ended.

        Journals ``run_ended`` (completed or aborted) after the last rows. An unexpected
        error (a bug, a journal that cannot be written) is journalled as a ``fault`` event
        when the journal still takes it, the instruments are made safe and it propagates:
        the journal stays without ``run_ended`` for ``metrolab daq recover`` or ``resume``.
        """
        self.next_step = first_step
        try:
            status = self._steps(plan_for)
        except _Abort as abort:
            status = RunStatus("aborted", str(abort))
            self._event("abort", status.reason, {})
        except BaseException as exc:
            self._stop_on_error(exc)
            raise
        self._flush()
        self._make_safe()
        self.journal.append("run_ended", {"status": status.status,
                                          "ended_at": self.clock.now(),
                                          "reason": status.reason, "rows": self.rows})
        return status

    def _stop_on_error(self, exc: BaseException) -> None:
        """Journal what stopped the run, if the journal still takes it; make it safe."""
        # if the journal itself failed, the original error (re-raised) says why
        with contextlib.suppress(MetrolabError):
            self._event("fault", f"run stopped by {type(exc).__name__}: {exc}", {})
        self._make_safe()

    def _steps(self, plan_for: Callable[[int], DaqPlan]) -> RunStatus:
        while True:
            try:
                self._run_plan(plan_for(self.next_step))
                return RunStatus("completed", "")
            except _Restart:
                continue
            except InstrumentError as exc:
                self._faults += 1
                self._fault(exc)

    def _fault(self, exc: InstrumentError) -> None:
        """Journal a fault; after too many in a row abort, else clear and take the step again."""
        step = self.next_step
        self._event("fault", str(exc), {"step": step, "error": type(exc).__name__})
        self.reporter.note(f"[red]fault[/red] at step {step}: {exc}")
        self._make_safe()
        if self._faults > self.retries:
            raise _Abort(f"instrument fault at step {step} persisted after {self.retries} "
                         f"retry: {exc}") from exc
        if isinstance(exc, InstrumentConnectionError | InstrumentTimeout) and \
                self.reconnect is not None:
            reopen_lost(self.instruments, self.reconnect, exc, self._event)
        clear_transports(self.instruments, self._event)
        self._event("retry", f"step {step} taken again after a fault",
                    {"step": step, "cause": "fault"})

    def _run_plan(self, plan: DaqPlan) -> None:
        reply: Any = None
        try:
            while True:
                if self._abort_reason is not None:
                    raise _Abort(self._abort_reason)
                try:
                    message = plan.send(reply)
                except StopIteration:
                    return
                reply = self._do(message)
        finally:
            plan.close()

    def _do(self, message: DaqMessage) -> Any:
        if isinstance(message, Acquire):
            self._between_steps()
            return self._acquire(message)
        if isinstance(message, Wait):
            return self._wait(message)
        if isinstance(message, Do):
            return message.action(self.instruments[message.role])
        if isinstance(message, Note):
            self._event("note", message.text, dict(message.data))
            self.reporter.note(message.text)
            return None
        raise TypeError(f"an acquisition plan yielded {message!r}, not Do, Wait, Note or "
                        "Acquire")

    def _acquire(self, message: Acquire) -> RowBlock:
        count = message.count
        t0 = self.clock.now()
        values = {}
        for column in self.bound.columns:
            try:
                values[column.name] = column.take(self.instruments[column.role], count)
            except OverloadError as exc:
                values[column.name] = _nan(count)
                self._event("note", f"{column.name}: overload at step {message.step}, "
                            f"recorded as NaN ({exc})", {"step": message.step,
                                                          "column": column.name})
        block = RowBlock(message.step, self.rows, count, t0, self.clock.now(),
                         dict(message.setpoints), values)
        self.rows += count
        self.next_step = message.step + 1
        self._faults = 0
        self._pending.append(block)
        self._pending_rows += count
        for name, array in values.items():
            self.stats[name].add(array)
        self.reporter.rows(block, self.stats, block.t1)
        if self._monotonic() - self._last_flush >= self.flush_s:
            self._flush()
        elif self._pending_rows >= FLUSH_ROWS:
            self._flush(file=False)
        return block

    def _wait(self, wait: Wait) -> None:
        """Wait on the clock in slices no longer than the flush interval and the watches'
        polling, flushing, honouring requests and checking the watches between them."""
        slices = [s for s in (self.flush_s, *(x.poll_s for x in self.suspenders)) if s > 0]
        remaining = wait.seconds
        while remaining > 0:
            piece = min([remaining, *slices])
            self.clock.sleep(piece)
            remaining -= piece
            if self._abort_reason is not None:
                raise _Abort(self._abort_reason)
            if self._pending and self._monotonic() - self._last_flush >= self.flush_s:
                self._flush()
            if self._pause_requested:
                self._pause()
            if self._hold_while_suspended():
                raise _Restart(f"suspended during '{wait.reason}'")

    # -- between steps: pause, abort, watches -------------------------------------------

    def _between_steps(self) -> None:
        if self._abort_reason is not None:
            raise _Abort(self._abort_reason)
        if self._pause_requested:
            self._pause()
        if self._hold_while_suspended():
            raise _Restart("suspended before a step")

    def _pause(self) -> None:
        """Hold the run: ask the operator (attended) or wait for :meth:`request_resume`."""
        self._pause_requested = False
        self._event("pause", "paused by the operator", {})
        self.reporter.state("paused")
        if self.operator.interactive:
            self.prompting = True
            try:
                go_on, _ = self.operator.answer(Prompt(
                    "resume-after-pause", "Acquisition paused. Resume it? (no ends the run)",
                    kind="yes_no", default=True))
            except OperatorAborted as exc:
                raise _Abort("ended by the operator during a pause") from exc
            finally:
                self.prompting = False
            if not go_on:
                raise _Abort("ended by the operator during a pause")
        else:
            while not self._resumed.wait(0.2):  # a person decides: real time, not the clock
                pass
            self._resumed.clear()
            if self._abort_reason is not None:
                raise _Abort(self._abort_reason)
        self._event("resume", "resumed by the operator", {})
        self.reporter.state("running")

    def _hold_while_suspended(self) -> bool:
        """Check every watch; while one is out of band poll on the clock. Return True if one
        tripped (the step is then taken again)."""
        try:
            return hold_while_out_of_band(
                self.suspenders, self.clock, lambda: self._abort_reason, self._event,
                paused=self._show_suspended, resumed=lambda _: self.reporter.state("running"))
        except HoldEnded as ended:
            raise _Abort(str(ended)) from None

    def _show_suspended(self, message: str) -> None:
        self.reporter.state("suspended")
        self.reporter.note(f"[yellow]{message}[/yellow]")

    # -- journal and file -------------------------------------------------------------

    def _flush(self, *, file: bool = True) -> None:
        """Journal the pending rows (one fsync), then hand them to the writer; with ``file``
        flush the file too (readers see every row), else only its full chunks go out."""
        if self._pending:
            self.journal.append_many([("samples", block.entry()) for block in self._pending])
            for block in self._pending:
                self.writer.append(block)
            self._pending.clear()
            self._pending_rows = 0
        if file:
            self.writer.flush()
            self._last_flush = self._monotonic()

    def _event(self, kind: str, message: str, data: dict[str, Any]) -> None:
        """Journal an event after the rows taken before it, and add it to the file."""
        self._flush()
        now = self.clock.now()
        seq = self.journal.append("event", {"time": now, "type": kind, "message": message,
                                            "data": data})
        self.writer.event(now, kind, message, seq)
        self.writer.flush()

    # -- safety -----------------------------------------------------------------------

    def _make_safe(self) -> None:
        """Put every swept instrument in its safe state; failures are journalled."""
        for axis in self.bound.axes:
            if axis.safe is None:
                continue
            try:
                axis.safe(self.instruments[axis.role])
            except InstrumentError as exc:
                self._event("fault", f"{axis.role}: safe state not reached: {exc}",
                            {"role": axis.role, "error": type(exc).__name__})
                self.reporter.note(f"[red]could not make {axis.role} safe[/red]: {exc}")


def _nan(count: int) -> np.ndarray:
    return np.full(count, np.nan)
