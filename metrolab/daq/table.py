"""The live table of ``metrolab log`` and ``metrolab sweep``: latest values and statistics.

One row per column (latest, mean, standard deviation, minimum, maximum, count), under a
line with the run's state, rows, elapsed clock time and progress (steps of a sweep, time
of a log). It redraws at most four times a second of wall time however fast rows come,
so a fast acquisition is not slowed by its own display. Without a terminal (a pipe, a
log file) nothing is redrawn: notes are printed as lines and the final table once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from copy import copy

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from metrolab.daq.report import RunInfo
from metrolab.daq.rows import RowBlock
from metrolab.daq.stats import RunningStats


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.7g}"


def stats_table(columns: tuple[tuple[str, str], ...],
                stats: Mapping[str, RunningStats]) -> Table:
    """Return the table of every column's unit, latest value and statistics."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for heading, justify in (("quantity", "left"), ("unit", "left"), ("latest", "right"),
                             ("mean", "right"), ("std", "right"), ("min", "right"),
                             ("max", "right"), ("n", "right")):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for name, unit in columns:
        s = stats.get(name, RunningStats())
        n = f"{s.count}" + (f" (+{s.missing} NaN)" if s.missing else "")
        table.add_row(name, unit, _number(s.latest), _number(s.mean), _number(s.std),
                      _number(s.minimum), _number(s.maximum), n)
    return table


class LiveTable:
    """A :class:`~metrolab.daq.report.DaqReporter` that shows a rich live table."""

    def __init__(self, console: Console, banner: str = "") -> None:
        self.console = console
        self.banner = banner
        self._info: RunInfo | None = None
        self._stats: Mapping[str, RunningStats] = {}
        self._state = "running"
        self._rows = 0
        self._step = 0
        self._now = 0.0
        self._lock = threading.Lock()
        self._live: Live | None = None

    def start(self, info: RunInfo) -> None:
        """Show the table (on a terminal) for the run ``info`` describes."""
        self._info = info
        self._step = info.first_step
        self._now = info.started_at
        if self.banner:
            self.console.print(self.banner)
        if self.console.is_terminal:
            self._live = Live(get_renderable=self.renderable, console=self.console,
                              refresh_per_second=4, transient=False)
            self._live.start()
        else:
            self.console.print(f"{info.kind} {info.run_id} into {info.out}")

    def rows(self, block: RowBlock, stats: Mapping[str, RunningStats], now: float) -> None:
        """Take the latest statistics (drawn at the next refresh)."""
        snapshot = {name: copy(value) for name, value in stats.items()}
        with self._lock:
            self._stats = snapshot
            self._rows = block.row + block.count
            self._step = block.step + 1
            self._now = now

    def state(self, text: str) -> None:
        """Show the run's state; a pause stops the live display so a prompt can be typed."""
        self._state = text
        if self._live is None:
            self.console.print(f"[yellow]{text}[/yellow]")
        elif text == "paused":
            self._live.stop()
        elif not self._live.is_started:
            self._live.start()

    def note(self, text: str) -> None:
        """Print ``text`` above the table."""
        self.console.print(text)

    def stop(self) -> None:
        """Stop redrawing; the last table stays on the screen (printed once without one)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        else:
            self.console.print(self.renderable())

    def renderable(self) -> Group:
        """Return what the screen shows now: the status line and the statistics table."""
        with self._lock:
            info = self._info
            if info is None:
                return Group(Text("starting"))
            elapsed = self._now - info.started_at
            progress = ""
            if info.planned_steps is not None:
                progress = f"step {self._step}/{info.planned_steps}"
            elif info.ends_at is not None:
                total = info.ends_at - info.started_at
                progress = f"{min(100.0, 100.0 * elapsed / total):.0f}% of {total:g} s"
            line = Text.assemble((f"{info.kind} {info.run_id}", "bold"), "  ",
                                 (self._state, "green" if self._state == "running"
                                  else "yellow"),
                                 f"  {self._rows} rows  {elapsed:.1f} s  {progress}  "
                                 f"-> {info.out}")
            return Group(line, stats_table(info.columns, self._stats))
