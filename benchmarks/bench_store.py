"""Benchmark of the record store: journal cost per acknowledged reading and sealing time.

Baseline, measured in the same run: raw h5py writing the same arrays (values, times,
indices) to a new file in one go. Printed ratios:

- journal (fsync per reading) cost per reading / raw h5py cost per reading
- journal (append_many, one fsync per batch) cost per reading / raw h5py cost per reading
- sealing the 100,000-reading journal / raw h5py writing the same arrays

Usage: ``.venv/bin/python benchmarks/bench_store.py [--readings N] [--fsync-sample M]
[--batch B] [--dir DIR]``. Per-reading fsync is timed on a sample of M appends (a disk
does a few hundred to a few thousand fsyncs per second, so 100,000 of them take minutes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from metrolab.store import Journal, open_record, seal


def _reading(index: int, value: float) -> dict[str, object]:
    return {
        "point_id": "p1",
        "phase": "as_found",
        "index": index,
        "time": 1.7e9 + index * 0.1,
        "value": value,
        "unit": "V",
    }


def raw_h5py(path: Path, values: np.ndarray) -> float:
    """Return the seconds raw h5py takes to write values, times and indices in one go."""
    start = time.perf_counter()
    with h5py.File(path, "w") as handle:
        handle.create_dataset("readings", data=values).attrs["units"] = "V"
        handle.create_dataset("time", data=1.7e9 + np.arange(values.size) * 0.1)
        handle.create_dataset("index", data=np.arange(values.size))
    return time.perf_counter() - start


def journal_fsync_each(path: Path, values: np.ndarray) -> float:
    """Return the seconds to append ``values`` one by one, fsync'd before each returns."""
    with Journal.create(path, "BENCH-1") as journal:
        journal.append("point_started", {"point_id": "p1", "phase": "as_found"})
        start = time.perf_counter()
        for index, value in enumerate(values.tolist()):
            journal.append("reading", _reading(index, value))
        return time.perf_counter() - start


def journal_batched(path: Path, values: np.ndarray, batch: int) -> float:
    """Return the seconds to append ``values`` in batches with one fsync per batch."""
    with Journal.create(path, "BENCH-2") as journal:
        journal.append("run_started", {"run_id": "BENCH-2"})
        journal.append("point_started", {"point_id": "p1", "phase": "as_found"})
        items = values.tolist()
        start = time.perf_counter()
        for first in range(0, len(items), batch):
            journal.append_many(
                [
                    ("reading", _reading(first + n, value))
                    for n, value in enumerate(items[first : first + batch])
                ]
            )
        elapsed = time.perf_counter() - start
        journal.append("run_ended", {"status": "completed"})
    return elapsed


def main() -> None:
    """Run the benchmark and print times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--fsync-sample", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        values = 10.0 + np.random.default_rng(1).normal(0.0, 1e-6, args.readings)
        raw = raw_h5py(directory / "raw.h5", values)
        raw_each = raw / args.readings
        each = journal_fsync_each(directory / "each.journal", values[: args.fsync_sample])
        each_per = each / args.fsync_sample
        batched = journal_batched(directory / "run.journal", values, args.batch)
        batched_per = batched / args.readings
        start = time.perf_counter()
        record = seal(directory / "run.journal")
        sealing = time.perf_counter() - start
        assert open_record(record).points[0].readings.magnitude.size == args.readings
    print(f"readings: {args.readings}, directory: {args.dir or tempfile.gettempdir()}")
    print(
        f"raw h5py, all arrays in one go      {raw * 1e3:10.2f} ms  "
        f"({raw_each * 1e6:.3f} us/reading)"
    )
    print(
        f"journal, fsync per reading          {each_per * 1e6:10.1f} us/reading  "
        f"ratio {each_per / raw_each:,.0f}x  (sample of {args.fsync_sample})"
    )
    print(
        f"journal, one fsync per {args.batch:<5} batch  {batched_per * 1e6:10.1f} us/reading  "
        f"ratio {batched_per / raw_each:,.0f}x"
    )
    print(
        f"sealing {args.readings} readings            {sealing * 1e3:10.1f} ms  "
        f"ratio {sealing / raw:,.1f}x raw h5py"
    )


if __name__ == "__main__":
    main()
