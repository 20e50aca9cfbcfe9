"""Where work runs: a loop, Dask's local schedulers, a cluster; bad addresses are named."""

from __future__ import annotations

import math

import pytest

from metrolab.cluster import (
    ClusterError,
    SchedulerInputError,
    batches,
    check_scheduler,
    connect,
    run_map,
)


def test_batches_keep_order_and_cover_everything() -> None:
    items = list(range(23))
    parts = batches(items, 2)
    assert [x for part in parts for x in part] == items
    assert len(parts) == 8
    assert batches([], 4) == []


@pytest.mark.parametrize("scheduler", ["loop", "synchronous", "threads", "processes", None])
def test_every_scheduler_gives_the_results_in_order(scheduler: str | None) -> None:
    if scheduler not in ("loop", None):
        pytest.importorskip("dask")
    done: list[int] = []
    items = [float(n) for n in range(40)]
    assert run_map(math.sqrt, items, scheduler=scheduler, workers=2,
                   progress=done.append) == [math.sqrt(x) for x in items]
    assert sum(done) == len(items)


@pytest.mark.parametrize(("text", "canonical"), [
    ("127.0.0.1:8786", "tcp://127.0.0.1:8786"), ("tcp://h:1", "tcp://h:1"),
    ("loop", "loop"), (None, None)])
def test_scheduler_addresses(text: str | None, canonical: str | None) -> None:
    assert check_scheduler(text) == canonical


@pytest.mark.parametrize("text", ["nohost", "tcp://h", "http://h:80", "tcp://:80"])
def test_bad_scheduler_addresses(text: str) -> None:
    with pytest.raises(SchedulerInputError, match="give tcp://HOST:PORT"):
        check_scheduler(text)


def test_an_unreachable_cluster_is_named() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        connect("tcp://127.0.0.1:9", timeout=1.0)
