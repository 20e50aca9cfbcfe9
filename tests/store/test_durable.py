"""The durable-write layer: whole files or none, what each failure means, writable folders."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import h5py
import pytest

from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.errors import CertificateError
from metrolab.store import durable
from metrolab.store.errors import FolderNotWritable
from metrolab.store.locking import FileLock, is_locked, lock_path
from metrolab.testing.faults import PRIMITIVES, DiskFaults


@pytest.mark.parametrize(("number", "cause", "remedy"), [
    (errno.ENOSPC, "the disk is full (ENOSPC, no space left on device)",
     "free space on the disk that holds {folder}"),
    (errno.EDQUOT, "the disk quota is used up (EDQUOT)", "within the quota"),
    (errno.EACCES, "permission was denied (EACCES)",
     "give the account running metrolab write permission to {path}"),
    (errno.EPERM, "immutable or append-only", "`chattr -i`"),
    (errno.EROFS, "the file system is read-only (EROFS)", "remount the disk that holds {folder}"),
    (errno.EIO, "an input/output error occurred (EIO)", "check the disk that holds {folder}"),
    (errno.ENAMETOOLONG, "File name too long (ENAMETOOLONG)", "fix that and try again"),
])
def test_each_cause_has_its_words_and_its_remedy(tmp_path: Path, number: int, cause: str,
                                                 remedy: str) -> None:
    path = tmp_path / "run.journal"
    failure = durable.explain(OSError(number, os.strerror(number)), path)
    assert cause in failure.cause
    assert remedy.format(folder=tmp_path, path=path) in failure.remedy


def test_the_errno_hdf5_writes_into_its_message_is_read() -> None:
    h5_error = RuntimeError("Can't decrement id ref count (file write failed: time = Sun, "
                            "filename = 'x.h5', file descriptor = 3, errno = 28, error message "
                            "= 'No space left on device', buf = 0x5)")
    assert durable.error_number(h5_error) == errno.ENOSPC
    assert durable.error_number(ValueError("no number here")) is None


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_file_is_written_whole_or_not_at_all_at_every_failing_call(
        tmp_path: Path, overwrite: bool) -> None:
    target = tmp_path / "out.bin"
    data = bytes(range(256)) * 64
    with DiskFaults() as counting:
        durable.write_file(target, data, overwrite=overwrite)
    assert target.read_bytes() == data
    target.unlink()
    for k in range(1, len(counting.calls) + 1):
        if overwrite:
            target.write_bytes(b"old")
        with DiskFaults(fail_at=k) as faults, pytest.raises(OSError) as caught:
            durable.write_file(target, data, overwrite=overwrite)
        assert caught.value.errno == errno.ENOSPC, faults.failed
        assert [p.name for p in tmp_path.iterdir() if p.name != target.name] == [], faults.failed
        if overwrite:  # the old file stays whole until the rename; after it, the new one
            assert target.read_bytes() in (b"old", data), faults.failed
        else:
            assert not target.exists(), faults.failed
        target.unlink(missing_ok=True)


def test_a_published_file_never_replaces_one(tmp_path: Path) -> None:
    target = tmp_path / "record.h5"
    target.write_bytes(b"sealed")
    with pytest.raises(FileExistsError):
        durable.write_file(target, b"other", overwrite=False)
    assert target.read_bytes() == b"sealed"
    assert [p.name for p in tmp_path.iterdir()] == ["record.h5"]


def test_new_files_get_the_mode_asked_for_less_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        durable.write_file(tmp_path / "shared.pdf", b"%PDF", overwrite=True, mode=0o666)
    finally:
        os.umask(old)
    assert (tmp_path / "shared.pdf").stat().st_mode & 0o777 == 0o640


def test_a_folder_is_created_and_checked(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    assert durable.prepare_folder(folder, "output folder (--out)") == folder
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_an_unwritable_folder_is_named_with_its_cause(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(FolderNotWritable) as caught:
        durable.prepare_folder(blocker / "records", "output folder (--out)")
    assert str(caught.value).startswith(f"cannot write files in the output folder (--out) "
                                        f"{blocker / 'records'}: ")
    with DiskFaults(fail_at=1, number=errno.EACCES), \
            pytest.raises(FolderNotWritable, match=r"permission was denied \(EACCES\)"):
        durable.prepare_folder(tmp_path, "output folder (--out)")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_a_certificate_that_cannot_be_written_is_a_named_error_and_leaves_nothing(
        tmp_path: Path) -> None:
    with DiskFaults(fail_at=2, number=errno.ENOSPC), pytest.raises(CertificateError) as caught:
        write_atomically(tmp_path / "C-1.pdf", b"%PDF-1.7")
    assert str(caught.value).startswith(f"cannot write {tmp_path / 'C-1.pdf'}: the disk is full")
    assert list(tmp_path.iterdir()) == []
    assert write_atomically(tmp_path / "C-1.pdf", b"%PDF-1.7").read_bytes() == b"%PDF-1.7"


def test_sealing_writes_through_the_durable_layer_only(journal_path: Path) -> None:
    from metrolab.store.journal_read import JournalReader
    from metrolab.store.sealing import write_record

    target = journal_path.with_suffix(".h5")
    with DiskFaults() as counting:
        done = write_record(JournalReader(journal_path), target,
                            sealed_at="2026-05-28T00:00:00+00:00")
    assert counting.calls == ["open_file", "write_all", "sync", "publish", "sync_directory"]
    assert durable.file_sha256(target) == done.sealed.file_sha256
    with h5py.File(target, "r") as handle:
        assert handle["entry/entry_identifier"][()].decode() == done.data.run_id


def test_the_fault_injector_wraps_every_primitive_and_gives_them_back() -> None:
    real = {name: getattr(durable, name) for name in PRIMITIVES}
    with DiskFaults():
        assert all(getattr(durable, name) is not real[name] for name in PRIMITIVES)
    assert all(getattr(durable, name) is real[name] for name in PRIMITIVES)


def test_a_lock_is_exclusive_and_probing_it_does_not_take_it(tmp_path: Path) -> None:
    path = tmp_path / "run.journal"
    assert not is_locked(path) and not lock_path(path).exists()
    first, second = FileLock(path), FileLock(path)
    assert first.try_acquire()
    assert is_locked(path)
    assert not second.try_acquire()
    first.release()
    assert not is_locked(path)
    assert second.try_acquire()
    second.release()
    second.release()  # harmless
