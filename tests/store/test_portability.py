"""The store on other operating systems, tested on Linux.

Windows has no ``fcntl``, macOS no ``os.fdatasync``; Windows cannot fsync a directory and
its ``os.rename`` refuses an existing target (metrolab publishes with it there instead
of a hard link). Subprocesses run the store's own tests (crash, disk-full, journal,
records, recovery...) with ``fcntl`` unimportable and ``os.fdatasync`` deleted in every
Python process they start (a ``sitecustomize``), and with the store switched to its
Windows choices. ``filelock`` is imported before ``fcntl`` is blocked: it keeps a lock
the operating system releases when its holder dies, which is what it uses on Windows
(``LockFileEx``); its Windows code is its maintainers' to test. macOS's ``F_FULLFSYNC``
is tested with a stand-in ``fcntl`` module.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from metrolab.store import durable

STORE_TESTS = Path(__file__).parent
REPOSITORY = STORE_TESTS.parent.parent

NO_FCNTL = '''\
import os
import sys

# filelock takes its operating-system lock first, as it does with LockFileEx on Windows
# (released when the holder dies); then metrolab's own "import fcntl" raises ImportError
import filelock  # noqa: F401

sys.modules["fcntl"] = None
if hasattr(os, "fdatasync"):
    del os.fdatasync  # as on macOS and Windows
'''

WINDOWS_CHOICES = '''\
"""pytest plugin: the store's Windows choices, and os.rename refusing a target as there."""

import os

_rename = os.rename


def _refusing_rename(source, target, *args, **kwargs):
    if os.path.exists(target):
        raise FileExistsError(17, "Cannot create a file when that file already exists",
                              str(target))
    return _rename(source, target, *args, **kwargs)


def pytest_configure(config):
    from metrolab.store import durable

    durable.DIRECTORY_SYNC = False
    durable.PUBLISH_BY_LINK = False
    os.rename = _refusing_rename
'''


def _without_fcntl(tmp_path: Path) -> dict[str, str]:
    """Return an environment whose Python processes have no fcntl and no fdatasync."""
    (tmp_path / "sitecustomize.py").write_text(NO_FCNTL)
    (tmp_path / "windows_choices.py").write_text(WINDOWS_CHOICES)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def test_the_store_imports_and_writes_without_fcntl_and_fdatasync(tmp_path: Path) -> None:
    script = """
import os, sys
assert "fcntl" in sys.modules and sys.modules["fcntl"] is None and not hasattr(os, "fdatasync")
import metrolab.store.journal, metrolab.store.sealing, metrolab.store.audit
import metrolab.certificates.atomic
from metrolab.store import durable
assert durable._SYNC is os.fsync, durable._SYNC
print("imported")
"""
    done = subprocess.run([sys.executable, "-c", script], env=_without_fcntl(tmp_path),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


#: the store's tests that write, lock, sync or publish (each run in its own subprocess)
STORE_MODULES = ["test_journal.py", "test_crash.py", "test_disk_full.py", "test_recover.py",
                 "test_record.py", "test_review.py", "test_tamper.py", "test_durable.py"]


@pytest.mark.slow  # the store's suite once more, module by module
@pytest.mark.parametrize("module", STORE_MODULES)
def test_the_store_tests_pass_without_fcntl_and_fdatasync_with_windows_choices(
        tmp_path: Path, module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "windows_choices", "-m", "not slow", f"--basetemp={tmp_path / 'run'}",
         str(STORE_TESTS / module)],
        cwd=REPOSITORY, env=_without_fcntl(tmp_path), capture_output=True, text=True,
        timeout=100, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_fdatasync_is_used_where_it_exists_and_fsync_elsewhere() -> None:
    def datasync(fd: int) -> None:
        raise AssertionError("not called here")

    assert durable.choose_sync(None, datasync) is datasync
    assert durable.choose_sync(None, None) is os.fsync
    assert durable.choose_sync(SimpleNamespace(), None) is os.fsync  # fcntl without F_FULLFSYNC


def test_macos_full_fsync_is_asked_for_and_falls_back_to_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[int, int]] = []
    refuse = False

    def fcntl(fd: int, command: int) -> int:
        asked.append((fd, command))
        if refuse:
            raise OSError(errno.ENOTSUP, "Operation not supported")
        return 0

    fsynced: list[int] = []
    monkeypatch.setattr(durable.os, "fsync", fsynced.append)
    sync = durable.choose_sync(SimpleNamespace(F_FULLFSYNC=51, fcntl=fcntl), os.fdatasync)
    sync(7)
    assert asked == [(7, 51)] and fsynced == []
    refuse = True  # a network or FAT volume on macOS refuses F_FULLFSYNC
    sync(8)
    assert asked[-1] == (8, 51) and fsynced == [8]


def test_a_macos_disk_error_under_full_fsync_is_not_hidden() -> None:
    def fcntl(fd: int, command: int) -> int:
        raise OSError(errno.EIO, "Input/output error")

    sync = durable.choose_sync(SimpleNamespace(F_FULLFSYNC=51, fcntl=fcntl), None)
    with pytest.raises(OSError) as caught:
        sync(3)
    assert caught.value.errno == errno.EIO


def test_no_directory_is_opened_where_directories_cannot_be_synced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(durable.os, "open", lambda *a, **k: opened.append(a) or -1)
    monkeypatch.setattr(durable, "DIRECTORY_SYNC", False)
    durable.sync_directory(tmp_path)
    assert opened == []


def test_a_file_system_that_refuses_a_directory_fsync_is_taken_as_unable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def einval(fd: int) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(durable.os, "fsync", einval)
    durable.sync_directory(tmp_path)  # no error
    monkeypatch.setattr(durable.os, "fsync", lambda fd: (_ for _ in ()).throw(
        OSError(errno.EIO, "Input/output error")))
    with pytest.raises(OSError, match="Input/output"):
        durable.sync_directory(tmp_path)
