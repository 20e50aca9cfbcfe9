"""Command-line front of the laboratory's memory: catalogue, records, impact, fleet.

``metrolab catalogue rebuild DIR...`` / ``catalogue sync``, ``metrolab records``,
``metrolab impact STANDARD``, ``metrolab fleet simulate N``. Every catalogue command
takes ``--db URL`` (default: ``catalogue.sqlite`` beside the register) and
``--register FILE`` (default ``$METROLAB_REGISTER``); re-evaluation runs where
``--scheduler`` says (Dask's local scheduler by default).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from metrolab.errors import MetrolabError, UserInputError
from metrolab.lab.location import REGISTER_ENV

if TYPE_CHECKING:
    from metrolab.lab.catalogue import Catalogue, SyncResult
    from metrolab.lab.location import LabSettings


class IsoDate(click.ParamType):
    """A date written YYYY-MM-DD; anything else is a one-line error (exit 2)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        """Return ``value`` as a date; raise :class:`UserInputError` naming the option."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            option = f"--{param.name}" if param is not None and param.name else "date"
            raise UserInputError(f"{option} {value!r}: give a date as YYYY-MM-DD") from None


DATE = IsoDate()


def _db_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--register", "register", type=click.Path(dir_okay=False, path_type=Path),
        envvar=REGISTER_ENV, default=None,
        help=f"The laboratory's register (default: ${REGISTER_ENV}); the catalogue is "
             "catalogue.sqlite beside it unless its [lab] table names one.")(command)
    return click.option("--db", default=None, metavar="URL",
                        help="Catalogue database: sqlite:///FILE, a file path, or "
                             "postgresql://USER@HOST/DB.")(command)


def _scheduler_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--workers", type=click.IntRange(1, 512), default=None,
                           help="Local worker processes (default: one per core).")(command)
    return click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="Dask scheduler of a cluster; or processes (default), threads, "
                             "synchronous, loop (no Dask).")(command)


@contextmanager
def _opened(db: str | None, register: Path | None,
            scheduler: str | None = None) -> Iterator[tuple[Catalogue, LabSettings]]:
    from metrolab.lab.catalogue import Catalogue
    from metrolab.lab.location import lab_settings

    settings = lab_settings(db=db, register=register, scheduler=scheduler)
    catalogue = Catalogue.open(settings.catalogue_url)
    try:
        yield catalogue, settings
    finally:
        catalogue.close()


def _register_text(settings: LabSettings) -> str | None:
    return str(settings.register) if settings.register is not None else None


def _report_refused(done: SyncResult, limit: int = 20) -> None:
    for refused in done.refused[:limit]:
        click.echo(f"not indexed: {refused.path}: {refused.reason}", err=True)
    if len(done.refused) > limit:
        click.echo(f"... and {len(done.refused) - limit} more not indexed", err=True)
    for folder in done.rescanned:
        click.echo(f"{folder}: its audit log no longer holds the entries indexed before "
                   "(rewritten or replaced); the folder was indexed again whole", err=True)


@contextmanager
def _progress(total: int, what: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    if not enabled or not console.is_terminal or total == 0:
        yield lambda n: None
        return
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


@click.group()
def catalogue() -> None:
    """The catalogue: an index of sealed records (SQLite or PostgreSQL)."""


@catalogue.command()
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@_db_options
@_scheduler_options
def rebuild(directories: tuple[Path, ...], db: str | None, register: Path | None,
            scheduler: str | None, workers: int | None) -> None:
    """Rebuild the catalogue from the records in DIRECTORIES (each a records folder, or a
    folder holding records folders). Every record is verified before it is indexed."""
    from metrolab.cluster import run_map
    from metrolab.lab.catalogue import records_directories

    folders = records_directories(directories)
    with _opened(db, register, scheduler) as (opened, settings), \
            _progress(len(folders), "verifying folders") as step:
        def mapper(function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
            return run_map(function, items, scheduler=settings.scheduler, workers=workers,
                           progress=step)

        done = opened.rebuild(folders, register=_register_text(settings), mapper=mapper)
        click.echo(f"catalogue {opened.url_shown}: {done.indexed} record(s) indexed from "
                   f"{len(folders)} folder(s)")
    _report_refused(done)
    if done.refused:
        raise MetrolabError(f"catalogue rebuild: {len(done.refused)} record(s) or folder(s) "
                            "were not indexed (see above); fix them or move them aside")


@catalogue.command()
@click.argument("directories", nargs=-1, type=click.Path(path_type=Path))
@_db_options
def sync(directories: tuple[Path, ...], db: str | None, register: Path | None) -> None:
    """Index what is new in the catalogue's folders (and in DIRECTORIES, if given): new
    records, reviews, approvals and amendments since the last look."""
    from metrolab.lab.catalogue import records_directories

    with _opened(db, register) as (opened, settings):
        folders = records_directories(directories) if directories else None
        done = opened.sync(folders, register=_register_text(settings))
        if folders is not None:
            done = _merge(done, opened.sync(register=_register_text(settings)))
        click.echo(f"catalogue {opened.url_shown}: {done.indexed} record(s) indexed or "
                   f"updated; {opened.count()} in all")
    _report_refused(done)
    if done.refused:
        raise MetrolabError(f"catalogue sync: {len(done.refused)} record(s) or folder(s) were "
                            "not indexed (see above)")


def _merge(first: SyncResult, second: SyncResult) -> SyncResult:
    from metrolab.lab.catalogue import SyncResult

    return SyncResult(first.indexed + second.indexed, first.refused + second.refused,
                      first.rescanned + second.rescanned)


def _sync_quietly(opened: Catalogue, settings: LabSettings) -> None:
    done = opened.sync(register=_register_text(settings))
    _report_refused(done)


@click.command()
@click.option("--item", default=None, help="Serial number, asset number or model of the item.")
@click.option("--standard", default=None,
              help="A standard used: register ID, serial or certificate ID.")
@click.option("--since", type=DATE, default=None, help="Runs started on or after DATE.")
@click.option("--until", type=DATE, default=None, help="Runs started on or before DATE.")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="draft, reviewed, approved, amended or superseded (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_db_options
def records(item: str | None, standard: str | None, since: date | None, until: date | None,
            statuses: tuple[str, ...], as_json: bool, db: str | None,
            register: Path | None) -> None:
    """List the catalogued records that match: item, standard, dates, status."""
    from metrolab.lab.catalogue import Query

    query = Query(item=item, standard=standard, since=since, until=until, statuses=statuses)
    with _opened(db, register) as (opened, settings):
        _sync_quietly(opened, settings)
        found = opened.find(query)
        if as_json:
            click.echo(json.dumps({"catalogue": opened.url_shown, "count": len(found),
                                   "records": [e.to_json() for e in found]},
                                  ensure_ascii=False))
            return
    _print_records(found)


def _print_records(found: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    table = Table(title=f"{len(found)} record(s)")
    for column in ("record", "started", "item", "standards", "status", "decisions"):
        table.add_column(column, overflow="fold")
    for entry in found:
        counts = entry.to_json()["decisions"]
        table.add_row(entry.record_id,
                      entry.started_at.date().isoformat() if entry.started_at else "-",
                      f"{entry.item.model} {entry.item.serial}",
                      ", ".join(s.register_id for s in entry.standards),
                      entry.status,
                      ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "-")
    console.print(table)


def _corrections(corrections: tuple[str, ...], certificate: Path | None,
                 standard: str, opened: Catalogue) -> tuple[tuple[Any, ...], str]:
    from metrolab.lab.catalogue import Query
    from metrolab.lab.corrections import parse_correction
    from metrolab.lab.errors import ImpactInputError

    if bool(corrections) == (certificate is not None):
        raise ImpactInputError("impact: give either --correction (repeat) or --certificate "
                               "NEW.xml, not both and not neither")
    if certificate is None:
        return tuple(parse_correction(text) for text in corrections), "--correction"
    from metrolab.lab.dcc_findings import read_findings

    if not certificate.is_file():
        raise ImpactInputError(f"--certificate {certificate} does not exist")
    findings = read_findings(certificate)
    users = opened.find(Query(standard=standard))
    serials = {s.serial for e in users for s in e.standards
               if standard.casefold() in (s.register_id.casefold(), s.serial.casefold(),
                                          s.certificate_id.casefold())}
    if serials and findings.serial and findings.serial not in serials:
        raise ImpactInputError(f"--certificate {certificate} is for serial {findings.serial}, "
                               f"but standard {standard} is serial {', '.join(sorted(serials))}")
    return findings.corrections, (f"certificate {findings.certificate_id or certificate.name} "
                                  f"({certificate.name}) of {findings.manufacturer} "
                                  f"{findings.model} {findings.serial}").strip()


@click.command()
@click.argument("standard")
@click.option("--since", type=DATE, required=True,
              help="Date of the standard's last good calibration (runs from then on).")
@click.option("--until", type=DATE, default=None, help="Runs started on or before DATE.")
@click.option("--correction", "corrections", multiple=True, metavar="SPEC",
              help='A finding on one output, e.g. "DCV 10V +30uV U=8uV k=2" (repeat).')
@click.option("--certificate", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The standard's new calibration certificate (DCC XML).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report (default: ./impact-STANDARD-DATE).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--amendment-drafts", "drafts", is_flag=True,
              help="Write an amendment draft for each certificate to recall.")
@click.option("--key", default=None, metavar="NAME|FILE",
              help="Sign the audit entries with this key.")
@_db_options
@_scheduler_options
def impact(standard: str, since: date, until: date | None, corrections: tuple[str, ...],
           certificate: Path | None, out: Path | None, as_json: bool, drafts: bool,
           key: str | None, db: str | None, register: Path | None, scheduler: str | None,
           workers: int | None) -> None:
    """Find every record that used STANDARD since a date, re-evaluate it with the
    standard's corrected value, and report which decisions change."""
    from metrolab.cluster import check_scheduler
    from metrolab.lab.audit_entries import log_assessment
    from metrolab.lab.impact import ImpactRequest, assess_impact, records_in_window
    from metrolab.lab.report import write_report
    from metrolab.store.signing import load_signing_key

    check_scheduler(scheduler)
    signer = load_signing_key(key) if key else None
    with _opened(db, register, scheduler) as (opened, settings):
        _sync_quietly(opened, settings)
        found, source = _corrections(corrections, certificate, standard, opened)
        request = ImpactRequest(standard, since, found, source, until)
        entries = records_in_window(opened, request)
        if not entries:
            raise UserInputError(f"impact: no catalogued record used standard {standard} "
                                 f"from {since}; check the ID with `metrolab records "
                                 f"--standard {standard}` (catalogue {opened.url_shown})")
        with _progress(len(entries), "re-evaluating records", not as_json) as step:
            report = assess_impact(opened, request, scheduler=settings.scheduler,
                                   workers=workers, progress=step, entries=entries)
    folder = out or Path(f"impact-{standard}-{datetime.now(UTC):%Y%m%d}")
    files = write_report(report, folder, drafts=drafts)
    logged, problems = log_assessment(report, files.json, signer)
    data = report.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        _print_summary(data, files, logged)
    for problem in problems:
        click.echo(f"audit log not written: {problem}", err=True)
    if report.unevaluable:
        names = ", ".join(a.entry.record_id for a in report.unevaluable[:5])
        more = f" and {len(report.unevaluable) - 5} more" if len(report.unevaluable) > 5 else ""
        click.echo(f"{len(report.unevaluable)} record(s) could not be re-evaluated ({names}"
                   f"{more}); the report says why for each", err=True)
    if problems or report.unevaluable:
        sys.exit(1)


def _print_summary(data: dict[str, Any], files: Any, logged: int) -> None:
    summary = data["summary"]
    click.echo(f"standard {data['standard']} since {data['since']}: "
               f"{data['records_considered']} record(s) used it; {summary['affected']} "
               f"re-evaluated, {summary['with_changed_decisions']} with changed decisions "
               f"({summary['to_recall']} certificate(s) to recall), {summary['unaffected']} "
               f"used no corrected output, {summary['unevaluable']} could not be "
               "re-evaluated")
    for record in data["affected"]:
        for point in record["changed"]:
            click.echo(f"  {record['record_id']} {point['point_id']} ({point['phase']}): "
                       f"{point['change']} [{record['recommendation']}]")
    click.echo(f"report: {files.html}")
    click.echo(f"csv: {files.csv}")
    click.echo(f"json: {files.json}")
    if files.drafts:
        click.echo(f"amendment drafts: {len(files.drafts)} in {files.drafts[0].parent}")
    click.echo(f"audit entries: {logged}")


@click.group()
def fleet() -> None:
    """Simulated fleets of records, for tests, benchmarks and the demo."""


@fleet.command()
@click.argument("count", type=click.IntRange(1, 10_000_000), metavar="N")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the register, keys and records (records/YYYY-MM).")
@click.option("--standards", type=click.IntRange(1, 1000), default=3, show_default=True,
              help="Number of calibrators (standards) in the fleet.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulation.")
@_scheduler_options
def simulate(count: int, out: Path, standards: int, seed: int, scheduler: str | None,
             workers: int | None) -> None:
    """Write N simulated, sealed and signed records (several item models, K standards
    with overlapping validity, reviews, approvals, some amendments)."""
    from metrolab.lab.fleet import simulate_fleet
    from metrolab.lab.fleet_plan import plan_fleet

    months = len(plan_fleet(count, standards=standards, seed=seed).directories())
    with _progress(months, "writing months") as step:
        summary = simulate_fleet(count, out, standards=standards, seed=seed,
                                 scheduler=scheduler, workers=workers, progress=step)
    click.echo(f"{summary.records} record(s) in {len(summary.directories)} folder(s) under "
               f"{out / 'records'} in {summary.seconds:.1f} s")
    click.echo(f"register: {summary.register}")
    for standard in summary.standards:
        dates = ", ".join(c["calibration_date"] for c in standard["calibrations"])
        click.echo(f"standard {standard['register_id']} (serial {standard['serial']}): "
                   f"calibrated {dates}")
