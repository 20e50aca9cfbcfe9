"""The runner's commands: ``metrolab procedures``, ``run`` and ``resume``.

Expected failures are :class:`~metrolab.errors.MetrolabError`s: the ``metrolab``
entry point prints them as one line (exit 2 for bad input, 1 for an aborted run).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from metrolab.instrument import spec_sources
from metrolab.runner.config import RunConfig
from metrolab.runner.discovery import (
    BrokenEntryPointWarning,
    Procedure,
    discover_all,
    find_procedure,
)
from metrolab.runner.engine import RunContext, Runner, RunSettings, select_points
from metrolab.runner.errors import RunAborted, UserInputError
from metrolab.runner.instruments import check_roles, named_models
from metrolab.runner.lab import lab_folders
from metrolab.runner.lifecycle import RunInputs, RunResult, resume_run, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.progress import ListingReporter, ProgressReporter
from metrolab.runner.summary import print_result

if TYPE_CHECKING:
    from metrolab.store.signing import SigningKey


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise UserInputError(f"{option} {value!r}: expected NAME=VALUE")
        pairs[key.strip()] = rest.strip()
    return pairs


def _operator(answers: Path | None, yes: bool, name: str | None) -> Operator:
    loaded = Answers.load(answers) if answers is not None else Answers()
    if name:
        loaded = replace(loaded, operator=name)
    return Operator(loaded, yes=yes, interactive=sys.stdin.isatty() and not yes)


@click.command()
@click.option("--procedures", "procedures_dir", type=click.Path(path_type=Path),
              help="Also look for procedures (Python or TOML) in this folder.")
@click.option("--register", type=click.Path(path_type=Path),
              help="Register whose procedures key names the lab's procedure folder.")
@click.option("--check", "check_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Check one TOML procedure file: one FILE:LINE: problem line each.")
def procedures(procedures_dir: Path | None, register: Path | None,
               check_file: Path | None) -> None:
    """List the installed procedures and the instrument roles each needs."""
    if check_file is not None:
        _check(check_file)
        return
    folder = lab_folders(register, (), procedures_dir).procedures
    console = Console()
    with warnings.catch_warnings():  # listed below, with the procedures
        warnings.simplefilter("ignore", BrokenEntryPointWarning)
        found = discover_all(folder)
    for name, procedure in sorted(found.procedures.items()):
        console.print(procedure_listing(name, procedure))
    for broken in found.broken:
        console.print(Text(f"warning: {broken.describe()}", style="yellow"))


def _check(path: Path) -> None:
    """Check the TOML procedure ``path``: exit 0 when valid, 1 with one line per problem,
    2 when the file cannot be read."""
    from metrolab.runner.toml_procedure import check_file

    report = check_file(path)
    if report.unreadable:
        click.echo(report.lines()[0], err=True)
        sys.exit(2)
    if report.problems:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(f"{path}: a valid procedure ({report.summary})")


def procedure_listing(name: str, procedure: Procedure) -> Group:
    """Return what ``metrolab procedures`` shows of one procedure: name, version, points,
    source and title, then one row per role with the option that gives its instrument.

    Columns wrap instead of being cut, so it reads at 80 columns.
    """
    meta = procedure.metadata
    roles = Table(box=None, show_header=True, padding=(0, 1), pad_edge=False)
    for column in ("role", "give it with", "instrument (models)"):
        roles.add_column(column, overflow="fold")
    for role, spec in meta.instruments.items():
        option = "--dut RESOURCE" if role == "dut" else f"--standard {role}=RESOURCE"
        if not spec.required:
            option += " (optional)"
        roles.add_row(role, option, f"{spec.description} ({', '.join(spec.drivers)})")
    if "dut" not in meta.instruments:
        roles.add_row("item", "--item MAKER,MODEL,SERIAL",
                      f"the item calibrated ({', '.join(meta.dut_models)})")
    heading = Text.assemble((name, "bold"), f"  version {meta.version}, "
                            f"{len(procedure.points)} points, {procedure.source}")
    return Group(heading, Padding(Group(Text(meta.title), roles), (0, 0, 1, 2)))


@click.command()
@click.argument("procedure")
@click.option("--dut", help="Resource of the device under test.")
@click.option("--standard", "standards", multiple=True, metavar="ROLE=RESOURCE",
              help="Resource of a standard or the environment monitor (repeat).")
@click.option("--register", type=click.Path(path_type=Path),
              help="Register of standards (TOML, see docs/procedures.md).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Folder for the journal and the sealed record.")
@click.option("--answers", type=click.Path(path_type=Path),
              help="Answers file (TOML or JSON) for unattended runs.")
@click.option("--yes", is_flag=True, help="Confirm every prompt; take defaults for questions.")
@click.option("--dry-run", is_flag=True, help="List every step and point; touch no instrument.")
@click.option("--procedures", "procedures_dir", type=click.Path(path_type=Path),
              help="Also look for procedures (Python or TOML) in this folder.")
@click.option("--specs", "specs_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="The lab's own specification tables (repeat; first wins).")
@click.option("--readings", type=click.IntRange(2, 10000), help="Readings per point.")
@click.option("--rule", type=click.Choice(["simple", "guarded"]), default="simple",
              show_default=True, help="Decision rule (ILAC-G8).")
@click.option("--guard", default="u", show_default=True,
              help="Guard band method for --rule guarded: u, rss, rp10 or dobbert.")
@click.option("--min-tur", type=click.FloatRange(min=0.0, min_open=True), default=4.0,
              show_default=True,
              help="The lab's minimum TUR: points below it are flagged before the run.")
@click.option("--low-tur", type=click.Choice(["flag", "refuse"]), default="flag",
              show_default=True,
              help="Points below --min-tur: measure them with the flag recorded, or refuse them.")
@click.option("--adjust", is_flag=True, help="Adjust after as-found and measure as-left.")
@click.option("--points", "points", multiple=True, metavar="GLOB",
              help="Only the points whose id matches, e.g. 'DCV-*' (repeat).")
@click.option("--override", "overrides", multiple=True, metavar="ID=REASON",
              help="Use an expired standard, recording the reason (repeat).")
@click.option("--operator", "operator_name", help="Operator name for the record.")
@click.option("--customer", "customer_name", metavar="NAME",
              help="Customer the item is calibrated for (or [customer] in the answers file).")
@click.option("--item", "item", metavar="MANUFACTURER,MODEL,SERIAL[,DESCRIPTION]",
              help="The item calibrated as its nameplate says (needed for a sensor).")
@click.option("--asset", help="The lab's asset number of the item.")
@click.option("--received", metavar="YYYY-MM-DD", help="The date the item was received.")
@click.option("--condition", metavar="TEXT",
              help="The item's condition on receipt, e.g. 'no visible damage'.")
@click.option("--virtual-clock", is_flag=True,
              help="Run waits on a virtual clock (simulators sharing it only; see --simulate).")
@click.option("--timeout", "timeout_s", type=float, default=5.0, show_default=True,
              help="Instrument I/O timeout in seconds.")
@click.option("--key", default=None, metavar="NAME|FILE",
              help="Sign the sealed record with this key (`metrolab keys new`).")
@click.option("--simulate", is_flag=True,
              help="Rehearse on simulated instruments for every role (virtual clock).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="With --simulate: seed of the simulated bench's noise.")
@click.option("--dut-error", "dut_errors", multiple=True, metavar="SPEC",
              help='With --simulate: inject a DUT error, e.g. "DCV 10V gain=+60ppm".')
def run(procedure: str, dut: str | None, standards: tuple[str, ...], register: Path | None,
        out_dir: Path, answers: Path | None, yes: bool, dry_run: bool,
        procedures_dir: Path | None, specs_dirs: tuple[Path, ...], readings: int | None,
        rule: str, guard: str, min_tur: float, low_tur: str, adjust: bool,
        points: tuple[str, ...], overrides: tuple[str, ...],
        operator_name: str | None, customer_name: str | None, item: str | None,
        asset: str | None, received: str | None, condition: str | None,
        virtual_clock: bool, timeout_s: float, key: str | None,
        simulate: bool, seed: int, dut_errors: tuple[str, ...]) -> None:
    """Run PROCEDURE (a name, or a TOML procedure file) against the DUT and the
    standards, or rehearse it with --simulate."""
    resources = {"dut": dut} if dut else {}
    resources.update(_pairs(standards, "--standard"))
    if simulate:
        _refuse_with_simulate(resources, register, virtual_clock)
    elif dut_errors or seed:
        raise UserInputError("--seed and --dut-error only apply to simulated instruments: "
                             "add --simulate")
    lab = lab_folders(register, specs_dirs, procedures_dir)
    found = find_procedure(procedure, lab.procedures)
    item_identity = {**_item(item), **({"asset": asset.strip()} if asset else {}),
                     **_receipt(received, condition)}
    settings = RunSettings(readings=readings or found.metadata.readings_per_point, rule=rule,
                           guard=guard if rule == "guarded" else None, adjust=adjust,
                           points=points, min_tur=min_tur, low_tur=low_tur)
    check_roles(found, resources, complete=False)
    select_points(found, points)
    console = Console(stderr=True)
    if dry_run:
        with spec_sources.lab_specs(lab.specs):
            _dry_run(found, settings, console, resources)
        return
    operator = _operator(answers, yes, operator_name)
    config = RunConfig(procedure=procedure, resources=resources, out_dir=str(out_dir),
                       register=str(register) if register else None,
                       procedures_dir=str(lab.procedures) if lab.procedures else None,
                       specs_dirs=tuple(str(f) for f in lab.specs),
                       settings=settings, virtual_clock=virtual_clock, timeout_s=timeout_s,
                       customer=_customer(operator.answers.customer, customer_name),
                       item=item_identity)
    all_overrides = {**operator.answers.overrides, **_pairs(overrides, "--override")}
    inputs = RunInputs(operator, ProgressReporter(console), overrides=all_overrides,
                       sealer=_sealer(key))
    if simulate:
        _finish(_simulated_run(found, config, inputs, seed, dut_errors))
    else:
        _finish(start_run(config, inputs))


def _refuse_with_simulate(resources: Mapping[str, str], register: Path | None,
                          virtual_clock: bool) -> None:
    """Refuse options that name real instruments or their register next to ``--simulate``."""
    clash = [option for option, given in (("--dut/--standard", bool(resources)),
                                          ("--register", register is not None),
                                          ("--virtual-clock", virtual_clock)) if given]
    if clash:
        raise UserInputError(f"--simulate serves its own instruments, register and virtual "
                             f"clock: leave out {', '.join(clash)}")


def _simulated_run(procedure: Procedure, config: RunConfig, inputs: RunInputs, seed: int,
                   dut_errors: tuple[str, ...]) -> RunResult:
    """Run ``config`` against simulators of every role on one virtual clock; return the result."""
    from metrolab.demo.simulation import SimulationOptions, simulate

    roles = procedure.metadata.instruments
    with simulate(procedure, SimulationOptions(seed, dut_errors)) as simulation:
        register = simulation.write_register(
            Path(config.out_dir), [r for r, spec in roles.items()
                                   if spec.kind in ("standard", "environment")])
        simulated = replace(config, resources=simulation.resources, register=str(register),
                            virtual_clock=True, simulation=simulation.record())
        inputs.reporter.note("[bold yellow]SIMULATED[/]: every instrument is a simulator on "
                             "a virtual clock; the record and certificate say so")
        return start_run(simulated, replace(inputs, clock=simulation.clock,
                                            manual=simulation.apply))


def _sealer(key: str | None) -> SigningKey | None:
    """Return the signing key named by ``--key`` (loaded before any instrument is touched)."""
    from metrolab.store.signing import load_signing_key

    return load_signing_key(key) if key else None


def _customer(answered: Mapping[str, str], name: str | None) -> dict[str, str]:
    """Return the customer of the answers file, its name replaced by ``--customer`` if given."""
    customer = dict(answered)
    if name is not None:
        if not name.strip():
            raise UserInputError("--customer: give the customer's name")
        customer["name"] = name.strip()
    return customer


def _item(text: str | None) -> dict[str, str]:
    if text is None:
        return {}
    fields = [f.strip() for f in text.split(",", 3)]
    if len(fields) < 3 or not all(fields[:3]):
        raise UserInputError(f"--item {text!r}: expected MANUFACTURER,MODEL,SERIAL[,DESCRIPTION]")
    return dict(zip(("manufacturer", "model", "serial", "description"), fields, strict=False))


def _receipt(received: str | None, condition: str | None) -> dict[str, str]:
    """Return the item's ``received`` date and ``condition`` as given (checked)."""
    given: dict[str, str] = {}
    if received is not None:
        try:
            given["received"] = date.fromisoformat(received.strip()).isoformat()
        except ValueError:
            raise UserInputError(f"--received {received!r}: give the date the item was "
                                 "received as YYYY-MM-DD") from None
    if condition is not None:
        if not condition.strip():
            raise UserInputError("--condition: describe the item's condition on receipt")
        given["condition"] = condition.strip()
    return given


def _dry_run(procedure: Procedure, settings: RunSettings, console: Console,
             resources: Mapping[str, str]) -> None:
    from metrolab.clock import VirtualClock

    roles = procedure.metadata.instruments
    models = named_models(procedure, resources)
    drivers = {role: spec.drivers[models[role]] for role, spec in roles.items()}
    clock = VirtualClock()
    context = RunContext("as_found", settings, drivers, models, clock, dry_run=True)
    select_points(procedure, settings.points, context)
    runner = Runner(procedure, clock=clock, operator=Operator(yes=True, interactive=False),
                    reporter=ListingReporter(Console()), settings=settings, context=context)
    runner.execute()
    console.print(f"dry run of {procedure.metadata.name} {procedure.metadata.version}: "
                  f"{len(runner.work())} points listed, nothing measured")


def _finish(result: RunResult) -> None:
    print_result(result, Console())
    if result.status.status != "completed":
        raise RunAborted(f"run {result.run_id} did not complete: {result.status.reason}; its "
                         f"record is sealed as aborted: {result.record}")


@click.command()
@click.argument("journal", type=click.Path(path_type=Path))
@click.option("--answers", type=click.Path(path_type=Path),
              help="Answers file (TOML or JSON) for the rest of the run.")
@click.option("--yes", is_flag=True, help="Confirm every prompt; take defaults for questions.")
@click.option("--operator", "operator_name", help="Operator name for the record.")
@click.option("--override", "overrides", multiple=True, metavar="ID=REASON",
              help="Use a standard that fell due since the run started, recording the reason.")
@click.option("--key", default=None, metavar="NAME|FILE",
              help="Sign the sealed record with this key (`metrolab keys new`).")
def resume(journal: Path, answers: Path | None, yes: bool, operator_name: str | None,
           overrides: tuple[str, ...], key: str | None) -> None:
    """Go on with the run of JOURNAL after a crash, at its first incomplete point."""
    if not journal.is_file():
        raise UserInputError(f"journal {journal}: no such file")
    operator = _operator(answers, yes, operator_name)
    inputs = RunInputs(operator, ProgressReporter(Console(stderr=True)),
                       overrides={**operator.answers.overrides, **_pairs(overrides, "--override")},
                       sealer=_sealer(key))
    _finish(resume_run(journal, inputs))


__all__ = ["procedures", "resume", "run"]
