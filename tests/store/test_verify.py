"""``metrolab verify`` checks what it is asked to: a record as a record (never as a log),
the log only when asked for, a directory as a whole, and the log's tail against an anchor."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from metrolab.store import open_record, seal, verify

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]


def _refused(cli: Cli, args: list[str]) -> str:
    """Run ``metrolab ARGS``; assert exit 1 with one line on stderr; return that line."""
    code, out, err = cli(args)
    assert (code, out) == (1, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _passed(cli: Cli, args: list[str]) -> str:
    """Run ``metrolab ARGS``; assert exit 0 with one line on stdout; return that line."""
    code, out, err = cli(args)
    assert (code, err) == (0, ""), err
    assert out.count("\n") == 1, out
    return out


def test_an_intact_directory_record_and_log(records: SimpleNamespace, cli: Cli) -> None:
    line = _passed(cli, ["verify", str(records.dir), *records.register])
    assert "intact: 2 record(s), each present, intact and sealed in the audit log" in line
    line = _passed(cli, ["verify", str(records.a), *records.register])
    assert "intact: record R-A" in line and "its file name and the audit log" in line
    assert "approved by Abe Approver, approver" in line
    line = _passed(cli, ["verify", str(records.log), *records.register])
    assert "intact: 4 entries chained" in line and "2 record(s) beside it" in line


@pytest.mark.parametrize(("content", "what"), [
    (b"", "an empty file (0 bytes)"),
    ("audit.log", "an audit log (check it with `metrolab verify --log`)"),
    ("A.journal", "a run journal (seal it with `metrolab recover`)"),
    (b"just some notes\n", "text (16 bytes), not HDF5"),
    (b"\xff\xfe\x00\x01" * 4, "binary data (16 bytes), not HDF5"),
])
def test_a_file_named_as_a_record_is_never_checked_as_a_log(
        records: SimpleNamespace, cli: Cli, content: bytes | str, what: str) -> None:
    fake = records.dir / "R.h5"
    fake.write_bytes(content if isinstance(content, bytes) else
                     (records.dir / content).read_bytes())
    line = _refused(cli, ["verify", str(fake)])
    assert line == f"{fake}: NOT intact: not a record: it is {what}\n"
    assert not verify(fake).ok


def test_a_file_that_is_neither_says_what_it_is(records: SimpleNamespace, cli: Cli) -> None:
    notes = records.dir / "notes.txt"
    notes.write_text("a note\n")
    assert _refused(cli, ["verify", str(notes)]) == (
        f"{notes}: not verified: neither a record nor an audit log: it is text (7 bytes), "
        "not HDF5\n")
    journal = records.dir / "A.journal"
    assert "it is a run journal" in _refused(cli, ["verify", str(journal)])
    backup = records.dir / "audit.log.bak"
    shutil.copy(records.log, backup)
    assert "it is an audit log" in _refused(cli, ["verify", str(backup)])
    assert "intact: 4 entries chained" in _passed(cli, ["verify", "--log", str(backup)])


def test_an_emptied_log_is_not_intact_beside_records(records: SimpleNamespace,
                                                     cli: Cli) -> None:
    records.log.write_bytes(b"")
    line = _refused(cli, ["verify", str(records.log)])
    assert "the audit log has no entry but 2 record(s) are beside it" in line
    assert "the audit log has no entry sealing R-A or naming A.h5" in _refused(
        cli, ["verify", str(records.a)])
    assert "audit.log is empty" in _refused(cli, ["verify", str(records.dir)])


def test_an_empty_log_asked_for_with_no_record_beside_it_is_intact(tmp_path: Path,
                                                                   cli: Cli) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(b"")
    assert "intact: 0 entries chained, no entries; 0 record(s)" in _passed(
        cli, ["verify", str(log)])


def test_a_substituted_record_is_refused(records: SimpleNamespace, cli: Cli) -> None:
    shutil.copy(records.b, records.a)  # cp B.h5 A.h5: B is intact, but it is not A
    line = _refused(cli, ["verify", str(records.a), *records.register])
    assert ("A.h5 holds record R-B, which the audit log sealed as B.h5 (line 2), not record "
            "R-A that it sealed as A.h5 (line 1): a substituted record") in line
    assert "A.h5 holds record R-B" in _refused(cli, ["verify", str(records.dir)])


def test_a_renamed_record_and_a_missing_one_are_named(records: SimpleNamespace,
                                                      cli: Cli) -> None:
    moved = records.dir / "A-copy.h5"
    records.a.rename(moved)
    assert ("A-copy.h5 holds record R-A, which the audit log sealed as A.h5 (line 1): a "
            "copied or renamed record") in _refused(cli, ["verify", str(moved)])
    line = _refused(cli, ["verify", str(records.dir)])
    assert f"record R-A (sealed as A.h5, line 1) is missing from {records.dir}" in line
    line = _refused(cli, ["verify", str(records.log)])
    assert "record R-A (sealed as A.h5, line 1) is missing" in line
    assert "A-copy.h5 is beside the log but no entry seals it" in line


def test_a_record_unknown_to_the_log_is_named(records: SimpleNamespace, sample: SimpleNamespace,
                                              tmp_path_factory: pytest.TempPathFactory,
                                              cli: Cli) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    stranger = seal(sample.write_run(elsewhere / "C.journal", run_id="R-C"))
    shutil.copy(stranger, records.dir / "C.h5")
    line = _refused(cli, ["verify", str(records.dir)])
    assert "C.h5: the audit log has no entry sealing R-C or naming C.h5" in line
    assert "C.h5 is beside the log but no entry seals it" in _refused(
        cli, ["verify", "--log", str(records.log)])


def test_an_anchor_proves_the_log_was_not_cut_back(records: SimpleNamespace, cli: Cli,
                                                   tmp_path_factory: pytest.TempPathFactory
                                                   ) -> None:
    code, out, _ = cli(["audit", "head", str(records.dir)])
    head = out.split()[0]
    assert code == 0 and out.startswith(f"{head}  entry 4 of {records.log}")
    anchors = tmp_path_factory.mktemp("safe") / "anchors.txt"
    anchors.write_text(out)  # kept on another system
    line = _passed(cli, ["verify", str(records.dir), "--anchor", head, "--anchor-file",
                         str(anchors)])
    assert "2 anchor(s) found in the log" in line
    lines = records.log.read_text().splitlines(keepends=True)
    records.log.write_text("".join(lines[:-1]))  # the approval is cut off: the chain holds
    assert verify(records.a).ok
    assert open_record(records.a).review.state == "reviewed"  # its signed review is real
    for args in (["--anchor", head], ["--anchor-file", str(anchors)]):
        line = _refused(cli, ["verify", str(records.a), *args])
        assert (f"anchor {head[:16]} is not in the audit log: the log was cut back or "
                "rewritten after that head was copied away") in line
    code, _, err = cli(["verify", str(records.a), "--anchor", "abc"])
    assert code == 2 and "give the 64 hex digits" in err


def test_the_head_of_an_empty_or_missing_log(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli(["audit", "head", str(tmp_path)])
    assert code == 2 and "no audit log at" in err
    (tmp_path / "audit.log").write_bytes(b"")
    code, _, err = cli(["audit", "head", str(tmp_path)])
    assert code == 1 and "has no entries" in err


def test_verify_names_the_signers_and_the_register(records: SimpleNamespace) -> None:
    report = verify(records.a)
    assert report.ok and report.register is None
    assert "signatures not checked against a register (give --register)" in report.summary()
    assert [(s.action, s.name, s.registered) for s in report.signers] == [
        ("sealed", "A. Operator", False), ("reviewed", "Rita Reviewer", False),
        ("approved", "Abe Approver", False)]
    entries = [json.loads(line) for line in records.log.read_text().splitlines()]
    assert report.head == entries[-1]["hash"] and report.head_seq == 4
