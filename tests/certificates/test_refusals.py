"""Records that must not become certificates: unsealed, tampered, unapproved, superseded."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import h5py
import pytest

from metrolab import store
from metrolab.certificates import issue
from metrolab.certificates.errors import DccValidationError, RecordNotIssuableError
from metrolab.certificates.issue import render_all
from metrolab.clock import VirtualClock
from metrolab.store.errors import ReviewError
from metrolab.testing.certificate_example import example_journal_entries, example_key


def _outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_journal_is_not_a_sealed_record(approved_record: Path, tmp_path: Path) -> None:
    journal = approved_record.with_suffix(".journal")
    assert journal.exists()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RecordNotIssuableError, match="not a sealed record"):
        render_all(journal, out, draft=True)
    assert _outputs(out) == []


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordNotIssuableError, match="does not exist"):
        render_all(tmp_path / "nothing.h5", tmp_path, draft=False)


def test_a_changed_reading_is_refused_even_as_a_draft(approved_record: Path,
                                                      tmp_path: Path) -> None:
    with h5py.File(approved_record, "r+") as handle:
        def first_readings(name: str, obj: object) -> str | None:
            return name if name.startswith("entry/readings/") and name.endswith("/value") \
                else None
        name = handle.visititems(first_readings)
        handle[name][0] = handle[name][0] + 1e-3
    out = tmp_path / "out"
    out.mkdir()
    for draft in (False, True):
        with pytest.raises(RecordNotIssuableError, match="failed verification"):
            render_all(approved_record, out, draft=draft)
    assert _outputs(out) == []


def test_an_appended_byte_is_refused(approved_record: Path, tmp_path: Path) -> None:
    with approved_record.open("ab") as stream:
        stream.write(b"\0")
    with pytest.raises(RecordNotIssuableError, match="file's bytes differ"):
        render_all(approved_record, tmp_path, draft=False)


def test_a_reviewed_but_unapproved_record_needs_draft(reviewed_record: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RecordNotIssuableError, match="reviewed, not approved"):
        render_all(reviewed_record, out, draft=False)
    assert _outputs(out) == []


def test_a_superseded_record_points_to_its_amendment(approved_record: Path,
                                                     tmp_path: Path) -> None:
    store.amend(approved_record, signer=example_key(approved_record.parent, "B. Approver"),
                reason="customer name misspelt",
                changes={"customer.name": "ACME Instruments AG"}, clock=VirtualClock())
    with pytest.raises(RecordNotIssuableError, match="superseded by amendment ECL-2026-0001-A1"):
        render_all(approved_record, tmp_path, draft=False)


def test_an_aborted_run_gives_only_a_draft(tmp_path: Path) -> None:
    clock = VirtualClock()
    journal = tmp_path / "R-9.journal"
    entries = [e for e in example_journal_entries("R-9", clock=clock) if e[0] != "run_ended"]
    with store.Journal.create(journal, "R-9", clock=clock) as writer:
        writer.append_many(entries)
    record = store.seal(journal, clock=clock)
    store.review(record, example_key(tmp_path, "C. Checker"), clock=clock)
    with pytest.raises(ReviewError, match=r"ended .aborted..*cannot be approved"):
        store.approve(record, example_key(tmp_path, "B. Approver"), clock=clock)
    with pytest.raises(RecordNotIssuableError, match="not approved"):
        render_all(record, tmp_path, draft=False)
    paths = render_all(record, tmp_path, draft=True)
    html = paths["html"].read_text(encoding="utf-8")
    assert "DRAFT: the run did not complete (aborted: interrupted" in html
    assert "this record is not approved" not in html


def test_written_certificates_have_ordinary_file_permissions(rendered: dict[str, Path]) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    for path in rendered.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_nothing_is_written_when_the_dcc_does_not_validate(
        approved_record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def invalid(*args: object) -> bytes:
        raise DccValidationError("DCC 3.3.0 validation failed at /dcc:x", element="/dcc:x")

    monkeypatch.setattr(issue, "dcc_bytes", invalid)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DccValidationError):
        render_all(approved_record, out, draft=False)
    assert _outputs(out) == []  # the PDF and HTML were rendered, but not written


def test_a_record_swapped_after_verification_is_refused(
        approved_record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = issue.open_record

    def swapped(path: Path, *, check: bool = True, register: object = None) -> store.Record:
        record = opened(path, check=check, register=register)  # type: ignore[arg-type]
        record.sha256 = "0" * 64  # what another file in the same place would hold
        return record

    monkeypatch.setattr(issue, "open_record", swapped)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RecordNotIssuableError, match="changed while it was being read"):
        render_all(approved_record, out, draft=True)
    assert _outputs(out) == []
