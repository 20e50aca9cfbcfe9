"""What the engine tells whoever shows the run: the live table, or nobody (the Python API)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from metrolab.daq.rows import RowBlock
from metrolab.daq.stats import RunningStats


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a display needs to know about a run before its first row."""

    run_id: str
    kind: str
    out: str
    columns: tuple[tuple[str, str], ...]
    started_at: float
    #: clock time of the planned end (log), None for a sweep
    ends_at: float | None
    #: steps a sweep plans (or a log counts), None for a log that runs for a time
    planned_steps: int | None
    readings: int
    first_step: int = 0


class DaqReporter(Protocol):
    """Receives what the engine does, to show it."""

    def start(self, info: RunInfo) -> None:
        """The run begins (or resumes at ``info.first_step``)."""

    def rows(self, block: RowBlock, stats: Mapping[str, RunningStats], now: float) -> None:
        """A step's rows were taken; ``stats`` are the running statistics of every column."""

    def state(self, text: str) -> None:
        """The run is ``running``, ``paused`` (a prompt may follow) or ``suspended``."""

    def note(self, text: str) -> None:
        """Something the operator should read (fault, retry, skipped ticks, pause)."""

    def stop(self) -> None:
        """The run is over; release the screen."""


@dataclass
class QuietReporter:
    """Shows nothing; keeps the notes (the Python API's default, returned in the result)."""

    notes: list[str] = field(default_factory=list)

    def start(self, info: RunInfo) -> None:
        """Nothing to show."""

    def rows(self, block: RowBlock, stats: Mapping[str, RunningStats], now: float) -> None:
        """Nothing to show."""

    def state(self, text: str) -> None:
        """Nothing to show."""

    def note(self, text: str) -> None:
        """Keep ``text``."""
        self.notes.append(text)

    def stop(self) -> None:
        """Nothing to release."""
