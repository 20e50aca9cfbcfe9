"""Tamper evidence: one changed byte of a dataset, an attribute, the file or the log is caught."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import pytest

from metrolab.store import open_record, review, verify
from metrolab.store.durable import canonical_json
from metrolab.store.errors import RecordIntegrityError
from metrolab.store.integrity import content_hash, manifest
from metrolab.store.schema import LAYOUT_2

READING = "/entry/readings/volt/value"

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]


def test_an_intact_record_verifies_in_one_line(record_path: Path,
                                               cli: Cli) -> None:
    assert verify(record_path).ok
    code, out, err = cli(["verify", str(record_path)])
    assert code == 0 and err == ""
    assert out.count("\n") == 1 and "intact" in out
    assert out.rstrip().endswith("; unsigned: no step carries a signature")


def test_a_changed_reading_is_named(record_path: Path,
                                   cli: Cli) -> None:
    assert verify(record_path).ok
    with h5py.File(record_path, "r+") as f:
        f[READING][7] += 1e-6
    report = verify(record_path)
    assert not report.ok
    assert f"{READING} was changed" in report.problems
    assert any("file_sha256" in problem for problem in report.problems)
    with pytest.raises(RecordIntegrityError, match="value was changed"):
        open_record(record_path)
    code, _, err = cli(["verify", str(record_path)])
    assert code == 1
    assert "NOT intact" in err and f"{READING} was changed" in err


def test_a_changed_attribute_is_named(record_path: Path) -> None:
    with h5py.File(record_path, "r+") as f:
        f[READING].attrs["units"] = "mV"
    assert f"{READING} was changed" in verify(record_path).problems


def test_a_forger_who_rehashes_the_file_is_caught_by_the_audit_log(record_path: Path) -> None:
    with h5py.File(record_path, "r+") as f:
        del f["entry/run/status"]
        f["entry/run"].create_dataset("status", data="completed ", dtype=h5py.string_dtype())
        digests = manifest(f, LAYOUT_2.unhashed)
        for name, value in (("data", canonical_json(digests)),
                            ("checksum", content_hash(digests))):
            del f[f"entry/integrity/{name}"]
            f["entry/integrity"].create_dataset(name, data=value, dtype=h5py.string_dtype())
    problems = verify(record_path).problems
    assert "content_sha256 differs from the one in the audit log" in problems


def test_every_flipped_byte_of_the_file_is_detected(record_path: Path) -> None:
    original = record_path.read_bytes()
    offsets = random.Random(4).sample(range(len(original)), 8)
    with h5py.File(record_path, "r") as f:  # the readings are deflated: flip inside the chunk
        chunk = f[READING].id.get_chunk_info(0)
    offsets.append(chunk.byte_offset + chunk.size // 2)
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        record_path.write_bytes(bytes(damaged))
        report = verify(record_path)
        assert not report.ok, f"flipping byte {offset} went unnoticed"
    record_path.write_bytes(original)
    assert verify(record_path).ok


def _log_lines(record_path: Path) -> list[str]:
    return (record_path.parent / "audit.log").read_text().splitlines()


def test_a_changed_or_removed_log_entry_is_detected(record_path: Path,
                                                   cli: Cli) -> None:
    log = record_path.parent / "audit.log"
    lines = _log_lines(record_path)
    entry = json.loads(lines[0])
    lines[0] = lines[0].replace(entry["file_sha256"][:8], "0" * 8, 1)
    log.write_text("\n".join(lines) + "\n")
    problems = verify(record_path).problems
    assert any("audit log: line 1 (sealed of R-2026-0001) was changed" in p for p in problems)
    code, _, err = cli(["verify", str(log)])
    assert code == 1 and "line 1" in err


def test_a_removed_log_line_breaks_the_chain(record_path: Path, keys: Any) -> None:
    review(record_path, keys["Rita Reviewer"])
    log = record_path.parent / "audit.log"
    lines = _log_lines(record_path)
    log.write_text(lines[1] + "\n")
    assert any("does not chain" in p for p in verify(log).problems)
    log.write_text("\n".join(lines) + "\n")
    assert verify(log).ok


def test_a_record_without_its_audit_log_does_not_verify(record_path: Path) -> None:
    (record_path.parent / "audit.log").unlink()
    assert any("no audit log" in p for p in verify(record_path).problems)
    assert open_record(record_path).review.state == "draft"


def test_an_interrupted_log_append_is_cut_off_by_the_next_one(record_path: Path,
                                                             keys: Any) -> None:
    log = record_path.parent / "audit.log"
    with open(log, "ab") as handle:
        handle.write(b'{"seq":2,"action":"revi')
    assert any("no line end" in p for p in verify(log).problems)
    review(record_path, keys["Rita Reviewer"])
    actions = [json.loads(line)["action"] for line in _log_lines(record_path)]
    assert actions == ["sealed", "torn_tail_removed", "reviewed"]
    assert (record_path.parent / "audit.log.torn").read_bytes() == b'{"seq":2,"action":"revi\n'
    assert verify(log).ok and verify(record_path).ok


def test_a_changed_journal_beside_the_record_is_detected(record_path: Path,
                                                        journal_path: Path) -> None:
    raw = journal_path.read_bytes()
    journal_path.write_bytes(raw.replace(b'"operator":"A. Operator"', b'"operator":"B. Operator"'))
    assert any("journal R-2026-0001.journal no longer matches" in p
               for p in verify(record_path).problems)
    journal_path.write_bytes(raw + b"more after sealing is fine\n")
    assert verify(record_path).ok
