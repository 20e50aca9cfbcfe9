"""Running many independent jobs on Dask: this machine's cores, or a cluster.

Used by laboratory-level work (re-evaluating thousands of records, indexing folders)
and by the distributed Monte Carlo. Dask is optional (``pip install 'metrolab[lab]'``);
without it :func:`run_map` with ``scheduler="loop"`` still works and anything else says
what to install.

``scheduler`` names where the work runs:

- ``None``: Dask's local scheduler with one process per core when Dask is installed,
  else a plain loop;
- ``"processes"``: Dask's local scheduler with one process per core (``workers``);
- ``"threads"`` / ``"synchronous"``: Dask's local threaded / single-thread scheduler;
- ``"loop"``: a plain Python loop in this process (no Dask at all; the baseline);
- ``"tcp://HOST:PORT"`` (or ``HOST:PORT``): the scheduler of a ``dask.distributed``
  cluster; its workers need metrolab installed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from metrolab.errors import MetrolabError, UserInputError

T = TypeVar("T")
R = TypeVar("R")

#: what to install for Dask
INSTALL = "pip install 'metrolab[lab]'"
LOCAL_SCHEDULERS = ("processes", "threads", "synchronous", "loop")
#: batches per worker: enough to balance uneven jobs, few enough to keep overhead low
BATCHES_PER_WORKER = 4


class ClusterError(MetrolabError):
    """A Dask cluster cannot be reached, or Dask is not installed (the message says which)."""


class SchedulerInputError(UserInputError):
    """A ``--scheduler`` value that is neither a local scheduler nor an address."""


def dask_installed() -> bool:
    """Return True when Dask can be imported."""
    try:
        import dask  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def require_dask(what: str) -> None:
    """Raise :class:`ClusterError` saying how to install Dask when it is missing."""
    try:
        import dask  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ClusterError(f"{what} runs on Dask, which is not installed: {INSTALL} "
                           "(or use --scheduler loop)") from exc


def check_scheduler(scheduler: str | None) -> str | None:
    """Return the scheduler in canonical form (an address gets ``tcp://``).

    Raises :class:`SchedulerInputError` for text that is neither a local scheduler
    name nor ``[tcp://]HOST:PORT``.
    """
    if scheduler is None or scheduler in LOCAL_SCHEDULERS:
        return scheduler
    text = scheduler.strip()
    address = text if "://" in text else f"tcp://{text}"
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls", "inproc") or not host or not port.isdigit():
        raise SchedulerInputError(f"--scheduler {scheduler!r}: give tcp://HOST:PORT of a Dask "
                                  f"scheduler or one of {', '.join(LOCAL_SCHEDULERS)}")
    return address


def default_workers() -> int:
    """Return the number of local worker processes: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _batch(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [function(item) for item in items]


def batches(items: Sequence[T], workers: int) -> list[Sequence[T]]:
    """Return ``items`` cut into about ``BATCHES_PER_WORKER`` batches per worker, in order."""
    if not items:
        return []
    size = max(1, math.ceil(len(items) / (BATCHES_PER_WORKER * max(1, workers))))
    return [items[start:start + size] for start in range(0, len(items), size)]


def run_map(function: Callable[[T], R], items: Sequence[T], *, scheduler: str | None = None,
            workers: int | None = None,
            progress: Callable[[int], None] | None = None) -> list[R]:
    """Return ``[function(item) for item in items]``, computed where ``scheduler`` says.

    ``function`` must be importable by the workers (a module-level function, or a
    ``functools.partial`` of one). Items go in batches; ``progress(n)`` is called with
    the number of items finished after each batch. Raises :class:`ClusterError` when
    Dask is missing or the cluster cannot be reached.
    """
    scheduler = check_scheduler(scheduler)
    items = list(items)
    if scheduler is None and not dask_installed():
        scheduler = "loop"  # the default runs without the optional extra, one by one
    if scheduler == "loop":
        results = []
        for item in items:
            results.append(function(item))
            if progress is not None:
                progress(1)
        return results
    require_dask("this work")
    if scheduler is not None and "://" in scheduler:
        return _distributed(function, items, scheduler, progress)
    return _local(function, items, scheduler or "processes", workers or default_workers(),
                  progress)


def _local(function: Callable[[T], R], items: list[T], scheduler: str, workers: int,
           progress: Callable[[int], None] | None) -> list[R]:
    import dask
    from dask.callbacks import Callback

    parts = batches(items, workers if scheduler != "synchronous" else 1)
    # each batch enters the graph as one opaque value: Dask would otherwise walk every
    # list, tuple and dataclass inside it looking for Dask objects (seconds per batch
    # for a fleet plan or 10^4 re-evaluation tasks)
    tasks = [dask.delayed(_batch, pure=False)(function, dask.delayed(part, traverse=False,
                                                                     pure=False))
             for part in parts]
    sizes = {task.key: len(part) for task, part in zip(tasks, parts, strict=True)}

    class Progress(Callback):
        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
            if progress is not None and key in sizes:
                progress(sizes[key])

    with Progress():
        done = dask.compute(*tasks, scheduler=scheduler, num_workers=workers)
    return [result for part in done for result in part]


def _distributed(function: Callable[[T], R], items: list[T], address: str,
                 progress: Callable[[int], None] | None) -> list[R]:
    with connect(address) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = batches(items, workers)
        futures = client.map(partial(_batch, function), parts, pure=False)
        index = {future.key: n for n, future in enumerate(futures)}
        results: list[list[R]] = [[] for _ in parts]
        from distributed import as_completed

        for future in as_completed(futures, loop=client.loop):
            results[index[future.key]] = future.result()
            if progress is not None:
                progress(len(parts[index[future.key]]))
    return [result for part in results for result in part]


def connect(address: str, timeout: float = 10.0) -> Any:
    """Return a ``distributed.Client`` connected to the scheduler at ``address``.

    Raises :class:`ClusterError` naming the address when it cannot be reached.
    """
    require_dask("a Dask cluster")
    try:
        from distributed import Client
    except ModuleNotFoundError as exc:
        raise ClusterError(f"--scheduler {address} needs dask.distributed: {INSTALL}") from exc
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); start one "
                           "with `dask scheduler` and `dask worker ADDRESS` on the cluster, "
                           "or leave out --scheduler to use this machine") from exc
