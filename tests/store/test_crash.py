"""Crash safety: writers killed with SIGKILL at random moments lose no acknowledged reading.

Each writer process (forked by crash_writer.py, so Python starts once) appends readings
and prints each acknowledged index; the test kills it (SIGKILL) after a random number of
acknowledgements, so the kill lands at a random point of the next append (mid-write,
mid-fsync, between entries), starts a new writer on the same journal, and kills it
again. After ``metrolab recover`` every record opens, verifies, and holds every
acknowledged reading exactly once, in order.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.store import open_record, verify

WRITER = Path(__file__).with_name("crash_writer.py")


class WriterServer:
    """The crash_writer.py server: forks writers on request; the test kills them."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(WRITER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the writer server died"
        assert not line.startswith("error"), f"a writer failed: {line}"
        return line.strip()

    def run_and_kill(self, journal: Path, run_id: str, *, acks: int = 0,
                     seal_after: int | None = None, batch: int = 1) -> list[int]:
        """Start a writer (``batch`` readings per append), SIGKILL it after ``acks``
        acknowledgements (or once it starts sealing); return every index it acknowledged,
        including those printed before the kill landed."""
        self._send(f"start {journal} {run_id} {seal_after or '-'} {batch}")
        seen: list[int] = []
        pid = None
        sealing = False
        while pid is None or (len(seen) < acks if seal_after is None else not sealing):
            line = self._line()
            if line.startswith("pid "):
                pid = int(line.split()[1])
            elif line.startswith("ack "):
                seen.append(int(line.split()[1]))
            sealing = sealing or line == "sealing"
        os.kill(pid, signal.SIGKILL)
        self._send(f"reap {pid}")
        while (line := self._line()) != "reaped":
            if line.startswith("ack "):
                seen.append(int(line.split()[1]))
        return seen

    def close(self) -> None:
        """Stop the server (end of its input) and wait for it."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def writers() -> Iterator[WriterServer]:
    """Yield a running writer server; stop it afterwards."""
    server = WriterServer()
    yield server
    server.close()


def _crash_loop(writers: WriterServer, directory: Path, run_id: str, kills: int,
                rng: random.Random, batch: int = 1) -> list[int]:
    """Start and kill a writer ``kills`` times on one journal (``batch`` readings per
    append); return acknowledged indices."""
    journal = directory / f"{run_id}.journal"
    acknowledged: list[int] = []
    for _ in range(kills):
        acknowledged += writers.run_and_kill(
            journal, run_id, acks=rng.choice([0, 1, 2, 4, 8, 16]) * batch, batch=batch)
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


def test_killed_writers_lose_no_acknowledged_reading(
        tmp_path: Path, writers: WriterServer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20260101)
    acks = {"Q1": _crash_loop(writers, tmp_path, "Q1", 10, rng)}
    assert acks["Q1"], "the writers never acknowledged anything: the test would prove nothing"
    _check_recovered(tmp_path, acks, capsys)


def test_killed_batch_writers_lose_no_acknowledged_reading(
        tmp_path: Path, writers: WriterServer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20260102)
    acks = {"B1": _crash_loop(writers, tmp_path, "B1", 10, rng, batch=300)}
    assert acks["B1"], "the writers never acknowledged anything: the test would prove nothing"
    assert b'"kind":"readings"' in (tmp_path / "B1.journal").read_bytes()
    _check_recovered(tmp_path, acks, capsys)


@pytest.mark.slow
def test_a_hundred_kills_and_kills_while_sealing(
        tmp_path: Path, writers: WriterServer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(17025)
    acks = {f"S{n}": _crash_loop(writers, tmp_path, f"S{n}", 25, rng) for n in range(4)}
    for n in range(10):  # killed once sealing has begun: a record is whole or absent
        run_id = f"X{n}"
        acks[run_id] = writers.run_and_kill(tmp_path / f"{run_id}.journal", run_id,
                                            seal_after=rng.randint(1, 30))
    _check_recovered(tmp_path, acks, capsys)
    for n in range(10):
        assert open_record(tmp_path / f"X{n}.h5").status == "completed"
    assert not list(tmp_path.glob(".*.tmp"))
