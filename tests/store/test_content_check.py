"""One manifest per record per process: the digests sealing computes while writing serve
review, approval, opening and verifying in the same process, until the file changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import h5py
import pytest

from metrolab.store import approve, open_record, review, seal, verify
from metrolab.store import verification as verification_module
from metrolab.store.writer import RecordWriter


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the manifests computed: by a writer while writing, by reading a file back."""
    calls: Counter[str] = Counter()
    read_back, written = verification_module.manifest, RecordWriter.manifest

    def reading(*args: Any) -> Any:
        calls["read back"] += 1
        return read_back(*args)

    def writing(self: RecordWriter) -> Any:
        calls["written"] += 1
        return written(self)

    monkeypatch.setattr(verification_module, "manifest", reading)
    monkeypatch.setattr(RecordWriter, "manifest", writing)
    verification_module._CHECKED.clear()
    return calls


def test_seal_review_approve_open_verify_compute_one_manifest(
        journal_path: Path, keys: Any, counted: Counter[str]) -> None:
    record = seal(journal_path, signer=keys["A. Operator"])
    review(record, keys["Rita Reviewer"], register=keys.register)
    approve(record, keys["Abe Approver"], register=keys.register)
    assert open_record(record, register=keys.register).review.state == "approved"
    assert verify(record, register=keys.register).ok
    assert counted == Counter({"written": 1})


def test_a_changed_file_is_checked_again(record_path: Path, counted: Counter[str]) -> None:
    assert verify(record_path).ok
    assert counted["read back"] == 1  # not sealed in this process (the cache was emptied)
    assert verify(record_path).ok
    assert counted["read back"] == 1
    with h5py.File(record_path, "r+") as handle:
        handle["entry/readings/volt/value"][0] += 1e-9
    assert "/entry/readings/volt/value was changed" in verify(record_path).problems
    # checked again, but not in this process: the audit log does not vouch for these
    # bytes, so a child process reads them (metrolab.store.untrusted)
    assert counted["read back"] == 1


def test_the_same_bytes_under_another_name_are_checked_on_their_own(
        record_path: Path, tmp_path: Path, counted: Counter[str]) -> None:
    copy = tmp_path / "elsewhere" / record_path.name
    copy.parent.mkdir()
    copy.write_bytes(record_path.read_bytes())
    assert verify(record_path).ok
    report = verify(copy)  # no audit log there: fails, but its content was checked on its own
    assert "no audit log" in " ".join(report.problems)
    assert report.record_id == open_record(record_path).record_id
    # ... in a child process: no log vouches for the copy's bytes (metrolab.store.untrusted)
    assert counted["read back"] == 1


def test_the_facts_remembered_at_sealing_are_the_ones_read_back(
        journal_path: Path, keys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sealing takes a record's facts from what it wrote (an amendment, which copies
    part of its record, may read them back); either way they are the file's own."""
    from metrolab.store import amend, sealing
    from metrolab.store.facts import read_facts
    from metrolab.store.schema import LAYOUT_2

    remembered: dict[Path, Any] = {}
    monkeypatch.setattr(sealing, "remember_sealed",
                        lambda path, whole, facts: remembered.__setitem__(path, facts))
    record = seal(journal_path, signer=keys["A. Operator"])
    amended = amend(record, signer=keys["Rita Reviewer"], reason="customer renamed",
                    changes={"customer.name": "New Ltd"})
    for path in (record, amended):
        with h5py.File(path, "r") as handle:
            assert remembered[path] == read_facts(handle, LAYOUT_2)
    assert remembered[amended].amends is not None
    assert remembered[amended].record_id.endswith("-A1")
