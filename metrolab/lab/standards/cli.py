"""``metrolab register``: import the DCCs and records of the lab's standards, show their state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import pint
from rich.console import Console
from rich.table import Table

from metrolab.errors import UserInputError
from metrolab.lab.standards.chart import FORMATS, write_chart
from metrolab.lab.standards.dcc_read import read_dcc
from metrolab.lab.standards.dcc_schemas import SCHEMAS_ENV, validate_dcc_file
from metrolab.lab.standards.records import read_record
from metrolab.lab.standards.register_update import Entered, enter_calibration, find_standard
from metrolab.lab.standards.status import StandardStatus, register_status
from metrolab.runner.register import Register
from metrolab.units import Quantity

_REGISTER = click.option("--register", "register_path", type=click.Path(path_type=Path),
                         default=Path("register.toml"), show_default=True,
                         help="The register of standards (TOML).")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UserInputError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from exc


def _nominal(text: str | None) -> pint.Quantity | None:
    if text is None:
        return None
    try:
        value: pint.Quantity = Quantity(text)
    except (pint.errors.PintError, ValueError, AttributeError, TypeError) as exc:
        raise UserInputError(f"--nominal {text!r} is not a quantity (e.g. '10 kohm')") from exc
    if not isinstance(value, Quantity) or value.dimensionless:
        raise UserInputError(f"--nominal {text!r} needs a unit (e.g. '10 kohm')")
    return value


@click.group()
def register() -> None:
    """The lab's standards: import their DCCs and records, show due dates, drift, intervals."""


def _report(entered: Entered, what: str, validation: str) -> None:
    c = entered.calibration
    click.echo(f"{what}: certificate {c.certificate_id} of {c.calibration_date.isoformat()}"
               f" ({c.issuer or 'issuer not stated'}"
               + (f", accreditation {c.accreditation}" if c.accreditation else "") + ")")
    click.echo(f"  {validation}; SHA-256 {c.certificate_sha256}")
    click.echo(f"  {len(c.points)} point(s) entered for standard {entered.standard_id}"
               + (f", kept as {c.certificate_file}" if c.certificate_file else ""))
    if entered.current:
        click.echo(f"  now its current certificate; due {entered.due_date.isoformat()}")
    else:
        click.echo("  older than its current certificate: entered into its history only")


@register.command("import-dcc")
@click.argument("certificate", type=click.Path(path_type=Path))
@click.option("--standard", "standard_id", help="Register id of the standard (default: "
              "the one whose model and serial the DCC names).")
@_REGISTER
@click.option("--due", help="Due date to set (default: keep the standard's interval).")
@click.option("--nominal", help="Nominal value for a DCC that states only values ('1 kg').")
@click.option("--schemas", type=click.Path(path_type=Path, file_okay=False),
              help=f"Folder of further DCC XSDs (shared/schemas/dcc layout; or ${SCHEMAS_ENV}).")
def import_dcc(certificate: Path, standard_id: str | None, register_path: Path,
               due: str | None, nominal: str | None, schemas: Path | None) -> None:
    """Validate the DCC CERTIFICATE and enter its calibration into the register."""
    due_date, value = _day(due, "--due"), _nominal(nominal)
    registered = Register.load(register_path)
    validated = validate_dcc_file(certificate, schemas)
    imported = read_dcc(validated, value)
    standard = find_standard(registered, standard_id, imported.item.model,
                             imported.item.serial, f"DCC {certificate}")
    entered = enter_calibration(register_path, standard, imported.calibration(), certificate,
                                due_date)
    _report(entered, f"imported {certificate}", validated.validation)


@register.command("import-record")
@click.argument("record", type=click.Path(path_type=Path))
@click.option("--standard", "standard_id", help="Register id of the standard (default: "
              "the one whose model and serial the record's item has).")
@_REGISTER
@click.option("--due", help="Due date to set (default: keep the standard's interval).")
def import_record(record: Path, standard_id: str | None, register_path: Path,
                  due: str | None) -> None:
    """Enter the lab's own calibration of a standard (an approved sealed RECORD)."""
    due_date = _day(due, "--due")
    registered = Register.load(register_path)
    calibration, item = read_record(record)
    standard = find_standard(registered, standard_id, item.model, item.serial,
                             f"record {record}")
    entered = enter_calibration(register_path, standard, calibration, None, due_date)
    _report(entered, f"imported {record}", "record verified and approved")


def _months(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} mo"


def _table(rows: list[StandardStatus]) -> Table:
    table = Table(title=f"Standards on {rows[0].on.isoformat()}" if rows else "Standards")
    for name in ("standard", "certificate", "due", "run gate", "values in budgets", "drift",
                 "interval: control chart", "interval: simple response (model)", "flags"):
        table.add_column(name, overflow="fold")
    for row in rows:
        s, rec = row.standard, row.recommendation
        chart = _months(rec.control_chart_months) + (
            f" ({rec.limiting_point})" if rec.limiting_point else f": {rec.control_chart_note}")
        response = _months(rec.simple_response_months) + f": {rec.simple_response_note}"
        flags = ""
        if rec.leaves_spec_on is not None:
            when = rec.leaves_spec_on.isoformat()
            flags = (f"PREDICTED OUT OF SPEC {when}, before due" if rec.before_due
                     else f"predicted out of spec {when}")
        table.add_row(f"{s.id}\n{s.manufacturer} {s.model} {s.serial}",
                      f"{s.certificate_id}\n{s.calibration_date.isoformat()}",
                      f"{s.due_date.isoformat()}\n({row.days_left} d)",
                      row.gate, row.values, row.drift, chart, response, flags)
    return table


@register.command("status")
@_REGISTER
@click.option("--on", "on_text", help="Evaluate as of this day (default: today).")
@click.option("--charts", type=click.Path(path_type=Path, file_okay=False),
              help="Write one chart per standard into this folder.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="svg",
              show_default=True, help="Chart file format.")
def status(register_path: Path, on_text: str | None, charts: Path | None, fmt: str) -> None:
    """Due dates, run gates, drift and recommended intervals of every standard."""
    on = _day(on_text, "--on") or date.today()
    rows = register_status(Register.load(register_path), on)
    Console(width=200).print(_table(rows))
    if charts is not None:
        for row in rows:
            path = write_chart(row, charts, fmt)
            if path is not None:
                click.echo(f"chart: {path}")
    blocked = [r.standard.id for r in rows if r.blocked]
    if blocked:
        click.echo(f"{len(blocked)} standard(s) would stop a run: {', '.join(blocked)}")
