"""The simulated fleet: deterministic, realistic, sealed, signed and verifiable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.lab.errors import FleetError
from metrolab.lab.fleet import simulate_fleet
from metrolab.lab.fleet_plan import plan_fleet
from metrolab.store.record import open_record
from metrolab.store.signing import KeyRegister
from metrolab.store.verification import verify


def test_the_plan_follows_from_the_seed() -> None:
    assert plan_fleet(60, standards=4, seed=3) == plan_fleet(60, standards=4, seed=3)
    assert plan_fleet(60, standards=4, seed=3) != plan_fleet(60, standards=4, seed=4)


def test_standards_overlap_and_every_run_uses_a_valid_calibration() -> None:
    plan = plan_fleet(300, standards=4, seed=1)
    for standard in plan.standards:
        for first, second in zip(standard.calibrations, standard.calibrations[1:], strict=False):
            assert first.calibration_date < second.calibration_date <= first.due_date
    used = {r.standard for r in plan.records}
    assert used == set(range(4))
    for record in plan.records:
        calibration = record.calibration
        assert calibration.calibration_date <= record.started.date() <= calibration.due_date
        assert calibration in plan.standards[record.standard].calibrations
    models = {r.model for r in plan.records}
    assert len(models) >= 3
    assert {r.rule for r in plan.records} == {"simple", "guarded", "nonbinary"}
    assert any(r.amend for r in plan.records) and any(r.aborted for r in plan.records)


def test_the_fleets_records_are_sealed_signed_and_intact(fleet: Path) -> None:
    register = KeyRegister.load(fleet / "fleet-register.toml")
    folders = sorted(p for p in (fleet / "records").iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        report = verify(folder, register=register)
        assert report.ok, report.problems
    for path in sorted((fleet / "records").rglob("FL-*.h5"))[:4]:
        record = open_record(path, register=register)
        assert record.run["simulation"]["simulated"] is True
        assert {s.action for s in record.signers} >= {"sealed"}
        assert all(s.registered for s in record.signers)
        standard = next(i for i in record.instruments if i["role"] == "standard")
        trace = standard["traceability"]
        day = datetime.fromtimestamp(record.run["started_at"], UTC).date().isoformat()
        assert trace["calibration_date"] <= day <= trace["due_date"]
        method = "mc" if record.run["procedure"]["version"] == "2.1-mc" else "gum"
        assert record.points and all(p.budget["method"] == method for p in record.points)
    methods = {p.budget["method"] for path in (fleet / "records").rglob("FL-*.h5")
               for p in open_record(path, register=register).points}
    assert methods == {"gum", "mc"}  # the fleet exercises both re-evaluation paths


def test_a_fleet_is_never_written_over(fleet_copy: Path) -> None:
    with pytest.raises(FleetError, match="already holds records"):
        simulate_fleet(2, fleet_copy, scheduler="loop")
    with pytest.raises(FleetError, match="N must be at least 1"):
        simulate_fleet(0, fleet_copy / "new", scheduler="loop")


def test_fleet_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask")
    try:
        main(["fleet", "simulate", "3", "--out", str(tmp_path / "f"), "--standards", "2",
              "--seed", "5", "--scheduler", "threads", "--workers", "2"])
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert "3 record(s)" in out and "standard CAL-02 (serial 1972902)" in out
    records = sorted((tmp_path / "f" / "records").rglob("*.h5"))
    assert len(records) >= 3  # amendments add records
    assert all(verify(p.parent).ok for p in records)
