"""``metrolab report`` through the real command line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrolab.cli import main


def _run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_report_writes_each_requested_file(approved_record: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    pdf, dcc = tmp_path / "cert.pdf", tmp_path / "cert.xml"
    assert _run(["report", str(approved_record), "--pdf", str(pdf), "--dcc", str(dcc)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert b"digitalCalibrationCertificate" in dcc.read_bytes()
    assert not (tmp_path / "cert.html").exists()
    assert capsys.readouterr().out.splitlines() == [f"pdf: {pdf}", f"dcc: {dcc}"]


def test_report_without_targets_writes_all_three_beside_the_record(
        approved_record: Path) -> None:
    assert _run(["report", str(approved_record)]) == 0
    folder = approved_record.parent
    for suffix in (".pdf", ".html", ".dcc.xml"):
        assert (folder / f"ECL-2026-0001{suffix}").is_file()


@pytest.mark.parametrize("tamper", ["unapproved", "tampered", "missing"])
def test_refusals_are_one_line_with_exit_code_2(tamper: str, request: pytest.FixtureRequest,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    if tamper == "missing":
        record = tmp_path / "missing.h5"
    else:
        fixture = "reviewed_record" if tamper == "unapproved" else "approved_record"
        record = request.getfixturevalue(fixture)
    if tamper == "tampered":
        with record.open("r+b") as stream:
            stream.seek(-1, 2)
            last = stream.read(1)
            stream.seek(-1, 2)
            stream.write(bytes([last[0] ^ 0xFF]))
    pdf = tmp_path / "out.pdf"
    assert _run(["report", str(record), "--pdf", str(pdf)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: report: ")
    assert error.count("\n") == 1
    assert not pdf.exists()


def test_draft_flag_renders_an_unapproved_record_marked_draft(
        reviewed_record: Path, tmp_path: Path) -> None:
    html = tmp_path / "draft.html"
    assert _run(["report", str(reviewed_record), "--html", str(html), "--draft"]) == 0
    text = html.read_text(encoding="utf-8")
    assert 'class="watermark">DRAFT<' in text
    assert "not issued (draft)" in text


def test_a_missing_output_folder_is_a_user_error(approved_record: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "folder" / "c.pdf"
    assert _run(["report", str(approved_record), "--pdf", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
