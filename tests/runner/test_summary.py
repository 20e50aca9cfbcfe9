"""The end-of-run summary: honest counts, an outcome in the last line, no -212 yV for a zero."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from metrolab.clock import VirtualClock
from metrolab.runner.engine import RunStatus
from metrolab.runner.lifecycle import RunResult
from metrolab.runner.summary import engineering, print_result, run_counts
from metrolab.store import Journal


@pytest.mark.parametrize(("value", "unit", "resolution", "text"), [
    (-2.12e-22, "V", 1.6e-8, "0 V"),      # floating-point dust on a zero point
    (0.0, "V", 0.0, "0 V"),
    (6e-4, "V", 0.0, "600 µV"),
    (-860.0, "Ω", 0.0, "-860 Ω"),
    (0.0291, "K", 1.5e-4, "29.1 mK"),
    (None, "V", 0.0, ""),
])
def test_engineering_numbers_snap_to_zero_below_the_rows_resolution(
        value: float | None, unit: str, resolution: float, text: str) -> None:
    assert engineering(value, unit, resolution) == text


def result(point_id: str, statement: str) -> dict[str, object]:
    return {"point_id": point_id, "phase": "as_found",
            "nominal": {"value": 1.0, "unit": "V"}, "error": {"value": 1e-6, "unit": "V"},
            "tolerance": {"lower": -1e-5, "upper": 1e-5, "unit": "V"},
            "decision": {"statement": statement, "U": 2e-6, "tur": 5.0}}


def test_counts_say_what_was_measured_failed_and_not_measured() -> None:
    counts = run_counts([result("A", "pass"), result("B", "fail"),
                         result("C", "conditional_pass")], planned=5)
    assert (counts.measured, counts.passed, counts.failed, counts.not_measured) == (
        3, 1, ("B",), 2)
    assert counts.text() == ("5 points planned: 3 measured (1 passed, 1 conditional pass, "
                             "1 failed: B), 2 not measured")


def summary(tmp_path: Path, status: RunStatus, planned: int) -> list[str]:
    journal = tmp_path / "run.journal"
    with Journal.create(journal, "R-1", clock=VirtualClock()) as writer:
        for point in (result("A", "pass"), result("B", "pass")):
            writer.append("point_result", point)
    out = io.StringIO()
    print_result(RunResult(status, "R-1", journal, tmp_path / "R-1.h5", planned),
                 Console(file=out, width=200))
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_an_incomplete_run_never_says_all_points_passed(tmp_path: Path) -> None:
    lines = summary(tmp_path, RunStatus("aborted", "10 of 10 readings are overloads"), 36)
    text = "\n".join(lines)
    assert "passed" not in lines[-1] and "all 2 points passed" not in text
    assert "36 points planned: 2 measured (2 passed, 0 failed), 34 not measured" in text
    assert lines[-1] == ("INCOMPLETE: the run was aborted (10 of 10 readings are overloads); "
                         "34 of 36 points were not measured; no certificate can be issued")


def test_a_completed_run_ends_with_its_verdict(tmp_path: Path) -> None:
    lines = summary(tmp_path, RunStatus("completed"), 2)
    assert lines[-1] == "completed: all 2 points passed"
