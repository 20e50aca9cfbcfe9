"""Records sealed in the schema 1.0 layout stay readable, verifiable and certifiable.

The fixture in ``data/v1`` was written by metrolab before schema 2.0 (see its README);
its journal is the oracle: every reading, budget and decision read back from the record
must be what was journalled.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from metrolab.store import open_record, verify
from metrolab.store.errors import ReviewError
from metrolab.store.journal_read import read_journal
from metrolab.store.signing import KeyRegister

FIXTURE = Path(__file__).parent / "data" / "v1"
RECORD = "V1-2026-0001.h5"


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    """Return a copy of the schema 1.0 records directory."""
    folder = tmp_path / "v1"
    shutil.copytree(FIXTURE, folder)
    return folder


def _journalled(folder: Path) -> tuple[dict[tuple[str, str], list[list[float]]],
                                       dict[tuple[str, str], dict[str, object]]]:
    """Return the readings of every attempt and the result of each (point, phase)."""
    attempts: dict[tuple[str, str], list[list[float]]] = {}
    results: dict[tuple[str, str], dict[str, object]] = {}
    for entry in read_journal(folder / "V1-2026-0001.journal"):
        key = (str(entry.data.get("point_id")), str(entry.data.get("phase")))
        if entry.kind == "point_started":
            attempts.setdefault(key, []).append([])
        elif entry.kind == "reading":
            attempts[key][-1].append(float(entry.data["value"]))
        elif entry.kind == "point_result":
            results[key] = entry.data
    return attempts, results


def test_a_v1_record_reads_back_what_was_journalled(v1: Path) -> None:
    record = open_record(v1 / RECORD)
    assert (record.schema_version, record.record_id, record.status) == (
        "1.0", "V1-2026-0001", "completed")
    attempts, results = _journalled(v1)
    assert [(p.point_id, p.phase) for p in record.points] == list(attempts)
    for point in record.points:
        key = (point.point_id, point.phase)
        assert point.readings.magnitude.tolist() == attempts[key][-1]
        assert point.attempts == len(attempts[key])
        assert point.budget == results[key]["budget"]
        assert point.decision == results[key]["decision"]
        assert point.error is not None
        assert point.error.magnitude == results[key]["error"]["value"]  # type: ignore[index]
    retried = record.points[0]
    assert retried.voided_readings is not None
    assert retried.voided_readings.magnitude.tolist() == attempts[("dcv-1v", "as_found")][0]
    assert record.environment["temperature"].values.magnitude.tolist() == [22.9, 23.1, 23.3]
    assert "pressure" not in record.environment  # schema 1.0 wrote NaN: not a reading
    assert [e["type"] for e in record.events] == ["retry", "note"]


def test_a_v1_record_verifies_with_its_signatures(v1: Path) -> None:
    register = KeyRegister.load(v1 / "example-register.toml")
    report = verify(v1 / RECORD, register=register)
    assert report.ok, report.problems
    assert [s.action for s in report.signers] == ["sealed", "reviewed", "approved"]
    assert open_record(v1 / RECORD, register=register).review.state == "approved"


def test_a_changed_v1_reading_is_named_by_the_v1_rule(v1: Path) -> None:
    with h5py.File(v1 / RECORD, "r+") as handle:
        handle["entry/points/point_0002/readings"][0] += 1e-6
    problems = verify(v1 / RECORD).problems
    assert "/entry/points/point_0002/readings was changed" in problems


def test_a_v1_record_is_certified(v1: Path, tmp_path: Path) -> None:
    from metrolab.certificates import render_all

    register = KeyRegister.load(v1 / "example-register.toml")
    files = render_all(v1 / RECORD, tmp_path, draft=False, register=register)
    assert sorted(files) == ["dcc", "html", "pdf"]
    text = files["dcc"].read_text(encoding="utf-8")
    assert "V1-2026-0001" in text and 'refType="basic_measuredValue"' in text


def test_a_v1_record_cannot_be_amended_by_this_version(v1: Path) -> None:
    from metrolab.store import amend
    from metrolab.testing.certificate_example import example_key

    shutil.copytree(FIXTURE, v1 / "keys-home", dirs_exist_ok=True)
    key = example_key(v1 / "keys-home", "B. Approver")  # any key: refused before signing
    with pytest.raises(ReviewError, match=r"schema 1\.0 record"):
        amend(v1 / RECORD, signer=key, reason="customer renamed",
              changes={"customer.name": "New Ltd"})
    assert sorted(p.name for p in v1.glob("*.h5")) == [RECORD]
    assert np.isfinite(open_record(v1 / RECORD).points[0].readings.magnitude).all()
