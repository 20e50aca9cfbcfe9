"""Benchmark of the laboratory's memory: impact re-evaluation, catalogue queries, split MC.

Each part prints its baseline and the ratio, measured in the same run, and the load
average of the machine beside each figure (``os.getloadavg``: 1, 5, 15 minutes; on a
shared box the parallel figures are pessimistic when it exceeds the cores):

0. **The fleet**: ``--records`` (default 10 000) distinct simulated records written once
   into ``--dir`` and reused (the time ``simulate_fleet`` took is printed, and kept in
   ``fleet.json``), then catalogued once from the records alone, each verified
   (``Catalogue.rebuild``), with the time it took.
1. **Impact re-evaluation** of ``--tasks`` records (default: every record of the fleet,
   so distinct records): records per second with Dask's local scheduler on 1 and 2
   worker processes, against a plain Python loop over the same records in this process
   (the baseline). The correction touches the 10 V and -10 V DC points; the fleet's
   Monte Carlo records (5 %) are re-run with their stored seed and 2·10^5 trials, which
   dominates their cost. With ``--tasks`` above the fleet's size the records repeat.
2. **How cost grows** with the number of records: the loop's and 2 workers' seconds per
   record at 10^2, 10^3 and ``--tasks`` records.
3. **Catalogue query time** at ``--rows`` indexed records (default 10^5, SQLite): rows
   derived from the fleet's real entries (new IDs, dates, serials), inserted once;
   median time of queries by standard and date, by item, by status, at 10^3, 10^4 and
   ``--rows`` records, against answering them without a catalogue: opening every record
   (the baseline, timed per record on the fleet's records and scaled).
4. **Monte Carlo** of a model file with ``--trials`` (default 10^8) split over 2 Dask
   workers against ``evaluate_mc`` in one process (skip with ``--trials 0``).

Sealing a record used to cost 0.3-0.6 s (about 90 HDF5 objects per point, each hashed),
which made a fleet of 10^4 distinct records take hours; since the store's schema 2.0
(tables, one streaming hash per record) a fleet record costs about 0.1 s of CPU
(journal, budget and decision computed, sealed, signed), so 10^4 records take minutes.

Usage: ``.venv/bin/python benchmarks/bench_lab.py [--dir DIR] [--records N] [--tasks N]
[--rows N] [--trials N] [--part impact|catalogue|mc ...]`` (needs ``pip install '.[lab]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from metrolab.cluster import run_map
from metrolab.lab.catalogue import Catalogue, Query, records_directories
from metrolab.lab.entries import CatalogueEntry, Item
from metrolab.lab.fleet import simulate_fleet
from metrolab.lab.indexing import DirectoryScan, LogState
from metrolab.lab.reevaluate import RecordTask, reevaluate_record

MODEL = """
[model]
equations = { P = "V**2 / R" }
units = { P = "mW" }
[inputs.V]
value = 10.0
u = 0.002
dof = 9
unit = "V"
[inputs.R]
value = 100.0
half_width = 0.05
distribution = "rectangular"
unit = "ohm"
"""


def load() -> str:
    """Return the load average (1, 5, 15 min) as text, to print beside a figure."""
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def fleet_entries(folder: Path, records: int) -> list[CatalogueEntry]:
    """Return the catalogue entries of the benchmark fleet (written and catalogued on
    first use)."""
    summary_file = folder / "fleet.json"
    if not summary_file.is_file():
        print(f"0. writing a fleet of {records} records into {folder} (once)...", flush=True)
        summary = simulate_fleet(records, folder, standards=3, seed=1)
        print(f"  {summary.records} records in {summary.seconds:.0f} s "
              f"({summary.seconds / summary.records * 1e3:.0f} ms a record)   [{load()}]")
    else:
        written = json.loads(summary_file.read_text(encoding="utf-8"))
        print(f"0. fleet of {written['records']} records in {folder}, written in "
              f"{written['seconds']:.0f} s")
    catalogue = Catalogue.open(f"sqlite:///{folder / 'catalogue.sqlite'}")
    if catalogue.count() == 0:
        began = time.perf_counter()
        done = catalogue.rebuild(records_directories([folder / "records"]),
                                 register=str(folder / "fleet-register.toml"),
                                 mapper=partial(run_map))
        seconds = time.perf_counter() - began
        print(f"  catalogue rebuilt from the records (each verified): {done.indexed} records "
              f"in {seconds:.0f} s ({done.indexed / seconds:.0f} records/s)   [{load()}]")
    entries = catalogue.find(Query())
    catalogue.close()
    return entries


def impact_tasks(entries: list[CatalogueEntry], count: int | None) -> list[RecordTask]:
    """Return ``count`` re-evaluation tasks over the fleet's records (each record once
    when None; repeated when more than the fleet holds)."""
    base = [RecordTask(e.path, e.record_id, e.file_sha256, e.standards[0].register_id,
                       ("DCV 10V +150uV U=40uV k=2", "DCV -10V -40uV"))
            for e in entries if e.standards and e.status != "superseded"]
    return base if count is None else [base[i % len(base)] for i in range(count)]


def timed(function: partial[object]) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def bench_impact(tasks: list[RecordTask]) -> None:
    print(f"\n1. impact re-evaluation of {len(tasks)} records")
    loop = timed(partial(run_map, reevaluate_record, tasks, scheduler="loop"))
    rates = {"plain loop (baseline)": (len(tasks) / loop, load())}
    for workers in (1, 2):
        seconds = timed(partial(run_map, reevaluate_record, tasks, scheduler="processes",
                                workers=workers))
        rates[f"Dask local, {workers} worker(s)"] = (len(tasks) / seconds, load())
    for name, (rate, average) in rates.items():
        print(f"  {name:28s} {rate:8.1f} records/s   "
              f"x{rate / rates['plain loop (baseline)'][0]:.2f}   [{average}]")
    print("\n2. cost as the number of records grows (s per record)")
    for count in sorted({c for c in (100, 1000) if c < len(tasks)} | {len(tasks)}):
        if count == len(tasks):  # measured above
            loop, dask = 1 / rates["plain loop (baseline)"][0], \
                1 / rates["Dask local, 2 worker(s)"][0]
            average = rates["Dask local, 2 worker(s)"][1]
        else:
            part = tasks[:count]
            loop = timed(partial(run_map, reevaluate_record, part, scheduler="loop")) / count
            dask = timed(partial(run_map, reevaluate_record, part, scheduler="processes",
                                 workers=2)) / count
            average = load()
        print(f"  {count:6d} records: loop {loop * 1e3:7.2f} ms, 2 workers {dask * 1e3:7.2f} ms"
              f"   (x{loop / dask:.2f})   [{average}]")


def synthetic(entries: list[CatalogueEntry], rows: int) -> list[CatalogueEntry]:
    """Return ``rows`` catalogue entries made from the real ones (new IDs, dates, items)."""
    made = []
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(rows):
        entry = entries[n % len(entries)]
        made.append(replace(entry, record_id=f"SYN-{n:07d}", file=f"SYN-{n:07d}.h5",
                            item=Item(entry.item.manufacturer, entry.item.model,
                                      f"SN{n // 2:07d}", f"A-{n // 2}"),
                            started_at=start + timedelta(minutes=47 * n)))
    return made


def median_seconds(function: partial[object], repeat: int = 7) -> float:
    return statistics.median(timed(function) for _ in range(repeat))


def record_scan_seconds(entries: list[CatalogueEntry], sample: int = 40) -> float:
    """Return the seconds one record takes to open and describe without a catalogue."""
    from metrolab.lab.reading import catalogue_entry
    from metrolab.store.record import open_record

    paths = [e.path for e in entries[:sample]]
    began = time.perf_counter()
    for path in paths:
        catalogue_entry(open_record(path, check=False), "")
    return (time.perf_counter() - began) / len(paths)


def bench_catalogue(entries: list[CatalogueEntry], rows: int, folder: Path) -> None:
    per_record = record_scan_seconds(entries)
    print(f"\n3. catalogue queries (SQLite) at up to {rows} records; baseline: without a "
          f"catalogue every record is opened ({per_record * 1e3:.1f} ms each, measured on "
          "the fleet's records)")
    for count in sorted({1000, 10_000, rows}):
        url = f"sqlite:///{folder / f'bench-{count}.sqlite'}"
        catalogue = Catalogue.open(url)
        catalogue.reset()
        made = synthetic(entries, count)
        began = time.perf_counter()
        catalogue.apply(DirectoryScan("/bench/records", LogState(0, "", 0, ""),
                                      tuple(made), (), True))
        insert = time.perf_counter() - began
        middle = made[count // 2].started_at
        assert middle is not None
        queries = {
            "standard CAL-01 over one month": Query(standard="CAL-01", since=middle.date(),
                                                    until=middle.date() + timedelta(days=30)),
            "one item (serial)": Query(item=made[count // 3].item.serial),
            "status reviewed, one year": Query(statuses=("reviewed",), since=date(2021, 1, 1),
                                               until=date(2021, 12, 31)),
        }
        print(f"  {count} records: indexed in {insert:.1f} s ({count / insert:.0f} records/s); "
              f"opening them all would take {per_record * count:.0f} s   [{load()}]")
        for name, query in queries.items():
            found = len(catalogue.find(query))
            seconds = median_seconds(partial(catalogue.find, query))
            print(f"    {name:34s} {found:6d} found in {seconds * 1e3:8.2f} ms "
                  f"(x{per_record * count / seconds:,.0f} faster than opening every record)"
                  f"   [{load()}]")
        catalogue.close()


def bench_mc(trials: int) -> None:
    import distributed

    from metrolab.uncertainty.distributed import evaluate_mc_distributed
    from metrolab.uncertainty.modelfile import parse_model_text
    from metrolab.uncertainty.montecarlo import evaluate_mc

    print(f"\n4. Monte Carlo, {trials:.0e} trials of P = V^2/R")
    spec = parse_model_text(MODEL)
    began = time.perf_counter()
    local = evaluate_mc(spec.model, spec.inputs, trials=trials, seed=1,
                        output_units=spec.output_units)
    one = time.perf_counter() - began
    one_load = load()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        began = time.perf_counter()
        split = evaluate_mc_distributed(
            MODEL, "bench", trials=trials, seed=1, coverage=0.95,
            mapper=partial(run_map, scheduler=cluster.scheduler_address))
        two = time.perf_counter() - began
    print(f"  one process (baseline)   {one:7.1f} s   u = {float(local.u[0]):.6g}, interval "
          f"{[round(float(v), 4) for v in local.interval_symmetric[0]]}   [{one_load}]")
    print(f"  2 Dask workers           {two:7.1f} s   u = {float(split.u[0]):.6g}, interval "
          f"{[round(float(v), 4) for v in split.interval_symmetric[0]]}   x{one / two:.2f}"
          f"   [{load()}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="fleet folder (kept, reused)")
    parser.add_argument("--records", type=int, default=10_000, help="records of the fleet")
    parser.add_argument("--tasks", type=int, default=None,
                        help="records to re-evaluate (default: each record of the fleet once)")
    parser.add_argument("--rows", type=int, default=100_000, help="catalogue rows")
    parser.add_argument("--trials", type=int, default=100_000_000, help="MC trials (0: skip)")
    parser.add_argument("--part", action="append", choices=("impact", "catalogue", "mc"),
                        help="run only these parts (repeat; default: all)")
    args = parser.parse_args()
    parts = set(args.part or ("impact", "catalogue", "mc"))
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-lab-"))
    if parts & {"impact", "catalogue"}:
        entries = fleet_entries(folder, args.records)
    if "impact" in parts:
        bench_impact(impact_tasks(entries, args.tasks))
    if "catalogue" in parts:
        bench_catalogue(entries, args.rows, folder)
    if "mc" in parts and args.trials:
        bench_mc(args.trials)


if __name__ == "__main__":
    main()
