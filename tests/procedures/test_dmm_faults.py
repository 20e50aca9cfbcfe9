"""Instrument faults in the middle of the DMM verification, over real TCP transports.

A timeout or a dropped connection is retried once (the instrument resynchronised or
reopened) and the run completes with every point recorded once; a fault that persists
aborts the run cleanly: the calibrator in standby and the record sealed as aborted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator
from rich.console import Console

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation.server import serve_tcp
from metrolab.runner.config import RunConfig
from metrolab.runner.engine import RunSettings
from metrolab.runner.lifecycle import RunInputs, RunResult, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.procedure import TestPoint
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.register import Standard, dumps_register
from metrolab.store import open_record, read_journal

PROCEDURE = "dmm-34401a-verification"


@dataclass
class Bench:
    clock: VirtualClock
    calibrator: Fluke5522ASimulator
    dmm: Keysight34401ASimulator
    resources: dict[str, str]
    register: Path


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    clock = VirtualClock()
    calibrator = Fluke5522ASimulator(seed=5, clock=clock)
    dmm = Keysight34401ASimulator(seed=5, clock=clock, source=calibrator)
    register = tmp_path / "register.toml"
    register.write_text(dumps_register([Standard(
        "CAL-1", "calibrator", "FLUKE", "5522A", "1972905", "C-1", date(2025, 1, 1),
        date(2099, 1, 1))]))
    with serve_tcp(calibrator) as cal_server, serve_tcp(dmm) as dmm_server:
        yield Bench(clock, calibrator, dmm, {"dut": dmm_server.resource,
                                             "calibrator": cal_server.resource}, register)


class ArmAt(ProgressReporter):
    """A quiet progress reporter that arms a fault on the DMM when point ``at`` starts."""

    def __init__(self, dmm: Keysight34401ASimulator, at: int, fault: str, count: int) -> None:
        super().__init__(Console(quiet=True))
        self.dmm, self.at, self.fault, self.count = dmm, at, fault, count

    def point(self, number: int, total: int, point: TestPoint, phase: str) -> None:
        super().point(number, total, point, phase)
        if number == self.at:
            self.dmm.faults.arm(self.fault, self.count)


def run(bench: Bench, tmp_path: Path, reporter: ProgressReporter) -> RunResult:
    config = RunConfig(PROCEDURE, bench.resources, str(tmp_path), str(bench.register),
                       settings=RunSettings(readings=4, points=("ZERO-DCV-*", "DCV-*")),
                       virtual_clock=True, timeout_s=1.0)
    operator = Operator(Answers(operator="tester"), yes=True, interactive=False)
    return start_run(config, RunInputs(operator, reporter, clock=bench.clock))


def events(result: RunResult, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in read_journal(result.journal)
            if e.kind == "event" and e.data["type"] == kind]


@pytest.mark.slow
@pytest.mark.timeout(400)  # a full run; a loaded CI box needs more than the default 120 s
@pytest.mark.parametrize("fault", ["delay", "drop"])
def test_one_fault_is_retried_and_nothing_is_recorded_twice(bench: Bench, tmp_path: Path,
                                                            fault: str) -> None:
    result = run(bench, tmp_path, ArmAt(bench.dmm, 7, fault, 1))
    assert result.status.status == "completed"
    record = open_record(result.record)
    ids = [p.point_id for p in record.points]
    assert len(ids) == len(set(ids)) == 11
    assert all(p.readings.shape == (4,) for p in record.points)
    faulted = [e["data"]["point_id"] for e in events(result, "fault") if "point_id" in e["data"]]
    assert len(faulted) == 1
    assert [e["data"]["point_id"] for e in events(result, "retry")] == faulted
    if fault == "drop":
        assert any("connection reopened" in e["message"] for e in events(result, "note"))


@pytest.mark.slow
@pytest.mark.timeout(400)  # a full run; a loaded CI box needs more than the default 120 s
def test_a_persistent_fault_aborts_cleanly(bench: Bench, tmp_path: Path) -> None:
    result = run(bench, tmp_path, ArmAt(bench.dmm, 7, "drop", 50))
    assert result.status.status == "aborted"
    assert "persisted after 1 retry" in result.status.reason
    assert not bench.calibrator.output.operating
    record = open_record(result.record)
    assert record.run["status"] == "aborted"
    assert len(record.points) == 6 + 1  # the 6 done and the one that kept failing
    assert [bool(p.result) for p in record.points].count(True) == 6
