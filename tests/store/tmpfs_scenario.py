"""Real full and read-only disks, run by test_tmpfs.py inside ``unshare -rm`` on a tmpfs.

``python tmpfs_scenario.py MOUNTPOINT`` expects a small tmpfs (64 KiB) mounted on
MOUNTPOINT in its own mount namespace (so it may remount it). It fills the disk with
journal readings, tries to seal, grows the disk, recovers; then makes the disk read-only
and tries to reopen a journal and to run the demo there. It prints one JSON object with
what it saw; the test asserts on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from metrolab.cli import main as metrolab
from metrolab.store import Journal, open_record
from metrolab.store.errors import StoreError
from metrolab.store.sealing import seal


def remount(mountpoint: Path, options: str) -> None:
    """Remount the tmpfs at ``mountpoint`` with ``options`` (we own this mount namespace)."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(mountpoint)], check=True)


def fill(journal_path: Path) -> tuple[list[int], str]:
    """Append readings until the disk is full; return the acknowledged indices and the error."""
    acknowledged: list[int] = []
    with Journal.create(journal_path, "FULL") as journal:
        journal.append("run_started", {"run_id": "FULL", "procedure": {"name": "tmpfs",
                                                                        "version": "1"}})
        journal.append("point_started", {"point_id": "p1", "phase": "as_found",
                                          "function": "DCV",
                                          "nominal": {"value": 1.0, "unit": "V"}})
        try:
            for index in range(100_000):
                journal.append("reading", {"point_id": "p1", "phase": "as_found",
                                           "index": index, "value": float(index), "unit": "V",
                                           "note": "x" * 200})
                acknowledged.append(index)
        except StoreError as exc:
            return acknowledged, f"{type(exc).__name__}: {exc}"
    return acknowledged, "the disk never filled"


def recovered_values(mountpoint: Path, journal_path: Path) -> list[float]:
    """Grow the disk, run ``metrolab recover`` on the journal; return the record's readings."""
    remount(mountpoint, "size=16m")
    try:
        metrolab(["recover", str(journal_path)])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    points = open_record(journal_path.with_suffix(".h5")).points
    return points[0].readings.magnitude.tolist() if points else []


def read_only(mountpoint: Path) -> dict[str, object]:
    """Make the disk read-only; return what reopening a journal and the demo say."""
    journal_path = mountpoint / "later.journal"
    with Journal.create(journal_path, "LATER") as journal:
        journal.append("run_started", {"run_id": "LATER"})
    remount(mountpoint, "ro")
    try:
        Journal.open_for_append(journal_path).close()
        reopen = "reopened"
    except StoreError as exc:
        reopen = f"{type(exc).__name__}: {exc}"
    demo = subprocess.run([sys.executable, "-m", "metrolab", "demo", "--out",
                           str(mountpoint / "demo")], capture_output=True, text=True,
                          timeout=120, check=False)
    return {"reopen": reopen, "demo_code": demo.returncode, "demo_stderr": demo.stderr,
            "demo_stdout": demo.stdout}


def main(mountpoint: Path) -> None:
    """Run the scenarios on the tmpfs at ``mountpoint``; print what happened as JSON."""
    print("SCENARIO-START", flush=True)
    journal_path = mountpoint / "full.journal"
    acknowledged, journal_error = fill(journal_path)
    try:
        seal(journal_path)
        seal_error = "sealed"
    except StoreError as exc:
        seal_error = f"{type(exc).__name__}: {exc}"
    left = sorted(p.name for p in mountpoint.iterdir())
    values = recovered_values(mountpoint, journal_path)
    report = {"mountpoint": str(mountpoint), "acknowledged": acknowledged,
              "journal_error": journal_error, "seal_error": seal_error,
              "left_after_seal": left, "values": values, **read_only(mountpoint)}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
