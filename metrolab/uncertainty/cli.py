"""``metrolab uncertainty MODEL.toml``: evaluate a model file, print a budget or JSON."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pint

from metrolab.cli_command import OneLineErrorCommand
from metrolab.errors import UserInputError
from metrolab.uncertainty.errors import (
    ModelEvaluationError,
    UncertaintyComputationError,
    UncertaintyInputError,
)

if TYPE_CHECKING:
    from metrolab.uncertainty.distributed import DistributedMcResult
from metrolab.uncertainty.gum import GumResult, check_coverage, evaluate_gum
from metrolab.uncertainty.modelfile import MAX_FILE_BYTES, MAX_SEED, ModelSpec, parse_model_bytes
from metrolab.uncertainty.montecarlo import McResult, evaluate_mc, expanded_from_interval
from metrolab.uncertainty.results import plain
from metrolab.uncertainty.trials import MAX_TRIALS, check_enough_trials, parse_trials
from metrolab.units import Quantity


def report(
    spec: ModelSpec, method: str, trials: int | str, seed: int | None, coverage: float,
    monte_carlo: Callable[[int | str, int | None, float], DistributedMcResult] | None = None,
) -> dict[str, Any]:
    """Return the JSON-safe report of evaluating ``spec`` (the shape ``--json`` prints).

    ``method`` is ``gum``, ``mc`` or ``both``; with ``both`` the top-level value and
    interval are the GUM ones. The budget is always the first-order GUM budget.
    ``monte_carlo(trials, seed, coverage)``, when given, runs the Monte Carlo instead of
    this process (``--scheduler``: :mod:`metrolab.uncertainty.distributed`).
    """
    second_order = spec.settings.second_order
    gum = evaluate_gum(
        spec.model,
        spec.inputs,
        correlations=spec.correlations or None,
        coverage=coverage,
        output_units=spec.output_units,
        second_order=second_order,
    )
    mc: McResult | DistributedMcResult | None = None
    if method in ("mc", "both") and monte_carlo is not None:
        mc = monte_carlo(trials, seed, coverage)
    elif method in ("mc", "both"):
        mc = evaluate_mc(
            spec.model,
            spec.inputs,
            correlations=spec.correlations or None,
            coverage=coverage,
            trials=trials,
            seed=seed,
            output_units=spec.output_units,
            ndig=spec.settings.ndig,
        )
    outputs: dict[str, Any] = {}
    gum_dict = gum.to_dict()
    for i, name in enumerate(gum.output_names):
        entry = _gum_entry(gum, i) if method != "mc" else _mc_entry(mc, i)  # type: ignore[arg-type]
        entry["unit"] = gum_dict["outputs"][name]["unit"]
        if mc is not None:
            entry["mc"] = {
                "value": plain(mc.values[i]),
                "u": plain(mc.u[i]),
                "interval_symmetric": plain(mc.interval_symmetric[i]),
                "interval_shortest": plain(mc.interval_shortest[i]),
                "trials": mc.trials,
                "seed": mc.seed,
                "converged": mc.converged,
                "unstable": list(mc.unstable),
            }
        outputs[name] = entry
    data: dict[str, Any] = {
        "title": spec.title,
        "method": method,
        "outputs": outputs,
        "budget": gum_dict["budget"],
        "settings": gum_dict["settings"],
        "model": gum_dict["model"],
        "inputs": gum_dict["inputs"],
        "correlations": gum_dict["correlations"],
    }
    if len(gum.output_names) > 1:
        source = mc if method == "mc" and mc is not None else gum
        data["correlation"] = {"names": list(gum.output_names), "matrix": plain(source.correlation)}
    if mc is not None:
        data["mc_settings"] = {**mc.settings, "seed": mc.seed, "adaptive": mc.adaptive}
    return data


def _gum_entry(gum: GumResult, i: int) -> dict[str, Any]:
    value, U = float(gum.values[i]), float(gum.U[i])
    dof = float(gum.dof[i])
    return {
        "value": value,
        "u": float(gum.u[i]),
        "dof": None if math.isinf(dof) else dof,
        "k": float(gum.k[i]),
        "U": U,
        "coverage": gum.coverage,
        "interval": [value - U, value + U],
    }


def _mc_entry(mc: McResult | DistributedMcResult, i: int) -> dict[str, Any]:
    lo, hi = (float(v) for v in mc.interval_symmetric[i])
    u = float(mc.u[i])
    half, k = expanded_from_interval(lo, hi, u)
    return {
        "value": float(mc.values[i]),
        "u": u,
        "dof": None,
        "k": k,
        "U": half,
        "coverage": mc.coverage,
        "interval": [lo, hi],
    }


def _to_place_of(u: float) -> Callable[[float], str]:
    """Return a formatter of numbers to the decimal place of the third significant digit
    of ``u`` (GUM 7.2.6 rounds to two; the table shows one more), %g when u is 0, and in
    e-notation ending at that place when it lies above the units (u >= 1000)."""
    if not u > 0 or not math.isfinite(u):
        return lambda x: f"{x:.6g}"
    last = math.floor(math.log10(u)) - 2  # the power of ten of u's third digit
    if last <= 0:
        return lambda x: f"{x:.{-last}f}"

    def scientific(x: float) -> str:
        """Return x in e-notation, ending at the power of ten of u's third digit."""
        lead = math.floor(math.log10(abs(x))) if x != 0 and math.isfinite(x) else last
        return f"{x:.{max(lead - last, 0)}e}"

    return scientific


def _print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text  # names, units and titles are text, never console markup

    console = Console()
    if not console.is_terminal:  # a pipe or a file: wide enough that no column is cut
        console = Console(width=160)
    results = Table(title=Text(data.get("title") or "Result"))
    for column in ("output", "value", "u", "dof", "k", "U", "interval", "unit"):
        results.add_column(column, justify="right" if column not in ("output", "unit") else "left")
    for name, out in data["outputs"].items():
        dof = dof_text(out["dof"])
        k = "-" if out["k"] is None else f"{out['k']:.3f}"
        lo, hi = out["interval"]
        fixed = _to_place_of(out["u"])  # value, U and interval to the same decimal place
        results.add_row(
            Text(name),
            fixed(out["value"]),
            f"{out['u']:.3g}",
            dof,
            k,
            fixed(out["U"]),
            f"[{fixed(lo)}, {fixed(hi)}]",
            Text(out["unit"]),
        )
        if "mc" in out:
            mc = out["mc"]
            s_lo, s_hi = mc["interval_shortest"]
            results.add_row(
                Text(f"{name} (MC, {mc['trials']} trials)"),
                fixed(mc["value"]),
                f"{mc['u']:.3g}",
                "",
                "",
                "",
                f"[{fixed(s_lo)}, {fixed(s_hi)}] shortest",
                Text(out["unit"]),
            )
    console.print(results)
    console.print(budget_table(data))
    if "mc_settings" in data:
        console.print(f"Monte Carlo seed: {data['mc_settings']['seed']}")


#: degrees of freedom above this print as ∞: the coverage factor for 95 % then equals the
#: normal one to four digits (t at 10⁴ dof: 1.9602, normal: 1.9600)
DOF_SHOWN_INFINITE = 1e4


def dof_text(dof: float | None) -> str:
    """Return degrees of freedom as printed: the integer below (GUM G.6.4), ``∞`` when infinite
    or above :data:`DOF_SHOWN_INFINITE`."""
    if dof is None or not math.isfinite(dof) or dof > DOF_SHOWN_INFINITE:
        return "∞"
    return f"{math.floor(dof)}"


def budget_cells(row: dict[str, Any], output_unit: str) -> tuple[str, str, str, str]:
    """Return (u(x), sensitivity, contribution, value) of one budget row as text with units.

    u(x) is shown in the output's unit when the input has its dimension, so it stands in
    the same unit as the contribution |c|·u(x) (5 µV beside 5 µV, not 5e-06 V beside 5);
    the sensitivity is then in output unit per that unit and prints as a plain number
    when that is dimensionless (1, not 1e+06 µV/V).
    """
    unit, out_unit = row["unit"] or "dimensionless", output_unit or "dimensionless"
    try:
        value = Quantity(row["value"], unit)
        given = Quantity(row["u"], unit)
        same = given.check(Quantity(1.0, out_unit).dimensionality)
        u = given.to(out_unit) if same else given.to_compact()
        sensitivity = Quantity(row["sensitivity"], f"({out_unit}) / ({unit})")
        contribution = Quantity(row["contribution"], out_unit)
    except (pint.errors.PintError, ValueError):  # units pint cannot combine: plain numbers
        return (f"{row['u']:.3g} {row['unit']}", f"{row['sensitivity']:.4g}",
                f"{row['contribution']:.3g} {output_unit}", f"{row['value']:.6g} {row['unit']}")
    if sensitivity.dimensionless:
        sensitivity_text = f"{sensitivity.to('dimensionless').magnitude:.4g}"
    else:
        sensitivity_text = f"{sensitivity:.4g~P}"
    shown = contribution.to(u.units) if same else contribution.to_compact()
    return (f"{u:.3g~P}", sensitivity_text, f"{shown:.3g~P}", f"{value:.6g~P}")


def budget_table(data: dict[str, Any]) -> Any:
    """Return the rich table of the first-order GUM budget of ``report()`` data."""
    from rich.table import Table
    from rich.text import Text

    budget = Table(title="Uncertainty budget (GUM, first order)",
                   caption=f"dof above {DOF_SHOWN_INFINITE:g} shown as ∞; c·u = |sensitivity| × u")
    for column in ("output", "input", "value", "u(x)", "distribution", "dof", "sensitivity",
                   "c·u", "share"):
        budget.add_column(column, justify="left" if column in ("output", "input",
                                                               "distribution") else "right")
    for row in data["budget"]:
        u, sensitivity, contribution, value = budget_cells(
            row, data["outputs"][row["output"]]["unit"])
        budget.add_row(Text(row["output"]), Text(row["input"]), value, u,
                       Text(row["distribution"]),
                       dof_text(row["dof"]), sensitivity, contribution,
                       f"{100 * row['share']:.1f} %")
    return budget


@click.command("uncertainty", cls=OneLineErrorCommand)
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    type=click.Choice(["gum", "mc", "both"]),
    default=None,
    help="GUM propagation, Monte Carlo (JCGM 101), or both [settings.method or gum].",
)
@click.option(
    "--trials",
    default=None,
    help=f"Monte Carlo trials (at most {MAX_TRIALS:,}), or 'adaptive' (JCGM 101 7.9).",
)
@click.option("--seed", type=int, default=None, help="Random seed (recorded in the output).")
@click.option("--coverage", type=float, default=None, help="Coverage probability [0.95].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Split the Monte Carlo over Dask: a cluster's scheduler, or processes "
                   "(this machine's cores).")
@click.option("--workers", type=click.IntRange(1, 512), default=None,
              help="With --scheduler processes: how many (default: one per core).")
def uncertainty(
    model_file: Path,
    method: str | None,
    trials: str | None,
    seed: int | None,
    coverage: float | None,
    as_json: bool,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Evaluate the measurement model in MODEL_FILE (TOML; see docs/uncertainty.md)."""
    monte_carlo = None
    if scheduler is not None:
        monte_carlo = _distributed(model_file, scheduler, workers, method)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = _evaluate(model_file, method, trials, seed, coverage, monte_carlo)
    if as_json:
        try:
            click.echo(json.dumps(data, allow_nan=False))
        except ValueError as exc:  # a NaN or infinity the engine let through: a bug
            raise UncertaintyComputationError(
                f"{model_file}: the result holds a number JSON cannot carry ({exc})"
            ) from exc
    else:
        _print_table(data)
    shown: set[str] = set()
    for warning in caught:  # only after a result: an error is one line and nothing else
        text = " ".join(str(warning.message).split())
        if text not in shown:
            shown.add(text)
            click.echo(f"warning: {model_file}: {text}", err=True)


def _evaluate(
    model_file: Path,
    method: str | None,
    trials: str | None,
    seed: int | None,
    coverage: float | None,
    monte_carlo: Callable[[int | str, int | None, float], DistributedMcResult] | None = None,
) -> dict[str, Any]:
    """Return the report of MODEL_FILE with the options given (None: the file's settings);
    ``monte_carlo`` runs the Monte Carlo elsewhere (``--scheduler``)."""
    spec = parse_model_bytes(_read(model_file), str(model_file))
    settings = spec.settings
    chosen_method = method or settings.method or "gum"
    chosen_trials = parse_trials(trials, "--trials") if trials is not None else settings.trials
    chosen_seed = seed if seed is not None else settings.seed
    if chosen_seed is not None and not 0 <= chosen_seed <= MAX_SEED:
        raise UserInputError(f"--seed {chosen_seed}: give a whole number from 0 to {MAX_SEED}")
    chosen_coverage = coverage if coverage is not None else settings.coverage or 0.95
    try:
        check_coverage(chosen_coverage)
    except UncertaintyInputError as exc:
        raise UncertaintyInputError(f"--coverage: {exc}") from None
    chosen_trials = 1_000_000 if chosen_trials is None else chosen_trials
    if chosen_method != "gum":
        source = "--trials" if trials is not None else f"{model_file}: settings.trials"
        check_enough_trials(chosen_trials, chosen_coverage, source)
    try:
        data = report(spec, chosen_method, chosen_trials, chosen_seed, chosen_coverage,
                      monte_carlo)
    except UncertaintyComputationError as exc:
        raise ModelEvaluationError(f"{model_file}: {exc}") from exc
    except UncertaintyInputError as exc:
        raise UncertaintyInputError(f"{model_file}: {exc}") from exc
    where = _not_finite(data["outputs"], "outputs") or _not_finite(data["budget"], "budget")
    if where:
        raise ModelEvaluationError(
            f"{model_file}: {where} is not a finite number: the values are beyond what double "
            "precision carries through the evaluation (rescale the inputs, e.g. another unit)"
        )
    return data


def _not_finite(value: Any, where: str) -> str | None:
    """Return the place of the first NaN or infinity in the plain data ``value``, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} = {value}"
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _not_finite(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found:
            return found
    return None


def _read(model_file: Path) -> bytes:
    """Return the bytes of MODEL_FILE, reading no more than a model file may hold."""
    try:
        with model_file.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserInputError(f"{model_file}: cannot read the model file: {reason}") from exc


def _distributed(model_file: Path, scheduler: str, workers: int | None, method: str | None
                 ) -> Callable[[int | str, int | None, float], DistributedMcResult]:
    """Return the runner of a Monte Carlo of MODEL_FILE split over Dask (``--scheduler``)."""
    from functools import partial

    from metrolab.cluster import check_scheduler, require_dask, run_map
    from metrolab.uncertainty.distributed import evaluate_mc_distributed

    address = check_scheduler(scheduler)
    source = str(model_file)
    raw = _read(model_file)
    spec = parse_model_bytes(raw, source)  # refuses what the evaluation would refuse
    text = raw.decode("utf-8")
    if (method or spec.settings.method or "gum") == "gum":
        raise UserInputError("--scheduler splits the Monte Carlo: give --method mc or both")
    if address != "loop":
        require_dask("--scheduler")
    mapper = partial(run_map, scheduler=address, workers=workers)

    def run(trials: int | str, seed: int | None, coverage: float) -> DistributedMcResult:
        if not isinstance(trials, int):
            raise UserInputError("--scheduler needs a number of trials (--trials N), not "
                                 "'adaptive'")
        return evaluate_mc_distributed(text, source, trials=trials, seed=seed,
                                       coverage=coverage, mapper=mapper,
                                       scheduler=str(address))

    return run
