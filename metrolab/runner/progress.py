"""What the operator sees while a procedure runs: a progress bar, or a dry-run listing."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from metrolab.runner.procedure import Do, Message, Note, Prompt, Read, TestPoint, Wait, Watch


class Reporter(Protocol):
    """Receives what the runner does, to show it."""

    def start(self, total: int, done: int) -> None:
        """The run has ``total`` points (phases counted), ``done`` of them already measured."""

    def point(self, number: int, total: int, point: TestPoint, phase: str) -> None:
        """Point ``number`` of ``total`` starts."""

    def message(self, message: Message) -> None:
        """The runner executes ``message`` of the current plan."""

    def point_done(self, statement: str) -> None:
        """The current point ended with a conformity ``statement``."""

    def note(self, text: str) -> None:
        """Something the operator should read (pause, resume, fault, retry)."""

    def stop(self) -> None:
        """The run is over; release the screen."""


def describe(message: Message) -> str:
    """Return one line saying what ``message`` does (for the listing and the progress bar)."""
    if isinstance(message, Prompt):
        return f"ask operator [{message.key}]: {message.text}"
    if isinstance(message, Wait):
        return f"wait {message.seconds:g} s: {message.reason}"
    if isinstance(message, Read):
        return f"{message.role}: {message.description} ({message.count} readings)"
    if isinstance(message, Do):
        return f"{message.role}: {message.description}"
    if isinstance(message, Note):
        return f"note: {message.text}"
    if isinstance(message, Watch):
        return (f"watch {message.name} ({message.role}) for the rest of the point: "
                f"{message.low:~P} to {message.high:~P}")
    raise TypeError(f"not a runner message: {message!r}")


class ProgressReporter:
    """A rich progress bar: point n of N, the point's label, elapsed and time left.

    The bar stands still while the operator answers a prompt (the live display is
    stopped, so typed answers never land on the bar's line) and goes on after it.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("points"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._held = False
        #: the reason of the last wait: a run of equal waits (a stability loop) shows once
        self._last_wait = ""

    def _go_on(self) -> None:
        """Restart the live display after a prompt stopped it."""
        if self._held:
            self._held = False
            self._progress.start()

    def start(self, total: int, done: int) -> None:
        """Show the bar with ``done`` of ``total`` points complete."""
        self._progress.start()
        self._task = self._progress.add_task("starting", total=total, completed=done)

    def point(self, number: int, total: int, point: TestPoint, phase: str) -> None:
        """Name the point being measured on the bar."""
        self._go_on()
        self._last_wait = ""
        if self._task is not None:
            label = f"{phase.replace('_', '-')} {point.point_id}: {point.label()}"
            self._progress.update(self._task, description=label)

    def message(self, message: Message) -> None:
        """Long waits are worth a line (once for a run of equal ones); a prompt stops the bar
        until the next step."""
        if isinstance(message, Prompt):
            if not self._held:
                self._held = True
                self._progress.stop()
            return
        self._go_on()
        if isinstance(message, Wait) and message.seconds >= 60 \
                and message.reason != self._last_wait:
            self._progress.console.print(f"  {describe(message)}")
        if isinstance(message, Wait):
            self._last_wait = message.reason

    def point_done(self, statement: str) -> None:
        """Advance the bar by one point."""
        self._go_on()
        if self._task is not None:
            self._progress.advance(self._task)

    def note(self, text: str) -> None:
        """Print ``text`` above the bar (or below the prompt while one is open)."""
        self._progress.console.print(text)

    def stop(self) -> None:
        """Stop the live display (the finished bar stays on screen)."""
        self._held = False
        self._progress.stop()


class ListingReporter:
    """The dry run: every point and every step of its plan, numbered, nothing measured."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def start(self, total: int, done: int) -> None:
        """Print the number of points."""
        self._console.print(f"dry run: {total} points, no instrument is touched")

    def point(self, number: int, total: int, point: TestPoint, phase: str) -> None:
        """Print the point's header line."""
        self._console.print(
            f"[bold]point {number}/{total}[/bold] {phase} {point.point_id} "
            f"({point.step}): {point.label()}"
        )

    def message(self, message: Message) -> None:
        """Print one step of the plan, indented."""
        self._console.print(f"    {describe(message)}", markup=False, highlight=False)

    def point_done(self, statement: str) -> None:
        """Nothing to show: a dry run decides nothing."""

    def note(self, text: str) -> None:
        """Print ``text``."""
        self._console.print(text)

    def stop(self) -> None:
        """Nothing to release."""
