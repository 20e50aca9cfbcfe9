"""What a certificate says about how the run went: deviations, drafts, simulations, clocks,
and sensor calibrations (no range, corrections, the fitted curve)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from metrolab import store
from metrolab.certificates.corrections import coefficient_rows, correction_rows, curve_rows
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.html import html_text
from metrolab.certificates.reported import report_point
from metrolab.clock import VirtualClock
from metrolab.testing.certificate_example import example_journal_entries

Entries = list[tuple[str, dict[str, Any]]]


def sealed(tmp_path: Path, entries: Entries) -> store.Record:
    clock = VirtualClock()
    journal = tmp_path / "R-1.journal"
    with store.Journal.create(journal, "R-1", clock=clock) as writer:
        writer.append_many(entries)
    return store.open_record(store.seal(journal, clock=clock))


def entries() -> Entries:
    return copy.deepcopy(example_journal_entries("R-1"))


def started(items: Entries) -> dict[str, Any]:
    return next(data for kind, data in items if kind == "run_started")


def test_a_draft_of_an_approved_record_says_it_was_asked_for(approved_record: Path) -> None:
    content = content_from_record(store.open_record(approved_record), draft=True)
    assert content.draft and content.watermark == "DRAFT"
    assert content.notices == ("DRAFT: rendered on request from an approved record; this "
                               "document is not the issued certificate.",)
    assert "not approved" not in html_text(content, [])


def test_a_restricted_and_resumed_run_lists_both_deviations(tmp_path: Path) -> None:
    items = entries()
    started(items)["plan"] = {"points": 12, "procedure_points": 36, "patterns": ["DCV-*"]}
    items.insert(4, ("event", {"time": 0, "type": "resume", "data": {"last_seq": 17,
                                                                      "problem": ""},
                               "message": "resumed after an interruption"}))
    items.insert(5, ("event", {"time": 0, "type": "resume", "data": {},  # an operator's pause
                               "message": "resumed by the operator"}))
    content = content_from_record(sealed(tmp_path, items))
    deviations = content.method.deviations
    assert deviations[0] == ("only 12 of the procedure's 36 points were measured (points "
                             "matching DCV-*)")
    assert len(deviations) == 2 and deviations[1].startswith("the run was interrupted and "
                                                             "resumed at")
    assert "Deviations from the method: none" not in html_text(content, [])


def test_a_full_uninterrupted_run_has_no_deviation(tmp_path: Path) -> None:
    items = entries()
    started(items)["plan"] = {"points": 36, "procedure_points": 36, "patterns": []}
    assert content_from_record(sealed(tmp_path, items)).method.deviations == ()


def test_a_simulated_run_on_a_virtual_clock_is_disclosed_everywhere(tmp_path: Path) -> None:
    items = entries()
    started(items).update(simulation={"simulated": True, "seed": 3, "dut_errors": []},
                          clock={"kind": "virtual", "wall_started_at": "2026-12-06T10:00:00"})
    content = content_from_record(sealed(tmp_path, items))
    assert content.simulated and content.watermark == "SIMULATED DRAFT"
    assert content.notices[0].startswith("DRAFT: this record is not approved")
    assert content.notices[1].startswith("SIMULATED: every instrument of this calibration was "
                                         "a simulator (seed 3)")
    assert "virtual clock" in content.notices[2] and "2026-12-06" in content.notices[2]
    html = html_text(content, [])
    assert html.count("SIMULATED") >= 3  # watermark, notice, footer


def test_an_aborted_run_is_a_draft_that_says_it_did_not_complete(tmp_path: Path) -> None:
    items = [e for e in entries() if e[0] != "run_ended"]
    content = content_from_record(sealed(tmp_path, items))
    assert content.notices[0].startswith("DRAFT: the run did not complete (aborted: ")


def sensor_entries() -> Entries:
    """The example record turned into a thermometer calibrated at 0 and 50 °C with a curve."""
    items = [e for e in entries() if e[0] not in ("point_started", "reading", "point_result")]
    end = next(i for i, (kind, _) in enumerate(items) if kind == "run_ended")
    points: Entries = []
    for t, error, u in ((0.0, 0.029, 0.0075), (50.0, 0.014, 0.0085), (100.0, 0.010, 0.009)):
        pid = f"T{t:+04.0f}C"
        nominal = {"value": t, "unit": "degC"}
        points += [
            ("point_started", {"point_id": pid, "phase": "as_found", "step": "bath",
                               "function": "TEMP", "range": None, "nominal": nominal,
                               "settings": {}}),
            ("reading", {"point_id": pid, "phase": "as_found", "index": 0, "time": 0,
                         "value": t + error, "unit": "degC"}),
            ("point_result", {
                "point_id": pid, "phase": "as_found", "function": "TEMP", "range": None,
                "nominal": nominal, "value": {"value": t + error, "unit": "degC"},
                "reference": {"value": t, "unit": "degC"}, "error": {"value": error,
                                                                    "unit": "K"},
                "tolerance": {"lower": -0.15, "upper": 0.15, "unit": "K"},
                "budget": {"coverage": 0.95, "outputs": {"error": {
                    "value": error, "u": u, "U": 2 * u, "k": 2.0, "dof": None, "unit": "K"}}},
                "decision": {"statement": "pass"}, "caveats": []})]
    curve = {"method": "wls", "coefficients": [0.029, -3.8e-4, 1.8e-6],
             "covariance": [[5.6e-5, 0, 0], [0, 1.4e-7, 0], [0, 0, 1.4e-11]], "dof": 0,
             "x_ref": 0.0, "x_unit": "", "y_unit": ""}
    points.append(("event", {"time": 0, "type": "note", "message": "calibration curve",
                             "data": {"calibration_curve": curve, "t_unit": "°C",
                                      "error_unit": "K"}}))
    return items[:end] + points + items[end:]


def test_a_thermometer_is_reported_without_range_with_corrections_and_curve(
        tmp_path: Path) -> None:
    content = content_from_record(sealed(tmp_path, sensor_entries()))
    first = report_point(content.results[0])
    # temperatures in °C (not 273.15 K), errors in K, no range
    assert (first.range, first.nominal, first.reference, first.value, first.unit) == (
        "—", "0", "0.000", "0.029", "°C")
    assert (first.error, first.U, first.error_unit, first.group) == ("0.029", "0.015", "K",
                                                                     "TEMP")
    rows = correction_rows(content)
    assert rows[1][1:] == ["T+000C", "0.000", "0.029", "°C", "-0.029", "0.015", "K"]
    assert coefficient_rows(content.curve)[2] == ["c1", "-0.00038", "0.00037", "K/°C"]  # √1.4e-7
    values = curve_rows(content)
    assert values[0] == ["t", "E(t)", "U (k = 2)", "Unit"]
    assert values[2][0] == "50.000 °C" and values[2][3] == "K"
    expected = 0.029 - 3.8e-4 * 50 + 1.8e-6 * 2500
    assert float(values[2][1]) == pytest.approx(expected, abs=6e-4)
    html = html_text(content, [])
    assert "<h3>Corrections</h3>" in html and "<h3>Calibration curve</h3>" in html
    assert "E(t) = c0 + c1·t + c2·t², t in °C, E in K" in html
    assert "273.15" not in html
