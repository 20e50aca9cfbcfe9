"""Recovery of interrupted runs: sealing, registering a record sealed before a crash, refusals."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import h5py
import pytest

from metrolab.store import Journal, durable, open_record, recover, seal, sealed_record, verify
from metrolab.store.errors import JournalLockedError, SealError
from metrolab.store.journal_read import JournalReader
from metrolab.store.sealing import write_record

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]


def test_recover_seals_an_interrupted_run_once(tmp_path: Path, sample: SimpleNamespace,
                                              cli: Cli) -> None:
    journal = sample.write_run(tmp_path / "r.journal", end=False)
    stale = tmp_path / ".r.h5.999.tmp"
    stale.write_bytes(b"half a file")
    code, out, _ = cli(["recover", str(journal)])
    assert code == 0 and "sealed as" in out and "aborted" in out
    assert not stale.exists()
    assert verify(tmp_path / "r.h5").ok
    assert open_record(tmp_path / "r.h5").status == "aborted"
    assert recover(journal).action == "already sealed"


def test_a_record_sealed_just_before_a_crash_is_registered(tmp_path: Path,
                                                           sample: SimpleNamespace) -> None:
    journal = sample.write_run(tmp_path / "r.journal")
    write_record(JournalReader(journal), tmp_path / "r.h5",
                 sealed_at="2026-01-01T00:00:00+00:00")
    assert not verify(tmp_path / "r.h5").ok  # no audit entry yet
    done = recover(journal)
    assert (done.action, done.status) == ("registered", "completed")
    assert verify(tmp_path / "r.h5").ok
    entry = json.loads((tmp_path / "audit.log").read_text().splitlines()[-1])
    assert entry["action"] == "registered" and entry["record_id"] == sample.run_id


def test_a_damaged_unregistered_record_is_not_registered(tmp_path: Path,
                                                         sample: SimpleNamespace) -> None:
    journal = sample.write_run(tmp_path / "r.journal")
    sealed = write_record(JournalReader(journal), tmp_path / "r.h5",
                          sealed_at="2026-01-01T00:00:00+00:00").sealed
    with h5py.File(sealed.path, "r+") as f:
        f["entry/run/status"][()] = "aborted"
    with pytest.raises(SealError, match="move it aside as evidence"):
        recover(journal)


def test_a_live_journal_is_not_recovered(tmp_path: Path) -> None:
    path = tmp_path / "live.journal"
    with Journal.create(path, "LIVE"), pytest.raises(JournalLockedError, match="live process"):
        recover(path)
    assert recover(path).action == "sealed"


def test_recover_a_directory_and_show_the_result(tmp_path: Path, sample: SimpleNamespace,
                                                cli: Cli) -> None:
    sample.write_run(tmp_path / "a.journal", end=False)
    sample.write_run(tmp_path / "b.journal", run_id="R-2026-0002")
    code, out, _ = cli(["recover", str(tmp_path)])
    assert code == 0 and out.count("sealed as") == 2
    code, out, _ = cli(["show", str(tmp_path / "a.h5")])
    assert code == 0
    assert "status      aborted: interrupted" in out
    assert "performed   2026-01-01T00:00:00+00:00 .. 2026-01-01T00:00:05+00:00" in out
    assert "standard     calibrator   Fluke 5522A sn F1 fw 1.0 cert C-77 due 2026-06-01" in out


def test_show_lists_the_caveats_of_the_points(tmp_path: Path, sample: SimpleNamespace,
                                              cli: Cli) -> None:
    """A reviewer sees which unverified specification data the results rest on."""
    caveat = "5522A 1-year specification, unverified data: [U] recalled"
    sample.write_run(tmp_path / "c.journal", caveats=(caveat,))
    code, out, _ = cli(["show", str(seal(tmp_path / "c.journal"))])
    assert code == 0
    assert f"     2 points: {caveat}" in out
    plain = sample.write_run(tmp_path / "d.journal", run_id="R-2026-0003")
    code, out, _ = cli(["show", str(seal(plain))])
    assert code == 0 and "caveats" not in out


def test_command_line_input_errors_exit_2(tmp_path: Path,
                                          cli: Cli) -> None:
    for command in ("verify", "show"):  # one line, not click's usage block
        code, _, err = cli([command, str(tmp_path / "missing.h5")])
        assert code == 2 and "does not exist" in err
        assert err.count("\n") == 1 and "Usage" not in err
    code, _, err = cli(["recover", str(tmp_path)])
    assert code == 2 and "no *.journal files" in err
    not_record = tmp_path / "x.h5"
    not_record.write_text("text")
    code, _, err = cli(["show", str(not_record)])
    assert code == 2 and "not an HDF5 file" in err


def test_seal_takes_an_explicit_output_path(tmp_path: Path, sample: SimpleNamespace) -> None:
    journal = sample.write_run(tmp_path / "r.journal")
    (tmp_path / "records").mkdir()
    path = seal(journal, tmp_path / "records" / "cal.h5")
    assert verify(path).ok
    assert (tmp_path / "records" / "audit.log").exists()


def test_recover_goes_on_past_a_journal_it_cannot_recover(
        tmp_path: Path, sample: SimpleNamespace, cli: Cli) -> None:
    sample.write_run(tmp_path / "a.journal", end=False)
    with Journal.create(tmp_path / "live.journal", "LIVE"):
        code, out, err = cli(["recover", str(tmp_path)])
    assert code == 1
    assert "a.journal: sealed as" in out
    assert "live.journal: not recovered:" in err and "live process" in err
    assert "1 of 2 journal(s) not recovered (live.journal)" in err


def test_a_runner_can_ask_whether_a_journal_was_sealed(tmp_path: Path,
                                                      sample: SimpleNamespace) -> None:
    journal = sample.write_run(tmp_path / "r.journal", end=False)
    assert sealed_record(journal) is None
    path = recover(journal).path
    assert sealed_record(journal) == path
    assert sealed_record(journal, tmp_path / "elsewhere") is None


def test_recover_will_not_register_a_foreign_file(tmp_path: Path,
                                                  sample: SimpleNamespace) -> None:
    journal = sample.write_run(tmp_path / "r.journal")
    (tmp_path / "r.h5").write_bytes(b"not a record")
    with pytest.raises(SealError, match="move it aside as evidence"):
        recover(journal)
    assert (tmp_path / "r.h5").read_bytes() == b"not a record"


def test_a_full_disk_at_the_audit_log_is_mended_by_recover(
        tmp_path: Path, sample: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = sample.write_run(tmp_path / "r.journal")

    real_write = durable.write_all

    def no_space_for_the_log(fd: int, data: bytes) -> None:
        if b'"action":"sealed"' in data:  # the audit entry, not the record
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data)

    monkeypatch.setattr(durable, "write_all", no_space_for_the_log)
    with pytest.raises(SealError) as caught:
        seal(journal)
    monkeypatch.undo()
    message = str(caught.value)
    assert "not yet in the audit log" in message and "the disk is full (ENOSPC" in message
    assert f"metrolab recover {journal}" in message
    assert recover(journal).action == "registered"
    assert verify(tmp_path / "r.h5").ok
