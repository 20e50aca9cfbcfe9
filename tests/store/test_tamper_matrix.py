"""The tamper matrix: every forgery of issue 11, tried as an adversary with write access to
the records directory would try it, is refused by ``metrolab verify --register`` with
exit 1 and one line naming what is wrong. Bit flips anywhere in a record are caught; the
ones that land outside hashed content (free space, B-tree slack) only by the whole-file
hash the audit log keeps (docs/records.md, "Threat model")."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import h5py
import pytest

from metrolab.clock import VirtualClock
from metrolab.store import open_record, untrusted, verify
from metrolab.store.audit import GENESIS, AuditLog, entry_hash
from metrolab.store.durable import canonical_json, file_sha256
from metrolab.store.integrity import content_hash, manifest
from metrolab.store.schema import LAYOUT_2
from metrolab.store.signing import (
    KeyRegister,
    SigningKey,
    create_key,
    load_signing_key,
    signed_bytes,
)

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]
#: a forgery: changes the records directory, returns (the path to verify, extra arguments)
Forgery = Callable[[SimpleNamespace, Any], tuple[Path, list[str]]]
FILE_HASH = "the file's bytes differ from those sealed (file_sha256 in the audit log)"
#: the readings in volts of the sample records
READING = "/entry/readings/volt/value"


def _entries(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def _rewrite(log: Path, entries: list[dict[str, Any]],
             sign: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Write ``entries`` back re-chained (new prev and hash), each signed by ``sign``."""
    prev = GENESIS
    for number, entry in enumerate(entries, start=1):
        entry["seq"], entry["prev"] = number, prev
        if sign is not None:
            sign(entry)
        entry["hash"] = prev = entry_hash(entry)
    log.write_text("".join(canonical_json(entry) + "\n" for entry in entries))


def _reseal(records: SimpleNamespace, signature: str, keys: Any = None) -> None:
    """Edit a reading of record A, recompute its manifest and content hash with the
    documented rule (docs/records.md section 4), put the new hashes into the log and
    re-chain it. ``signature``: keep the old signatures, drop them, or sign "foreign"
    (fresh keys under the same names, which the register does not hold)."""
    with h5py.File(records.a, "r+") as handle:
        handle[READING][7] += 1e-6
        digests = manifest(handle, LAYOUT_2.unhashed)
        for name, value in (("data", canonical_json(digests)),
                            ("checksum", content_hash(digests))):
            del handle[f"entry/integrity/{name}"]
            handle["entry/integrity"].create_dataset(name, data=value,
                                                     dtype=h5py.string_dtype())
    new_content, new_file = content_hash(digests), file_sha256(records.a)
    assert not any("was changed" in p for p in verify(records.a).problems)  # self-consistent
    entries = _entries(records.log)
    for entry in entries:
        if entry["record_id"] == "R-A":
            entry["content_sha256"] = new_content
            if "file_sha256" in entry:
                entry["file_sha256"] = new_file
    forged: dict[str, SigningKey] = {}
    folder = records.dir.parent / f"{records.dir.name}-forger"

    def sign(entry: dict[str, Any]) -> None:
        entry.pop("signature", None)
        if signature == "drop":
            entry.pop("signer", None)
            return
        if signature == "keep" or "who" not in entry:
            return
        if entry["who"] not in forged:
            forged[entry["who"]] = load_signing_key(
                create_key(entry["who"], "forger", folder).private_path)
        key = forged[entry["who"]]
        entry["signer"] = key.signer_block()
        entry["signature"] = key.sign(signed_bytes(entry))

    originals = {e["seq"]: e.get("signature") for e in entries}
    _rewrite(records.log, entries, sign)
    if signature == "keep":  # the old signatures, now over changed entries
        for entry in entries:
            if originals[entry["seq"]] is not None:
                entry["signature"] = originals[entry["seq"]]
            entry["hash"] = entry_hash(entry)
        _rewrite(records.log, entries)


def _edit(change: Callable[[h5py.File], None]) -> Forgery:
    def forge(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
        with h5py.File(records.a, "r+") as handle:
            change(handle)
        return records.a, []
    return forge


def _set_attr(handle: h5py.File) -> None:
    handle[READING].attrs["units"] = "mV"


def _add_dataset(handle: h5py.File) -> None:
    handle["entry"].create_dataset("extra", data=1.0)


def _truncate(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    data = records.a.read_bytes()
    records.a.write_bytes(data[: len(data) // 2])
    return records.a, []


def _empty(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    records.a.write_bytes(b"")
    return records.a, []


def _substitute(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    shutil.copy(records.b, records.a)
    return records.a, []


def _swap_entries(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    lines = records.log.read_text().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    records.log.write_text("".join(lines))
    return records.a, []


def _cut_tail(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    head = _entries(records.log)[-1]["hash"]  # printed by the approval, kept elsewhere
    lines = records.log.read_text().splitlines(keepends=True)
    records.log.write_text("".join(lines[:-1]))
    return records.a, ["--anchor", head]


def _reseal_keeping_signatures(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    _reseal(records, "keep")
    return records.a, []


def _reseal_dropping_signatures(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    _reseal(records, "drop")
    return records.a, []


def _reseal_with_foreign_keys(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    _reseal(records, "foreign")
    return records.a, []


def _unsigned_approval(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    entries = _entries(records.log)
    approval = entries[-1]
    approval.pop("signature")
    approval.pop("signer")
    _rewrite(records.log, entries)
    return records.a, []


def _revoked_key(records: SimpleNamespace, keys: Any) -> tuple[Path, list[str]]:
    text = keys.register_path.read_text()
    abe = keys["Abe Approver"].fingerprint
    text = text.replace(f'fingerprint = "{abe}"\n',
                        f'fingerprint = "{abe}"\nrevoked = 2026-05-28\n'
                        'revocation_reason = "key lost"\n')
    keys.register_path.write_text(text)
    return records.a, []


MATRIX: list[tuple[str, Forgery, str]] = [
    ("dataset value", _edit(lambda h: h[READING].__setitem__(7, 10.5)),
     f"{READING} was changed"),
    ("attribute", _edit(_set_attr), f"{READING} was changed"),
    ("deleted dataset", _edit(lambda h: h["entry/readings/volt"].__delitem__("index")),
     "/entry/readings/volt/index is missing"),
    ("added dataset", _edit(_add_dataset), "/entry/extra was added"),
    ("truncated file", _truncate, "cannot read the record"),
    ("emptied file", _empty, "not a record: it is an empty file (0 bytes)"),
    ("substituted record", _substitute, "A.h5 holds record R-B, which the audit log sealed "
     "as B.h5 (line 2), not record R-A that it sealed as A.h5 (line 1): a substituted record"),
    ("swapped audit entries", _swap_entries, "line 2 does not chain to line 1"),
    ("cut log tail", _cut_tail, "is not in the audit log: the log was cut back or rewritten"),
    ("keyless re-seal, old signatures kept", _reseal_keeping_signatures,
     "line 1 (sealed of R-A): the signature does not verify"),
    ("keyless re-seal, signatures dropped", _reseal_dropping_signatures,
     "line 1 (sealed of R-A) is not signed, and the register"),
    ("re-seal signed with a foreign key", _reseal_with_foreign_keys,
     "line 1 (sealed of R-A) is signed as 'A. Operator' by a key the register does not hold"),
    ("approval without a signature", _unsigned_approval,
     "line 4 (approved of R-A) is not signed"),
    ("approval after the key's revocation", _revoked_key,
     "line 4 (approved of R-A) was signed by Abe Approver at 2026-05-28T22:26:40+00:00, after "
     "the key was revoked on 2026-05-28T00:00:00+00:00 (key lost)"),
]


@pytest.mark.parametrize(("forgery", "expected"), [(f, e) for _, f, e in MATRIX],
                         ids=[name for name, _, _ in MATRIX])
def test_every_forgery_is_refused_in_one_line(records: SimpleNamespace, keys: Any, cli: Cli,
                                              forgery: Forgery, expected: str) -> None:
    assert verify(records.dir, register=keys.register).ok
    target, extra = forgery(records, keys)
    code, out, err = cli(["verify", str(target), *records.register, *extra])
    assert (code, out) == (1, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"{target}: NOT intact: ") and expected in err, err


def test_without_the_register_a_foreign_re_seal_is_only_marked_unchecked(
        records: SimpleNamespace, keys: Any) -> None:
    """The register is the trust root: without it nothing tells a forger's key from the
    laboratory's, and verify says it did not check (docs/records.md, threat model)."""
    _reseal(records, "foreign")
    report = verify(records.a)
    assert report.ok
    assert "signatures not checked against a register" in report.summary()
    assert not verify(records.a, register=keys.register).ok


def test_status_comes_from_signatures_that_verify(records: SimpleNamespace, keys: Any) -> None:
    _unsigned_approval(records, keys)
    review = open_record(records.a).review
    assert (review.state, review.approved_by) == ("reviewed", None)
    assert review.ignored == ("line 4: approved by Abe Approver is not counted: it is not "
                              "signed",)
    _revoked_key(records, keys)
    records.log.write_text("".join(records.log.read_text().splitlines(keepends=True)[:3]))
    clock = VirtualClock(records.now)
    AuditLog(records.log, clock).append("approved", "R-A", signer=keys["Abe Approver"],
                                        content_sha256=open_record(records.a).sha256)
    assert open_record(records.a).review.state == "approved"  # no register: key not checked
    checked = open_record(records.a, register=KeyRegister.load(keys.register_path)).review
    assert checked.state == "reviewed"
    assert "after the key was revoked" in checked.ignored[0]


def _data_offsets(path: Path) -> list[int]:
    """Return every byte offset of the contiguous raw data of the record's datasets."""
    offsets: list[int] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and obj.id.get_offset() is not None:
            start = obj.id.get_offset()
            offsets.extend(range(start, start + obj.id.get_storage_size()))

    with h5py.File(path, "r") as handle:
        handle.visititems(visit)
    return offsets


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_single_bit_flips_anywhere_are_detected(records: SimpleNamespace, keys: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A seeded loop of single-bit flips: every flip fails verification. A flip of hashed
    content (dataset values, attributes, the manifest) is named by the content check; a
    flip that leaves every object as it was (free space, B-tree slack, unused header
    bytes) is caught only by the whole-file SHA-256 in the audit log, which is then the
    one problem reported. A flipped file is read in a child process (one of these flips
    made HDF5 spin for good inside H5Aread): its time limit is cut to 15 s here."""
    monkeypatch.setattr(untrusted, "TIME_LIMIT_S", 15.0)
    path = records.a
    original = path.read_bytes()
    rng = random.Random(20260528)
    data = _data_offsets(path)
    flips = [(offset, True) for offset in rng.sample(data, 20)]
    flips += [(offset, offset in set(data)) for offset in rng.sample(range(len(original)), 30)]
    outcomes = {"content": 0, "whole-file hash only": 0}
    for offset, hashed in flips:
        damaged = bytearray(original)
        damaged[offset] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(damaged))
        report = verify(path, register=keys.register)
        assert not report.ok, f"flipping a bit of byte {offset} went unnoticed"
        if report.problems == [FILE_HASH]:
            assert not hashed, f"a flip in dataset data at byte {offset} was not named"
            outcomes["whole-file hash only"] += 1
        else:
            outcomes["content"] += 1
    path.write_bytes(original)
    assert verify(path, register=keys.register).ok
    assert outcomes["content"] >= 20 and outcomes["whole-file hash only"] > 0, outcomes


def test_an_unsigned_amendment_still_marks_the_original_superseded(
        records: SimpleNamespace, keys: Any) -> None:
    """Being superseded only takes rights away (no certificate from the original), so an
    amendment line counts even unsigned; verify with the register reports it."""
    AuditLog(records.log, VirtualClock(records.now)).append(
        "amended", "R-A-A1", amends="R-A", file="R-A-A1.h5", content_sha256="0" * 64)
    assert open_record(records.a).review.superseded_by == "R-A-A1"
    assert ("audit log: line 5 (amended of R-A-A1) is not signed"
            in verify(records.a, register=keys.register).summary())
