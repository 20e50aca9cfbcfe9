"""content_from_record: what a sealed record turns into, and what it must not lack."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from metrolab import store
from metrolab.certificates.errors import CertificateError
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.wording import standard_validity
from metrolab.clock import VirtualClock
from metrolab.testing.certificate_example import example_journal_entries

Entries = list[tuple[str, dict[str, Any]]]


def _sealed(tmp_path: Path, entries: Entries) -> store.Record:
    clock = VirtualClock()
    journal = tmp_path / "R-1.journal"
    with store.Journal.create(journal, "R-1", clock=clock) as writer:
        writer.append_many(entries)
    return store.open_record(store.seal(journal, clock=clock))


def _entries() -> Entries:
    return copy.deepcopy(example_journal_entries("R-1"))


def _standard(entries: Entries) -> dict[str, Any]:
    return next(data for kind, data in entries if kind == "instrument"
                and data["role"] == "standard")


def test_the_content_of_the_example_record(approved_folder: Path) -> None:
    content = content_from_record(store.open_record(approved_folder / "ECL-2026-0001.h5"))
    assert content.certificate_id == "ECL-2026-0001"
    assert not content.draft
    assert content.approval.approved_by == "B. Approver"
    assert content.approval.checked_by == "C. Checker"
    assert content.dates.issue is not None and content.dates.issue.isoformat() == "2026-03-03"
    assert [(p.point_id, p.phase) for p in content.results] == [
        ("dcv-1v", "as_found"), ("dcv-10v", "as_found"), ("dcv-m10v", "as_found"),
        ("acv-1v-1khz", "as_found"), ("dcv-10v", "as_left")]
    statements = [p.conformity.statement for p in content.results if p.conformity]
    assert statements == ["pass", "conditional_fail", "pass", "pass", "pass"]
    frequencies = [None if p.frequency is None else f"{p.frequency:~P}" for p in content.results]
    assert frequencies == [None, None, None, "1000.0 Hz", None]
    assert all(p.coverage_probability == 0.95 and p.k > 1.9 for p in content.results)
    assert [c.name for c in content.environment] == ["Temperature", "Relative humidity"]
    assert content.standards[0].in_date


def test_an_unreviewed_record_becomes_a_draft_without_issue_date(tmp_path: Path) -> None:
    content = content_from_record(_sealed(tmp_path, _entries()))
    assert content.draft
    assert content.dates.issue is None
    assert content.approval.state == "draft"


def test_a_standard_past_its_due_date_is_flagged_with_the_override(tmp_path: Path) -> None:
    entries = _entries()
    trace = _standard(entries)["traceability"]
    trace.update(due_date="2026-02-01", override_reason="customer agreed in writing")
    entries.insert(3, ("event", {"time": 0, "type": "override", "data": {},
                                 "message": "calibrator used past its due date (2026-02-01)"}))
    content = content_from_record(_sealed(tmp_path, entries))
    standard = content.standards[0]
    assert not standard.in_date
    assert standard_validity(standard) == (
        "NOT valid on the performance date (override: customer agreed in writing)")
    assert content.method.deviations == ("calibrator used past its due date (2026-02-01)",)


def test_a_standard_without_traceability_is_named(tmp_path: Path) -> None:
    entries = _entries()
    del _standard(entries)["traceability"]
    with pytest.raises(CertificateError, match="'Multifunction calibrator' has no traceability"):
        content_from_record(_sealed(tmp_path, entries))


def test_a_budget_with_two_outputs_is_refused_naming_the_point(tmp_path: Path) -> None:
    entries = _entries()
    result = next(data for kind, data in entries if kind == "point_result")
    outputs = result["budget"]["outputs"]
    outputs["other"] = dict(outputs["error"])
    with pytest.raises(CertificateError, match="point 'dcv-1v' \\(as_found\\): the budget has 2"):
        content_from_record(_sealed(tmp_path, entries))
