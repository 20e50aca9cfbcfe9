"""The acquisition commands: ``metrolab log``, ``metrolab sweep`` and ``metrolab daq ...``.

Bad input is a :class:`~metrolab.daq.errors.DaqInputError` (one line, exit 2); a run that
ends before its plan is done is :class:`~metrolab.daq.errors.DaqAborted` (exit 1), after
its file was finished with every row taken.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from metrolab.clitypes import ExistingPath
from metrolab.daq.config import Kind
from metrolab.daq.errors import DaqAborted, DaqInputError

EXISTING = ExistingPath()


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    """Return ``NAME=VALUE`` texts as pairs; raise DaqInputError naming ``option``."""
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise DaqInputError(f"{option} {value!r}: expected NAME=VALUE")
        pairs.append((key.strip(), rest.strip()))
    return pairs


def _unique(pairs: list[tuple[str, str]], option: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in pairs:
        if key in result:
            raise DaqInputError(f"{option}: {key} is given twice")
        result[key] = value
    return result


def _readables(reads: tuple[str, ...]) -> Any:
    """Return ``ROLE[=CALL]`` texts as readables (a bare role: its default reading)."""
    from metrolab.daq.spec import Readable

    if not reads:
        return None
    readables = []
    for text in reads:
        role, call = _pairs((text,), "--read")[0] if "=" in text else (text.strip(), "")
        readables.append(Readable(role, call))
    return tuple(readables)


def _watches(watches: tuple[str, ...]) -> tuple[Any, ...]:
    """Return ``ROLE[.CALL]=LOW:HIGH`` texts as watches."""
    from metrolab.daq.parsing import setpoints
    from metrolab.daq.spec import Watch

    result = []
    for target, band in _pairs(watches, "--watch"):
        role, _, call = target.partition(".")
        if band.count(":") != 1:
            raise DaqInputError(f"--watch {target}={band}: write ROLE[.CALL]=LOW:HIGH, e.g. "
                                "env.temperature=21degC:25degC")
        bounds = setpoints(band.replace(":", ","), f"--watch {target}")
        result.append(Watch(role, bounds[0], bounds[1], call))
    return tuple(result)


def _axes(sets: tuple[str, ...], settle: str) -> tuple[Any, ...]:
    from metrolab.daq.parsing import setpoints
    from metrolab.daq.spec import Axis

    if not sets:
        raise DaqInputError("metrolab sweep: say what to set: --set ROLE=START:STOP:COUNT "
                            "(or ROLE=V1,V2,...)")
    return tuple(Axis(role, setpoints(text, f"--set {role}"), settle)
                 for role, text in _pairs(sets, "--set"))


def _common(function: Any) -> Any:
    """Add the options ``log`` and ``sweep`` share."""
    options = [
        click.argument("instruments", nargs=-1, metavar="ROLE=RESOURCE..."),
        click.option("--out", type=click.Path(path_type=Path),
                     help="The HDF5 data file to write (its journal goes beside it)."),
        click.option("--read", "reads", multiple=True, metavar="ROLE[=CALL]",
                     help="What to read: 'dmm=DCV 10V nplc=1', 'thermo=ch2', 'env=humidity' "
                          "(repeat; default: every reading of every instrument)."),
        click.option("--readings", default=1, show_default=True, type=click.IntRange(1),
                     help="Readings per step (one buffer on a DMM)."),
        click.option("--model", "models", multiple=True, metavar="ROLE=MODEL",
                     help="The model at ROLE, when it cannot be identified by probing."),
        click.option("--watch", "watches", multiple=True, metavar="ROLE[.CALL]=LOW:HIGH",
                     help="Hold the run while a reading is out of band (repeat)."),
        click.option("--flush", default="1s", show_default=True,
                     help="Longest wall time a row waits before the journal and file get it."),
        click.option("--timeout", default="5s", show_default=True, help="Instrument I/O timeout."),
        click.option("--virtual-clock", is_flag=True,
                     help="Run waits on a virtual clock (simulated instruments only)."),
        click.option("--simulate", is_flag=True,
                     help="Rehearse on the simulated bench: give ROLE=MODEL (34401A, 34465A, "
                          "5522A, 1529, HMT330); virtual clock."),
        click.option("--seed", default=0, show_default=True, help="With --simulate: noise seed."),
        click.option("--view", is_flag=True,
                     help="Also serve a live plot on http://127.0.0.1 (the address is printed)."),
        click.option("--port", default=0, show_default=True,
                     help="With --view: the port (0 = any free one)."),
        click.option("--title", default="", help="A title for the data file."),
        click.option("--operator", default="", help="Who ran it (recorded)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
@_common
@click.option("--every", help="Interval between readings, e.g. 1s, 500ms, 1min (0: at once).")
@click.option("--for", "duration", help="How long to log, e.g. 10min, 48h.")
def log(every: str | None, duration: str | None, **options: Any) -> None:
    """Record readings of ROLE=RESOURCE... at an interval into an HDF5 file, live."""
    from metrolab.daq.parsing import seconds

    for value, option in ((every, "--every 1s"), (duration, "--for 48h")):
        if value is None:
            raise DaqInputError(f"metrolab log: give {option.split()[0]} (e.g. {option})")

    _run("log", options, every_s=seconds(every, "--every"),
         duration_s=seconds(duration, "--for", allow_zero=False))


@click.command()
@_common
@click.option("--set", "sets", multiple=True, metavar="ROLE=SETPOINTS",
              help="What to sweep: cal=0V:10V:11 (start:stop:count) or cal=1V,2V,5V; "
                   "repeat to nest (the first is outermost).")
@click.option("--settle", default="0s", show_default=True,
              help="Wait after each change of a setpoint.")
def sweep(sets: tuple[str, ...], settle: str, **options: Any) -> None:
    """Sweep setpoints and record readings of ROLE=RESOURCE... at each into an HDF5 file."""
    _run("sweep", options, axes=_axes(sets, settle))


@contextmanager
def _bench(options: dict[str, Any]) -> Iterator[tuple[dict[str, str], Any, dict[str, Any]]]:
    """Yield (role -> resource, clock or None, simulation record) for the run's instruments."""
    instruments = _unique(_pairs(options["instruments"], "ROLE=RESOURCE"), "ROLE=RESOURCE")
    if not options["simulate"]:
        if options["seed"]:
            raise DaqInputError("--seed only applies to --simulate")
        yield instruments, None, {}
        return
    from metrolab.daq.simulate import simulated

    for clash in ("models", "virtual_clock"):
        if options[clash]:
            raise DaqInputError(f"--simulate serves its own instruments on a virtual clock: "
                                f"leave out --{clash.replace('_', '-').rstrip('s')}")
    with simulated(instruments, options["seed"]) as bench:
        yield bench.resources, bench.clock, bench.record


def _run(kind: Kind, options: dict[str, Any], **plan: Any) -> None:
    from metrolab.daq.config import DaqConfig
    from metrolab.daq.parsing import seconds
    from metrolab.daq.run import Session, start
    from metrolab.daq.table import LiveTable
    from metrolab.runner.operator import Operator

    console = Console(stderr=True)
    out: Path | None = options["out"]
    if out is None:
        raise DaqInputError(f"metrolab {kind}: give --out FILE.h5 (the data file to write)")
    if not options["instruments"]:
        raise DaqInputError(f"metrolab {kind}: name the instruments, ROLE=RESOURCE... (or "
                            "ROLE=MODEL with --simulate)")
    with _bench(options) as (instruments, clock, simulation):
        config = DaqConfig(
            kind, instruments, out, _readables(options["reads"]), plan.get("axes", ()),
            plan.get("every_s", 0.0), plan.get("duration_s"), options["readings"],
            _watches(options["watches"]), _unique(_pairs(options["models"], "--model"),
                                                  "--model"),
            seconds(options["flush"], "--flush"),
            seconds(options["timeout"], "--timeout", allow_zero=False),
            options["virtual_clock"] or clock is not None, options["title"],
            options["operator"], simulation)
        banner = "[bold yellow]SIMULATED[/]: every instrument is a simulator on a virtual " \
            "clock; the file says so" if simulation else ""
        interactive = sys.stdin.isatty() and console.is_terminal
        session = Session(clock, LiveTable(console, banner), Operator(interactive=interactive))
        with _viewing(options, out, console):
            result = start(config, session)
    click.echo(f"{result.status}: {result.rows} rows in {result.path} (journal "
               f"{result.journal.name})")
    if not result.completed:
        raise DaqAborted(f"the {kind} did not complete: {result.reason}; {result.path} holds "
                         "every row taken")


@contextmanager
def _viewing(options: dict[str, Any], out: Path, console: Console) -> Iterator[None]:
    """Serve the live web view of ``out`` while the block runs, when ``--view`` is given."""
    if not options["view"]:
        if options["port"]:
            raise DaqInputError("--port only applies to --view")
        yield
        return
    from metrolab.daq.web import serve_view

    with serve_view(out, options["port"]) as server:
        console.print(f"live view: {server.url}")
        yield


@click.group()
def daq() -> None:
    """Data acquisition files: recover after a crash, resume, export, view."""


@daq.command()
@click.argument("path", type=EXISTING)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the file (default: the journalled name, beside it).")
def recover(path: Path, out: Path | None) -> None:
    """Rebuild the data file of a stopped run from its journal (or every one in a folder)."""
    from metrolab.daq.config import JOURNAL_SUFFIX
    from metrolab.daq.recovery import recover as run_recover
    from metrolab.errors import MetrolabError

    journals = sorted(path.glob(f"*{JOURNAL_SUFFIX}")) if path.is_dir() else [path]
    if not journals:
        raise DaqInputError(f"recover: no *{JOURNAL_SUFFIX} files in {path}")
    if out is not None and len(journals) > 1:
        raise DaqInputError("recover: --out needs a single journal, not a folder")
    failures = []
    for journal in journals:
        try:
            done = run_recover(journal, out)
        except MetrolabError as exc:
            click.echo(f"{journal}: not recovered: {exc}", err=True)
            failures.append(journal.name)
            continue
        note = f" ({done.problem})" if done.problem else ""
        click.echo(f"{journal}: {done.action} {done.path} with {done.rows} rows, status "
                   f"{done.status}{note}")
    if failures:
        raise DaqAborted(f"recover: {len(failures)} of {len(journals)} journal(s) not "
                         f"recovered ({', '.join(failures)}); see the reasons above")


@daq.command()
@click.argument("journal", type=EXISTING)
def resume(journal: Path) -> None:
    """Go on with a stopped run at the step after its last journalled one."""
    from metrolab.daq.run import Session
    from metrolab.daq.run import resume as run_resume
    from metrolab.daq.table import LiveTable
    from metrolab.runner.operator import Operator

    console = Console(stderr=True)
    interactive = sys.stdin.isatty() and console.is_terminal
    result = run_resume(journal, session=Session(None, LiveTable(console),
                                                 Operator(interactive=interactive)))
    click.echo(f"{result.status}: {result.rows} rows in {result.path}")
    if not result.completed:
        raise DaqAborted(f"the resumed run did not complete: {result.reason}")


@daq.command()
@click.argument("path", type=EXISTING)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Write CSV here.")
@click.option("--parquet", "parquet_path", type=click.Path(path_type=Path),
              help="Write Parquet here (needs pyarrow: pip install 'metrolab[parquet]').")
def export(path: Path, csv_path: Path | None, parquet_path: Path | None) -> None:
    """Export a data file's rows to CSV and/or Parquet, in bounded memory."""
    from metrolab.daq.exports import export as run_export

    if csv_path is None and parquet_path is None:
        raise DaqInputError("export: give --csv FILE and/or --parquet FILE")
    for target in (csv_path, parquet_path):
        if target is not None:
            rows = run_export(path, target)
            click.echo(f"{target}: {rows} rows")


@daq.command()
@click.argument("path", type=EXISTING)
@click.option("--web", is_flag=True, help="Serve the page on 127.0.0.1 even with a display.")
@click.option("--port", default=0, show_default=True, help="Web page port (0 = any free one).")
@click.option("--every", default="1s", show_default=True, help="Redraw interval.")
@click.option("--last", default=10_000, show_default=True, help="Rows shown (the newest).")
def view(path: Path, web: bool, port: int, every: str, last: int) -> None:
    """Plot a data file live while its run writes it: a window, or a page on 127.0.0.1."""
    from metrolab.daq.parsing import seconds
    from metrolab.daq.view import show

    show(path, web=web, port=port, every_s=seconds(every, "--every", allow_zero=False),
         last=last, echo=lambda text: click.echo(text, err=True))


__all__ = ["daq", "log", "sweep"]
