"""Data-acquisition benchmarks, run by hand: ``.venv/bin/python benchmarks/bench_daq.py``.

Every ratio is against a baseline measured in the same run:

1. Sustained readings/s into the HDF5 file from a simulated 34465A sending REAL,64 blocks
   over TCP (the simulator in its own process, on a virtual clock, as ``metrolab sim
   serve`` runs it): ``metrolab.daq.log`` (journal, fsync, SWMR file, statistics) against
   raw h5py appending the same blocks from the same driver to a chunked, compressed
   dataset, and against the driver alone (the simulator's and the transfer's bound).
   The meter's own fastest rate (0.02 NPLC) is printed beside them.
2. Peak memory (max RSS) of a ``--memory-readings`` run (default 10^8) in a fresh process,
   against the same process after its first block.
3. Time to load that file into xarray (lazily, then every value) against QCoDeS loading
   the same readings from its SQLite database into xarray
   (``load_by_id(...).to_xarray_dataset()``; the way ``dond`` stores a time series, one
   row per reading), at ``--qcodes-readings`` (default 10^6 and 10^7) and extrapolated
   linearly to the memory run's size (QCoDeS takes too long to write 10^8 rows here).
4. SWMR latency: how long after a reading is taken a second process sees it in the file
   (``--flush 0`` and the default 1 s), against a raw h5py SWMR writer that flushes after
   every row.

Needs ``pip install '.[bench]'`` (qcodes). Usage: ``bench_daq.py [--readings N]
[--memory-readings N] [--qcodes-readings N,N] [--block B] [--rounds R] [--dir DIR]
[--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = """
import sys
from metrolab.clock import VirtualClock
from metrolab.drivers.keysight.simulator import Keysight34465ASimulator
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource, serve_tcp
source = ManualSource()
source.apply(Function.DCV, 1.25)
sim = Keysight34465ASimulator(seed=0, clock=VirtualClock(), source=source)
with serve_tcp(sim) as server:
    print(server.resource, flush=True)
    sys.stdin.read()
"""

CALL = "DCV 10V nplc=0.02"  # the 34465A's shortest integration: 0.4 ms at 50 Hz
#: readings/s the meter itself makes at 0.02 NPLC and 50 Hz (the simulator's virtual rate)
METER_RATE = 1.0 / (0.02 / 50.0)


def _serve() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def _child(mode: str, *args: str) -> dict[str, Any]:
    """Run this file as a child doing ``mode``; return the JSON it prints last."""
    out = subprocess.run([sys.executable, __file__, "--child", mode, *args], check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# -- children -------------------------------------------------------------------------------

def child_daq(resource: str, readings: int, block: int, out: str) -> dict[str, Any]:
    """Log ``readings`` readings in blocks of ``block`` through metrolab.daq."""
    from metrolab import daq
    from metrolab.clock import WallClock
    from metrolab.daq.report import QuietReporter, RunInfo
    from metrolab.daq.rows import RowBlock

    class Timed(QuietReporter):
        """Times the run from its start (instruments open and set up, as the raw baseline's
        timing starts) and notes the peak memory once the first block is in."""

        first_mb = 0.0
        started = 0.0

        def start(self, info: RunInfo) -> None:
            self.started = time.perf_counter()

        def rows(self, block_: RowBlock, stats: Any, now: float) -> None:
            if not self.first_mb:
                self.first_mb = _peak_mb()

    reporter = Timed()
    result = daq.log({"dmm": resource}, every=0, count=readings // block, readings=block,
                     read=[daq.Readable("dmm", CALL)], out=out, clock=WallClock(),
                     reporter=reporter, timeout=60)
    wall = time.perf_counter() - reporter.started
    return {"rows": result.rows, "wall_s": wall, "rate": result.rows / wall,
            "peak_mb": _peak_mb(), "first_block_mb": reporter.first_mb,
            "instrument_rate": METER_RATE, "file_mb": Path(out).stat().st_size / 1e6,
            "journal_mb": result.journal.stat().st_size / 1e6}


def child_raw(resource: str, readings: int, block: int, out: str, store: bool) -> dict[str, Any]:
    """Read the same blocks with the driver; append them with raw h5py (or not at all)."""
    import h5py
    import numpy as np
    from metrolab.drivers.keysight import Keysight34465A

    from metrolab.instrument import Function
    from metrolab.units import ureg

    dmm = Keysight34465A.open(resource, timeout_s=60)
    dmm.configure(Function.DCV, ureg.Quantity(10, "V"), nplc=0.02)
    steps = readings // block
    handle = h5py.File(out, "w", libver="latest") if store else None
    datasets = []
    if handle is not None:
        for name in ("time", "dmm"):
            datasets.append(handle.create_dataset(name, shape=(0,), maxshape=(None,),
                                                  chunks=(16384,), dtype="f8",
                                                  compression="gzip", compression_opts=1,
                                                  shuffle=True))
        handle.swmr_mode = True
    start = time.perf_counter()
    rows = 0
    for _ in range(steps):
        t0 = time.time()
        values = dmm.read_many(block).magnitude
        if handle is not None:
            times = t0 + np.arange(block) * 4e-4
            for dataset, array in zip(datasets, (times, values), strict=True):
                dataset.resize((rows + block,))
                dataset[rows:rows + block] = array
            handle.flush()
        rows += block
    wall = time.perf_counter() - start
    if handle is not None:
        handle.close()
    dmm.close()
    return {"rows": rows, "wall_s": wall, "rate": rows / wall, "peak_mb": _peak_mb(),
            "file_mb": Path(out).stat().st_size / 1e6 if store else 0.0}


def _warm_xarray() -> None:
    """Import xarray and let it import what it imports on first use (pandas, dask checks),
    so that neither loader's timing pays for it."""
    import numpy as np
    import xarray as xr

    times = xr.Variable(("t",), np.arange(3.0), {"units": "seconds since 1970-01-01"})
    xr.Dataset({"x": ("t", np.arange(3.0))},
               coords={"t": xr.coders.CFDatetimeCoder().decode(times)}).load()


def child_load(path: str) -> dict[str, Any]:
    """Open ``path`` with metrolab.daq.load, then load every value (imports done first)."""
    from metrolab import daq
    from metrolab.daq import readback  # noqa: F401 - the import is not the load

    _warm_xarray()
    start = time.perf_counter()
    data = daq.load(path)
    opened = time.perf_counter() - start
    data.load()
    loaded = time.perf_counter() - start
    rows = data.sizes["time"]
    data.close()
    return {"rows": rows, "open_s": opened, "load_s": loaded, "peak_mb": _peak_mb()}


def child_qcodes_write(db: str, readings: int) -> dict[str, Any]:
    """Write ``readings`` (time, value) rows as a QCoDeS dataset; return its run id."""
    import numpy as np
    from qcodes.dataset import (
        Measurement,
        initialise_or_create_database_at,
        load_or_create_experiment,
    )

    initialise_or_create_database_at(db)
    experiment = load_or_create_experiment("bench", sample_name="34465A")
    measurement = Measurement(exp=experiment)
    measurement.register_custom_parameter("time", unit="s")
    measurement.register_custom_parameter("dmm", unit="V", setpoints=("time",))
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    with measurement.run() as saver:
        for first in range(0, readings, 100_000):
            count = min(100_000, readings - first)
            saver.add_result(("time", 1.7e9 + np.arange(first, first + count) * 4e-4),
                             ("dmm", 1.25 + 1e-6 * rng.standard_normal(count)))
        run_id = saver.run_id
    return {"run_id": run_id, "write_s": time.perf_counter() - start}


def child_qcodes_load(db: str, run_id: int) -> dict[str, Any]:
    """Load QCoDeS run ``run_id`` into xarray (imports and connection done first)."""
    from qcodes.dataset import initialise_or_create_database_at, load_by_id

    _warm_xarray()
    initialise_or_create_database_at(db)
    start = time.perf_counter()
    data = load_by_id(run_id).to_xarray_dataset()
    return {"rows": int(data.sizes["time"]), "load_s": time.perf_counter() - start,
            "peak_mb": _peak_mb()}


def child_swmr_writer(out: str, kind: str, count: int, flush: str) -> dict[str, Any]:
    """Write ``count`` readings of the wall time, one every 20 ms: metrolab.daq or raw h5py."""
    if kind in ("raw", "rawsync"):
        import h5py
        import numpy as np

        handle = h5py.File(out, "w", libver="latest")
        descriptor = os.open(out, os.O_RDONLY)
        dataset = handle.create_dataset("value", shape=(0,), maxshape=(None,), chunks=(1024,),
                                        dtype="f8")
        handle.swmr_mode = True
        print("ready", flush=True)
        for row in range(count):
            dataset.resize((row + 1,))
            dataset[row] = np.float64(time.time())
            handle.flush()
            if kind == "rawsync":  # made durable, as the journal's fdatasync makes a row
                os.fdatasync(descriptor)
            time.sleep(0.02)
        handle.close()
        os.close(descriptor)
        return {}
    from metrolab import daq
    from metrolab.clock import WallClock

    print("ready", flush=True)
    daq.log({"clock": object()}, every=0.02, duration=count * 0.02, flush=flush, out=out,
            read=[daq.Readable("clock", name="value", unit="s",
                               read=lambda _, n: [time.time()] * n)], clock=WallClock())
    return {}


# -- the benchmarks ---------------------------------------------------------------------------

def _swmr_latency(folder: Path, kind: str, flush: str, count: int) -> list[float]:
    """Return the seconds between each reading and a second process seeing it."""
    import h5py

    out = folder / f"swmr-{kind}-{flush}.h5"
    writer = subprocess.Popen([sys.executable, __file__, "--child", "swmr", str(out), kind,
                               str(count), flush], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    writer.stdout.readline()
    path = "entry/data/value" if kind == "daq" else "value"
    while True:
        try:
            handle = h5py.File(out, "r", swmr=True)
            dataset = handle[path]
            break
        except (OSError, KeyError):
            time.sleep(0.001)
    seen, latencies = 0, []
    while writer.poll() is None or seen < count:
        dataset.refresh()
        rows = dataset.shape[0]
        if rows > seen:
            now = time.time()
            latencies += [now - float(v) for v in dataset[seen:rows]]
            seen = rows
        elif writer.poll() is not None:
            break
        time.sleep(0.0005)
    handle.close()
    return latencies


def _run(args: argparse.Namespace) -> None:
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench-daq-"))
    print(f"files in {folder}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "cores (other work on the machine slows every number alike)\n")
    server, resource = _serve()
    try:
        runs: dict[str, list[dict[str, Any]]] = {"raw": [], "bound": [], "ours": []}
        for round_ in range(args.rounds):  # interleaved, best of each: others' load evens out
            for name, mode, extra in (("raw", "raw", ["store"]), ("bound", "raw", ["none"]),
                                      ("ours", "daq", [])):
                out = folder / f"{name}-{round_}.h5"
                runs[name].append(_child(mode, resource, str(args.readings),
                                         str(args.block), str(out), *extra))
        raw, bound, ours = (max(runs[name], key=lambda r: r["rate"])
                            for name in ("raw", "bound", "ours"))
        print("1. sustained readings/s into HDF5, simulated 34465A over TCP, REAL,64 blocks "
              f"of {args.block} (best of {args.rounds} interleaved rounds)")
        print(f"   the meter's own rate at 0.02 NPLC: {ours['instrument_rate']:,.0f} rdg/s")
        print(f"   driver alone (no storage):    {bound['rate']:>14,.0f} rdg/s")
        print(f"   raw h5py append:              {raw['rate']:>14,.0f} rdg/s")
        print(f"   metrolab.daq.log:             {ours['rate']:>14,.0f} rdg/s   ratio "
              f"{ours['rate'] / raw['rate']:.2f} of raw h5py, "
              f"{ours['rate'] / ours['instrument_rate']:,.0f}x the meter's rate")
        print(f"   ({ours['rows']:,} rows; file {ours['file_mb']:.0f} MB (time, step, reading) "
              f"against raw h5py's {raw['file_mb']:.0f} MB (time, reading); journal "
              f"{ours['journal_mb']:.0f} MB)\n")
        big = folder / "big.h5"
        memory = _child("daq", resource, str(args.memory_readings), str(args.block), str(big))
        print(f"2. peak memory over a {memory['rows']:,}-reading run: {memory['peak_mb']:.0f} MB; "
              f"over the {ours['rows']:,}-reading run: {ours['peak_mb']:.0f} MB (ratio "
              f"{memory['peak_mb'] / ours['peak_mb']:.2f}: bounded); after the first block "
              f"{memory['first_block_mb']:.0f} MB; raw h5py's whole run "
              f"{raw['peak_mb']:.0f} MB; {memory['wall_s']:.0f} s at "
              f"{memory['rate']:,.0f} rdg/s\n")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
    loaded = _child("load", str(big))
    print(f"3. load {loaded['rows']:,} readings into xarray: metrolab.daq.load "
          f"{loaded['open_s']:.2f} s lazily, {loaded['load_s']:.1f} s with every value "
          f"(peak {loaded['peak_mb']:.0f} MB)")
    for count in args.qcodes_readings:
        db = folder / f"qcodes-{count}.db"
        written = _child("qwrite", str(db), str(count))
        q = _child("qload", str(db), str(written["run_id"]))
        small = folder / f"small-{count}.h5"
        server, resource = _serve()
        try:
            _child("daq", resource, str(count), str(min(args.block, count)), str(small))
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=30)
        m = _child("load", str(small))
        scale = loaded["rows"] / q["rows"]
        print(f"   {q['rows']:,} readings: QCoDeS {q['load_s']:.2f} s (peak "
              f"{q['peak_mb']:.0f} MB); metrolab {m['open_s']:.3f} s lazily, {m['load_s']:.2f} s "
              f"all -> ratio QCoDeS/metrolab {q['load_s'] / m['load_s']:.1f} (all values); "
              f"QCoDeS at {loaded['rows']:,} extrapolated x{scale:.0f}: "
              f"~{q['load_s'] * scale:.0f} s, ~{q['peak_mb'] * scale / 1024:.0f} GB "
              f"-> ratio ~{q['load_s'] * scale / loaded['load_s']:.0f}")
    print()
    print("4. SWMR latency: reading taken -> visible to a second process (ms)")
    raw_latency = _swmr_latency(folder, "raw", "0", args.swmr_readings)
    synced = _swmr_latency(folder, "rawsync", "0", args.swmr_readings)
    print(f"   raw h5py flushing every row: median {statistics.median(raw_latency) * 1e3:.1f}; "
          f"and fdatasync'ing it: median {statistics.median(synced) * 1e3:.1f}")
    for flush in ("0", "1"):
        ours_latency = _swmr_latency(folder, "daq", flush, args.swmr_readings)
        median = statistics.median(ours_latency)
        print(f"   metrolab --flush {flush}s: median {median * 1e3:.1f}, 95% "
              f"{statistics.quantiles(ours_latency, n=20)[-1] * 1e3:.1f} -> ratio "
              f"{median / statistics.median(raw_latency):.1f} of raw, "
              f"{median / statistics.median(synced):.1f} of raw + fdatasync")


def _child_main(argv: list[str]) -> None:
    mode, *rest = argv
    if mode == "daq":
        result = child_daq(rest[0], int(rest[1]), int(rest[2]), rest[3])
    elif mode == "raw":
        result = child_raw(rest[0], int(rest[1]), int(rest[2]), rest[3], rest[4] == "store")
    elif mode == "load":
        result = child_load(rest[0])
    elif mode == "qwrite":
        result = child_qcodes_write(rest[0], int(rest[1]))
    elif mode == "qload":
        result = child_qcodes_load(rest[0], int(rest[1]))
    else:
        result = child_swmr_writer(rest[0], rest[1], int(rest[2]), rest[3])
    print(json.dumps(result), flush=True)


def main() -> None:
    """Run the benchmarks (or, with ``--child``, one measurement in a fresh process)."""
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=10_000_000)
    parser.add_argument("--memory-readings", type=int, default=100_000_000)
    parser.add_argument("--qcodes-readings", default="1000000,10000000")
    parser.add_argument("--swmr-readings", type=int, default=200)
    parser.add_argument("--block", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, to check the script runs")
    args = parser.parse_args()
    args.qcodes_readings = [int(n) for n in args.qcodes_readings.split(",")]
    if args.quick:
        args.readings, args.memory_readings = 1_000_000, 2_000_000
        args.qcodes_readings, args.swmr_readings, args.rounds = [100_000], 30, 1
    _run(args)


if __name__ == "__main__":
    main()
