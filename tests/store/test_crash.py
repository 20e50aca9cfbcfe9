"""Crash safety: writers killed with SIGKILL at random moments lose no acknowledged reading.

Each writer subprocess appends readings and prints each acknowledged index; the test
kills it (SIGKILL) after a random number of acknowledgements, so the kill lands at a
random point of the next append (mid-write, mid-fsync, between entries), restarts it on
the same journal, and kills it again. After ``metrolab recover`` every record opens,
verifies, and holds every acknowledged reading exactly once, in order.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.store import open_record, verify

WRITER = Path(__file__).with_name("crash_writer.py")


def _start(journal: Path, run_id: str, seal_after: int | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, str(WRITER), str(journal), run_id]
    if seal_after is not None:
        args.append(str(seal_after))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_after(process: subprocess.Popen[str], acks: int) -> tuple[list[int], str]:
    """Kill ``process`` after ``acks`` acknowledgements; return every index it acknowledged
    (including any printed before the kill landed) and its stderr."""
    assert process.stdout is not None
    seen: list[int] = []
    while len(seen) < acks:
        line = process.stdout.readline()
        if not line.startswith("ack "):
            break
        seen.append(int(line.split()[1]))
    process.send_signal(signal.SIGKILL)
    rest, err = process.communicate(timeout=30)
    seen += [int(line.split()[1]) for line in rest.splitlines() if line.startswith("ack ")]
    return seen, err


def _crash_loop(directory: Path, run_id: str, kills: int, rng: random.Random) -> list[int]:
    """Start and kill a writer ``kills`` times on one journal; return acknowledged indices."""
    journal = directory / f"{run_id}.journal"
    acknowledged: list[int] = []
    for _ in range(kills):
        seen, err = _kill_after(_start(journal, run_id), rng.choice([0, 1, 2, 5, 20, 60]))
        assert "Traceback" not in err, err
        acknowledged += seen
    return acknowledged


def _check_recovered(directory: Path, acknowledged: dict[str, list[int]],
                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["recover", str(directory)])
        raise SystemExit(0)
    assert done.value.code in (0, None), capsys.readouterr().err
    for run_id, acks in acknowledged.items():
        path = directory / f"{run_id}.h5"
        assert verify(path).ok, verify(path).problems
        record = open_record(path)
        assert record.status in ("aborted", "completed")
        values = [] if not record.points else record.points[0].readings.magnitude.tolist()
        assert values == [float(i) for i in range(len(values))]  # no gap, no duplicate
        assert set(map(float, acks)) <= set(values), f"{run_id} lost acknowledged readings"


def test_killed_writers_lose_no_acknowledged_reading(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20260101)
    acks = {"Q1": _crash_loop(tmp_path, "Q1", 10, rng)}
    assert acks["Q1"], "the writers never acknowledged anything: the test would prove nothing"
    _check_recovered(tmp_path, acks, capsys)


@pytest.mark.slow
def test_a_hundred_kills_and_kills_while_sealing(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(17025)
    acks = {f"S{n}": _crash_loop(tmp_path, f"S{n}", 25, rng) for n in range(4)}
    for n in range(8):  # killed once sealing has begun: a record is whole or absent
        run_id = f"X{n}"
        process = _start(tmp_path / f"{run_id}.journal", run_id, seal_after=rng.randint(1, 400))
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            if line.startswith("ack "):
                seen.append(int(line.split()[1]))
            if line.startswith("sealing"):
                break
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        acks[run_id] = seen
    _check_recovered(tmp_path, acks, capsys)
    for n in range(8):
        assert open_record(tmp_path / f"X{n}.h5").status == "completed"
    assert not list(tmp_path.glob(".*.tmp"))
