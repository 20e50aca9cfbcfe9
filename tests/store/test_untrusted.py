"""A record file whose bytes the audit log does not vouch for is read in a child process.

One flipped bit of a sealed record made HDF5 spin for good inside ``H5Aread``
(``H5HG__cache_heap_deserialize``), out of reach of any Python timeout: verify hung, and
with it the test suite. Such files are now read by ``python -m metrolab.store.untrusted``
under a time and memory limit; the sealed bytes themselves are read in-process.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from metrolab.store import open_record, untrusted, verify
from metrolab.store.errors import RecordIntegrityError
from metrolab.store.untrusted import sealed_bytes

Cli = Callable[[list[str]], tuple[int, str, str]]


def _forged_copy(record: Path) -> Path:
    """Return a copy of ``record`` beside it with one byte appended: HDF5 reads the same
    objects (bytes past the end of the file's address space are ignored), but these are
    not the bytes that were sealed."""
    forged = record.with_name("FORGED.h5")
    shutil.copy(record, forged)
    with open(forged, "ab") as handle:
        handle.write(b"\0")
    return forged


def test_sealed_bytes_are_read_in_this_process(record_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def no_child(path: Path, **_: Any) -> dict[str, Any]:
        raise AssertionError(f"{path} holds the sealed bytes: no child process is needed")

    monkeypatch.setattr("metrolab.store.verification.read_isolated", no_child)
    assert sealed_bytes(record_path, record_path.parent / "audit.log")
    assert verify(record_path).ok
    assert open_record(record_path).record_id


def test_a_file_that_is_not_the_sealed_one_is_read_in_a_child(record_path: Path) -> None:
    forged = _forged_copy(record_path)
    assert not sealed_bytes(forged, forged.parent / "audit.log")
    found = untrusted.read_isolated(forged)
    assert found["facts"]["record_id"] == open_record(record_path).record_id


def test_a_reader_that_overruns_its_time_is_reported_not_waited_for(
        record_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    forged = _forged_copy(record_path)
    monkeypatch.setattr(untrusted, "TIME_LIMIT_S", 0.001)  # no reader finishes in 1 ms
    code, out, err = cli(["verify", str(forged)])
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "HDF5 did not finish reading the file within 0.001 s" in err
    with pytest.raises(RecordIntegrityError, match="did not finish reading"):
        open_record(forged)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="address-space limit is POSIX")
def test_a_reader_that_fails_is_reported_with_its_last_words(
        record_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forged = _forged_copy(record_path)
    monkeypatch.setattr(untrusted, "MEMORY_LIMIT_BYTES", 64 << 20)  # too little for numpy
    report = verify(forged)
    assert not report.ok
    assert report.problems[0].startswith("cannot read the record (the reader failed: ")
