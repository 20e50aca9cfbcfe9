"""Review, approval and amendment chains, through the API and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import h5py
import pytest

from metrolab.store import amend, approve, open_record, review, verify
from metrolab.store.audit import GENESIS, entry_hash
from metrolab.store.errors import RecordIntegrityError, ReviewError

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]


def test_draft_reviewed_approved_with_who_and_when(signed_record: Path, keys: Any) -> None:
    state = review(signed_record, keys["Rita Reviewer"], register=keys.register)
    assert (state.state, state.who) == ("reviewed", "Rita Reviewer")
    state = approve(signed_record, keys["Abe Approver"], register=keys.register)
    assert (state.state, state.who, state.reviewed_by) == ("approved", "Abe Approver",
                                                           "Rita Reviewer")
    assert [step["action"] for step in state.history] == ["sealed", "reviewed", "approved"]
    assert [(s.action, s.name, s.role, s.registered) for s in state.signers] == [
        ("sealed", "A. Operator", "operator", True),
        ("reviewed", "Rita Reviewer", "reviewer", True),
        ("approved", "Abe Approver", "approver", True)]
    assert state.signers[2].fingerprint == keys["Abe Approver"].fingerprint
    assert open_record(signed_record, register=keys.register).review == state
    report = verify(signed_record, register=keys.register)
    assert report.ok, report.problems  # review lives in the audit log, not in the sealed file
    assert "approved by Abe Approver, approver" in report.summary()


def test_steps_out_of_order_are_refused(record_path: Path, keys: Any) -> None:
    rita, abe = keys["Rita Reviewer"], keys["Abe Approver"]
    with pytest.raises(ReviewError, match="must be reviewed first"):
        approve(record_path, abe)
    review(record_path, rita)
    with pytest.raises(ReviewError, match="already reviewed"):
        review(record_path, rita)
    with pytest.raises(ReviewError, match="needs a second person"):
        approve(record_path, rita)
    with pytest.raises(ReviewError, match="a signing key is needed"):
        approve(record_path, "Abe Approver")  # type: ignore[arg-type]
    # the operator who ran the calibration (``run.operator``) may not approve it either,
    # whatever the case and blanks of the name
    with pytest.raises(ReviewError, match="performed the calibration"):
        approve(record_path, replace(keys["A. Operator"], name="a.  OPERATOR"))


def test_a_key_the_register_does_not_hold_is_refused_before_anything_is_written(
        signed_record: Path, keys: Any) -> None:
    log = signed_record.parent / "audit.log"
    before = log.read_bytes()
    with pytest.raises(ReviewError, match="not registered to them"):
        review(signed_record, keys.foreign, register=keys.register)
    assert log.read_bytes() == before


def test_a_tampered_record_cannot_be_reviewed(record_path: Path, keys: Any) -> None:
    with h5py.File(record_path, "r+") as f:
        f["entry"].attrs["status"] = "failed"
    with pytest.raises(RecordIntegrityError, match="not intact"):
        review(record_path, keys["Rita Reviewer"])


def test_an_amendment_is_a_new_linked_record_and_the_original_stays(record_path: Path,
                                                                    keys: Any) -> None:
    rita, abe = keys["Rita Reviewer"], keys["Abe Approver"]
    review(record_path, rita)
    approve(record_path, abe)
    original_bytes = record_path.read_bytes()
    first = amend(record_path, signer=abe, reason="customer renamed",
                  changes={"customer.name": "New Ltd", "item.description": "DMM"})
    assert record_path.read_bytes() == original_bytes
    amended = open_record(first)
    assert amended.record_id == "R-2026-0001-A1"
    assert amended.run["customer"]["name"] == "New Ltd"
    assert amended.amends is not None
    assert amended.amends["record_id"] == "R-2026-0001"
    assert amended.amends["certificate_id"] == "R-2026-0001"
    assert amended.amends["reason"] == "customer renamed"
    assert amended.amends["changes"] == [
        {"field": "customer.name", "old": "Example Ltd", "new": "New Ltd"},
        {"field": "item.description", "old": "6½-digit DMM", "new": "DMM"}]
    assert amended.review.state == "draft"
    original = open_record(record_path)
    assert original.run["customer"]["name"] == "Example Ltd"
    assert (original.review.state, original.review.superseded_by) == ("approved",
                                                                      "R-2026-0001-A1")
    assert amended.points[1].readings.magnitude.tolist() == \
        original.points[1].readings.magnitude.tolist()
    assert verify(first).ok and verify(record_path).ok
    with pytest.raises(ReviewError, match="replaced by amendment R-2026-0001-A1"):
        amend(record_path, signer=abe, reason="again", changes={"location": "site"})
    second = amend(first, signer=rita, reason="site visit", changes={"location": "customer site"})
    chained = open_record(second)
    assert chained.record_id == "R-2026-0001-A2"
    assert chained.amends is not None and chained.amends["record_id"] == "R-2026-0001-A1"
    assert chained.run["customer"]["name"] == "New Ltd"
    assert chained.run["location"] == "customer site"


def test_readings_and_identity_keys_cannot_be_amended(record_path: Path, keys: Any) -> None:
    abe = keys["Abe Approver"]
    with pytest.raises(ReviewError, match="run_id cannot be amended"):
        amend(record_path, signer=abe, reason="r", changes={"run_id": "X"})
    with pytest.raises(ReviewError, match=r"no field 'points\.0\.value'"):
        amend(record_path, signer=abe, reason="r", changes={"points.0.value": 1.0})
    with pytest.raises(ReviewError, match="reason"):
        amend(record_path, signer=abe, reason="", changes={"location": "x"})
    assert sorted(p.name for p in record_path.parent.glob("*.h5")) == [record_path.name]


def test_the_command_line_walks_the_same_path(signed_record: Path, keys: Any,
                                             cli: Cli) -> None:
    record_path, register = signed_record, ["--register", str(keys.register_path)]
    code, out, _ = cli(["review", str(record_path), "--by", "Rita Reviewer", *register])
    assert code == 0 and "reviewed by Rita Reviewer" in out
    code, _, err = cli(["approve", str(record_path), "--by", "Rita Reviewer", *register])
    assert code == 2 and err.startswith("error: ") and "second person" in err
    assert "Traceback" not in err
    code, _, err = cli(["approve", str(record_path), "--by", "Abe Approver", "--key",
                        str(keys.foreign.path), *register])
    assert code == 2 and "belongs to Rita Reviewer, not to Abe Approver" in err
    code, out, _ = cli(["approve", str(record_path), "--by", "Abe Approver", *register])
    head = json.loads((record_path.parent / "audit.log").read_text().splitlines()[-1])["hash"]
    assert code == 0 and "approved by Abe Approver" in out
    assert f"audit log head: {head} (entry 3)" in out
    code, out, _ = cli(["audit", "head", str(record_path.parent)])
    assert code == 0 and out.startswith(f"{head}  entry 3 of ")
    code, out, _ = cli(["amend", str(record_path), "--by", "Abe Approver", "--reason", "typo",
                        "--set", "customer.name=Example Ltd.", "--set", "item.serial=\"7\""])
    assert code == 0 and "R-2026-0001-A1.h5" in out
    amended = open_record(record_path.parent / "R-2026-0001-A1.h5")
    assert amended.run["item"]["serial"] == "7"
    code, out, _ = cli(["show", str(record_path.parent / "R-2026-0001-A1.h5")])
    assert code == 0
    assert "amends      R-2026-0001: typo" in out
    assert "customer    Example Ltd." in out
    assert "dcv-10V" in out and "pass" in out
    code, _, err = cli(["amend", str(record_path), "--by", "Abe Approver", "--reason", "r",
                        "--set", "nonsense"])
    assert code == 2 and "FIELD=VALUE" in err
    code, _, err = cli(["review", str(record_path), "--by", "Nobody"])
    assert code == 2 and "metrolab keys new 'Nobody' --role ROLE" in err


def test_an_amendment_names_the_hash_of_what_it_replaced(record_path: Path, keys: Any) -> None:
    amended = amend(record_path, signer=keys["Abe Approver"], reason="typo",
                    changes={"location": "lab 2"})
    log = record_path.parent / "audit.log"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entries[0]["content_sha256"] = "f" * 64  # a forger rewrites the log, chain and all
    prev = GENESIS
    for entry in entries:
        entry["prev"] = prev
        entry["hash"] = prev = entry_hash(entry)
    log.write_text("".join(json.dumps(e) + "\n" for e in entries))
    # the chain holds, but the signed amendment entry was re-chained without its key
    assert verify(log).problems == ["audit log: line 2 (amended of R-2026-0001-A1): the "
                                    "signature does not verify: the entry was changed after "
                                    "it was signed, or re-signed without the key it names"]
    problems = verify(amended).problems
    assert any("was sealed with another hash" in p for p in problems)


def test_review_and_approval_never_precede_the_end_of_the_run(tmp_path: Path, keys: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from metrolab.clock import VirtualClock
    from metrolab.store import Journal, seal
    from metrolab.testing.certificate_example import example_journal_entries

    # a simulated run on a virtual clock that ran a day ahead of the wall clock
    ahead = VirtualClock((datetime.now(UTC) + timedelta(days=1)).timestamp())
    entries = example_journal_entries("R-V", clock=ahead)
    entries[0][1]["clock"] = {"kind": "virtual"}
    journal = tmp_path / "R-V.journal"
    with Journal.create(journal, "R-V", clock=ahead) as writer:
        writer.append_many(entries)
    record = seal(journal, clock=ahead)
    ended = open_record(record).run["ended_at"]
    with pytest.raises(ReviewError, match=r"would precede the end of its run.*virtual clock"):
        review(record, keys["Rita Reviewer"])  # on the wall clock: before the recorded end
    assert open_record(record).review.state == "draft"
    review(record, keys["Rita Reviewer"], clock=ahead)  # on the run's clock, after its end
    behind = VirtualClock(datetime.fromisoformat(ended).timestamp() - 60.0)
    with pytest.raises(ReviewError, match=r"approval of R-V at .* would precede the end"):
        approve(record, keys["Abe Approver"], clock=behind)
    assert approve(record, keys["Abe Approver"], clock=ahead).state == "approved"
