"""A real small disk that fills up, then turns read-only (tmpfs in a private mount namespace).

``unshare -rm`` gives tmpfs_scenario.py its own mount namespace (as root, or as a user
where unprivileged user namespaces are allowed), so the 64 KiB tmpfs it writes on
disappears with it. Where that is not possible the test is skipped; the injected
failures of test_disk_full.py cover the same paths everywhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("tmpfs_scenario.py")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the scenario on a fresh 64 KiB tmpfs; return its JSON report (skip if impossible)."""
    if sys.platform != "linux" or shutil.which("unshare") is None:
        pytest.skip("needs Linux and unshare(1) to mount a private tmpfs")
    mountpoint = tmp_path_factory.mktemp("tmpfs")
    command = (f'mount -t tmpfs -o size=64k tmpfs "{mountpoint}" && '
               f'exec "{sys.executable}" "{SCENARIO}" "{mountpoint}"')
    done = subprocess.run(["unshare", "-rm", "sh", "-c", command], capture_output=True,
                          text=True, timeout=110, check=False)
    if "SCENARIO-START" not in done.stdout:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_full_disk_stops_the_journal_with_its_cause_and_loses_nothing(
        report: dict[str, object]) -> None:
    acknowledged = report["acknowledged"]
    assert isinstance(acknowledged, list) and len(acknowledged) > 10
    error = str(report["journal_error"])
    assert error.startswith("JournalWriteError: journal ")
    assert "the disk is full (ENOSPC" in error and "NOT recorded" in error
    assert f"the last acknowledged reading is reading {acknowledged[-1]} of point p1" in error
    assert "metrolab recover" in error
    assert report["values"] == [float(i) for i in acknowledged]  # all, once, in order


def test_sealing_on_a_full_disk_is_a_named_error_that_leaves_no_file(
        report: dict[str, object]) -> None:
    error = str(report["seal_error"])
    assert error.startswith("SealError: cannot write record ")
    assert "the disk is full (ENOSPC" in error and "temporary file was removed" in error
    names = report["left_after_seal"]  # the journal's lock file may stay, hidden
    assert isinstance(names, list)
    assert [name for name in names if not name.endswith(".lock")] == ["full.journal"]


def test_a_read_only_disk_is_named_when_reopening_and_for_the_demo(
        report: dict[str, object]) -> None:
    reopen = str(report["reopen"])
    assert reopen.startswith("JournalWriteError: cannot open journal ")
    assert reopen.endswith("later.journal with its 1 entries, unchanged. To do: remount the "
                           f"disk that holds {report['mountpoint']} read-write, or use a "
                           "folder on a writable disk, then try again")
    assert "the file system is read-only (EROFS)" in reopen
    assert report["demo_code"] == 1
    lines = str(report["demo_stderr"]).strip().splitlines()
    assert len(lines) == 1, report["demo_stderr"]
    assert lines[0].startswith("error: cannot write files in the demo's output folder")
    assert "read-only (EROFS)" in lines[0]
