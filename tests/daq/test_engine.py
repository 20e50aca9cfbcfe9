"""The engine's order of work: rows reach the journal (one fsync per flush interval) before
the file, the interval is bounded in wall time, and an event never overtakes a row."""

from __future__ import annotations

from typing import Any

import numpy as np

from metrolab.clock import VirtualClock
from metrolab.daq.binding import Bound, Column
from metrolab.daq.engine import DaqEngine
from metrolab.daq.plans import log_plan
from metrolab.daq.report import QuietReporter
from metrolab.daq.rows import RowBlock
from metrolab.runner.operator import Operator


class Ledger:
    """A journal and a writer that write down, in one list, what reached each of them."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.seq = 0

    # the journal
    def append_many(self, entries: list[tuple[str, dict[str, Any]]]) -> list[int]:
        self.log.append(("fsync", [data["step"] for _, data in entries]))
        self.seq += len(entries)
        return list(range(self.seq - len(entries) + 1, self.seq + 1))

    def append(self, kind: str, data: dict[str, Any]) -> int:
        self.log.append(("journal " + kind, data.get("message", data.get("status"))))
        self.seq += 1
        return self.seq

    # the writer
    def flush(self) -> None:
        self.log.append(("file flush", None))

    def event(self, time: float, kind: str, message: str, seq: int) -> None:
        self.log.append(("file event", message))


class Writer:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.rows = 0

    def append(self, block: RowBlock) -> None:
        self.ledger.log.append(("file rows", block.step))

    def flush(self) -> None:
        self.ledger.flush()

    def event(self, *args: Any) -> None:
        self.ledger.event(*args)


def _run(flush_s: float, steps: int, note_at: int | None = None) -> list[tuple[str, Any]]:
    ledger = Ledger()
    wall = {"now": 0.0}
    engines: list[DaqEngine] = []

    def read(instrument: Any, count: int) -> np.ndarray:
        wall["now"] += 1.0  # each reading takes a second of wall time
        if note_at is not None and wall["now"] == note_at:
            engines[0]._event("note", "something happened", {})
        return np.ones(count)

    clock = VirtualClock()
    bound = Bound((Column("x", "x", "V", "", read, None),), (), ())
    engine = DaqEngine(bound=bound, instruments={"x": object()}, journal=ledger,
                       writer=Writer(ledger), clock=clock, reporter=QuietReporter(),
                       operator=Operator(yes=True, interactive=False), flush_s=flush_s,
                       monotonic=lambda: wall["now"])
    engines.append(engine)
    status = engine.run(lambda step: log_plan(clock, clock.now(), 1.0, None, 1, step, steps), 0)
    assert status.status == "completed"
    return ledger.log


def test_rows_are_journalled_once_per_interval_and_only_then_written() -> None:
    log = _run(flush_s=3.0, steps=7)
    fsyncs = [steps for what, steps in log if what == "fsync"]
    assert fsyncs == [[0, 1, 2], [3, 4, 5], [6]]  # one fsync per 3 s, the rest at the end
    journalled: set[int] = set()
    for what, value in log:
        if what == "fsync":
            journalled.update(value)
        if what == "file rows":
            assert value in journalled  # the file never holds a row the journal does not
    assert log[-1] == ("journal run_ended", "completed")


def test_every_row_is_journalled_at_once_with_no_interval() -> None:
    log = _run(flush_s=0.0, steps=3)
    assert [steps for what, steps in log if what == "fsync"] == [[0], [1], [2]]


def test_an_event_goes_after_the_rows_taken_before_it() -> None:
    log = _run(flush_s=100.0, steps=5, note_at=3)  # the note comes while step 2 is read
    order = [(what, value) for what, value in log if what in ("fsync", "journal event")]
    assert order[:2] == [("fsync", [0, 1]), ("journal event", "something happened")]
