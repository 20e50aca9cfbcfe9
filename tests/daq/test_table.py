"""The live table: latest values, statistics, state and progress, on a terminal or not."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from metrolab.daq.report import RunInfo
from metrolab.daq.rows import RowBlock
from metrolab.daq.stats import RunningStats
from metrolab.daq.table import LiveTable

INFO = RunInfo("R-1", "sweep", "s.h5", (("dmm", "V"), ("t", "degC")), 100.0, None, 6, 2)


def _stats() -> dict[str, RunningStats]:
    stats = {"dmm": RunningStats(), "t": RunningStats()}
    stats["dmm"].add(np.array([1.0, 2.0, 3.0]))
    stats["t"].add(np.array([21.5, np.nan]))
    return stats


def test_without_a_terminal_the_table_is_printed_once_at_the_end() -> None:
    out = io.StringIO()
    table = LiveTable(Console(file=out, width=120, force_terminal=False), banner="SIMULATED")
    table.start(INFO)
    table.rows(RowBlock(2, 4, 2, 104.0, 105.0, {}, {}), _stats(), 105.0)
    table.note("a note")
    table.state("completed")
    table.stop()
    text = out.getvalue()
    assert text.index("SIMULATED") < text.index("a note") < text.index("quantity")
    assert "completed" in text and "6 rows" in text and "step 3/6" in text
    dmm = next(line for line in text.splitlines() if line.startswith("dmm"))
    assert dmm.split() == ["dmm", "V", "3", "2", "1", "1", "3", "3"]
    t = next(line for line in text.splitlines() if line.startswith("t "))
    assert "1 (+1 NaN)" in t


def test_on_a_terminal_it_redraws_and_stands_still_for_a_prompt() -> None:
    out = io.StringIO()
    table = LiveTable(Console(file=out, width=120, force_terminal=True))
    table.start(RunInfo("R-2", "log", "l.h5", (("dmm", "V"),), 0.0, 60.0, None, 1))
    assert table._live is not None and table._live.is_started
    table.rows(RowBlock(29, 29, 1, 30.0, 30.0, {}, {}), _stats(), 30.0)
    rendered = Console(file=io.StringIO(), width=120, record=True)
    rendered.print(table.renderable())
    assert "50% of 60 s" in rendered.export_text()
    table.state("paused")
    assert not table._live.is_started  # a prompt can be typed
    table.state("running")
    assert table._live.is_started
    table.stop()
