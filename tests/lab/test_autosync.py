"""Sealing, review, approval and amendment keep an existing catalogue current."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.lab.catalogue import Catalogue, Query
from metrolab.store import events
from metrolab.store.audit import AuditLog


def run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_review_and_approval_update_the_catalogue(fleet_copy: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    register = str(fleet_copy / "fleet-register.toml")
    keys = fleet_copy / "fleet-keys"
    assert run_cli(["catalogue", "rebuild", str(fleet_copy / "records"), "--register",
                    register, "--scheduler", "loop"]) == 0
    url = f"sqlite:///{fleet_copy / 'catalogue.sqlite'}"
    with Catalogue.open(url) as catalogue:
        draft = next(e for e in catalogue.find(Query(statuses=("draft",)))
                     if e.run_status == "completed")
    assert run_cli(["review", draft.path, "--by", "fleet reviewer", "--key",
                    str(keys / "fleet-reviewer.key"), "--register", register]) == 0
    with Catalogue.open(url) as catalogue:  # read without syncing: the review updated it
        assert catalogue.entry(draft.record_id).status == "reviewed"  # type: ignore[union-attr]
    assert run_cli(["approve", draft.path, "--by", "fleet approver", "--key",
                    str(keys / "fleet-approver.key"), "--register", register]) == 0
    assert run_cli(["amend", draft.path, "--by", "fleet approver", "--key",
                    str(keys / "fleet-approver.key"), "--register", register, "--reason",
                    "typo", "--set", "customer.name=Fixed Ltd"]) == 0
    with Catalogue.open(url) as catalogue:
        assert catalogue.entry(draft.record_id).status == "superseded"  # type: ignore[union-attr]
        amended = catalogue.entry(f"{draft.record_id}-A1")
        assert amended is not None and amended.customer == "Fixed Ltd"
    assert "catalogue not updated" not in capsys.readouterr().err


def test_without_a_catalogue_nothing_is_created(fleet_copy: Path) -> None:
    register = str(fleet_copy / "fleet-register.toml")
    record = next(p for p in sorted((fleet_copy / "records").rglob("*.h5"))
                  if AuditLog.for_record(p).review_state(p.stem).state == "draft")
    assert run_cli(["review", str(record), "--by", "fleet reviewer", "--key",
                    str(fleet_copy / "fleet-keys" / "fleet-reviewer.key"), "--register",
                    register]) == 0
    assert AuditLog.for_record(record).review_state(record.stem).state == "reviewed"
    assert not (fleet_copy / "catalogue.sqlite").exists()


def test_a_failing_listener_never_fails_the_step(tmp_path: Path) -> None:
    def broken(event: events.RecordEvent) -> None:
        raise RuntimeError("index down")

    events.subscribe(broken)
    try:
        with pytest.warns(events.RecordEventWarning, match="note of R-1 was recorded.*index down"):
            entry = AuditLog(tmp_path / "audit.log").append("note", "R-1")
    finally:
        events.unsubscribe(broken)
    assert entry["seq"] == 1 and AuditLog(tmp_path / "audit.log").entries() == [entry]
