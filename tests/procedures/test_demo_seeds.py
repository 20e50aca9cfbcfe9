"""``metrolab demo`` passes for every seed (issue 13: 7 of the first 20 used to abort at
DCV-1000V with 10 overloads and still say "all points passed").

The demo runs in-process (no sockets or ptys, the same drivers) and without the
certificate, one seed per test so pytest-xdist spreads them over the workers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from metrolab.demo.run import DemoOptions, run_demo
from metrolab.runner.summary import point_results


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory where there is one (/dev/shm): the journal's fsyncs cost nothing
    there, and what this test checks is the run, not the disk."""
    if not Path("/dev/shm").is_dir():
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="metrolab-demo-") as folder:
        yield Path(folder)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100))
def test_the_demo_completes_with_every_point_passing(seed: int, out_dir: Path) -> None:
    result = run_demo(out_dir, DemoOptions(seed=seed, wire=False, certificate=False),
                      Console(quiet=True)).run
    assert result.status.status == "completed", result.status.reason
    statements = {r["point_id"]: r["decision"]["statement"] for r in point_results(
        result.journal)}
    assert len(statements) == result.planned == 36
    assert {p for p, s in statements.items() if s != "pass"} == set()
