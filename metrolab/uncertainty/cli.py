"""``metrolab uncertainty MODEL.toml``: evaluate a model file, print a budget or JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pint

from metrolab.errors import UserInputError
from metrolab.uncertainty.errors import UncertaintyInputError

if TYPE_CHECKING:
    from metrolab.uncertainty.distributed import DistributedMcResult
from metrolab.uncertainty.gum import GumResult, evaluate_gum
from metrolab.uncertainty.modelfile import ModelSpec, parse_model_text
from metrolab.uncertainty.montecarlo import McResult, evaluate_mc
from metrolab.uncertainty.results import plain
from metrolab.units import Quantity


def _trials(text: str | int) -> int | str:
    """Return a number of trials or ``"adaptive"`` from an option or setting."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    elif str(text).strip().lower() == "adaptive":
        return "adaptive"
    else:
        try:
            value = int(float(str(text)))
        except ValueError:
            raise UserInputError(
                f"--trials: expected a number or 'adaptive', got {text!r}"
            ) from None
    if value < 2:
        raise UserInputError(f"--trials: need at least 2 trials, got {value}")
    return value


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
    second_order = bool(spec.settings.get("second_order", False))
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
            ndig=int(spec.settings.get("ndig", 2)),
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
    half = 0.5 * (hi - lo)
    return {
        "value": float(mc.values[i]),
        "u": u,
        "dof": None,
        "k": half / u if u > 0 else None,
        "U": half,
        "coverage": mc.coverage,
        "interval": [lo, hi],
    }


def _to_place_of(u: float) -> Callable[[float], str]:
    """Return a formatter of numbers to the decimal place of the third significant digit
    of ``u`` (GUM 7.2.6 rounds to two; the table shows one more), %g when u is 0."""
    if not u > 0 or not math.isfinite(u):
        return lambda x: f"{x:.6g}"
    places = max(0, 2 - math.floor(math.log10(u)))
    return lambda x: f"{x:.{places}f}"


def _print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # a pipe or a file: wide enough that no column is cut
        console = Console(width=160)
    results = Table(title=data.get("title") or "Result")
    for column in ("output", "value", "u", "dof", "k", "U", "interval", "unit"):
        results.add_column(column, justify="right" if column not in ("output", "unit") else "left")
    for name, out in data["outputs"].items():
        dof = dof_text(out["dof"])
        k = "-" if out["k"] is None else f"{out['k']:.3f}"
        lo, hi = out["interval"]
        fixed = _to_place_of(out["u"])  # value, U and interval to the same decimal place
        results.add_row(
            name,
            fixed(out["value"]),
            f"{out['u']:.3g}",
            dof,
            k,
            fixed(out["U"]),
            f"[{fixed(lo)}, {fixed(hi)}]",
            out["unit"],
        )
        if "mc" in out:
            mc = out["mc"]
            s_lo, s_hi = mc["interval_shortest"]
            results.add_row(
                f"{name} (MC, {mc['trials']} trials)",
                fixed(mc["value"]),
                f"{mc['u']:.3g}",
                "",
                "",
                "",
                f"[{fixed(s_lo)}, {fixed(s_hi)}] shortest",
                out["unit"],
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

    budget = Table(title="Uncertainty budget (GUM, first order)",
                   caption=f"dof above {DOF_SHOWN_INFINITE:g} shown as ∞; c·u = |sensitivity| × u")
    for column in ("output", "input", "value", "u(x)", "distribution", "dof", "sensitivity",
                   "c·u", "share"):
        budget.add_column(column, justify="left" if column in ("output", "input",
                                                               "distribution") else "right")
    for row in data["budget"]:
        u, sensitivity, contribution, value = budget_cells(
            row, data["outputs"][row["output"]]["unit"])
        budget.add_row(row["output"], row["input"], value, u, row["distribution"],
                       dof_text(row["dof"]), sensitivity, contribution,
                       f"{100 * row['share']:.1f} %")
    return budget


@click.command("uncertainty")
@click.argument("model_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    type=click.Choice(["gum", "mc", "both"]),
    default=None,
    help="GUM propagation, Monte Carlo (JCGM 101), or both [settings.method or gum].",
)
@click.option("--trials", default=None, help="Monte Carlo trials, or 'adaptive' (JCGM 101 7.9).")
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
    try:
        text = model_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserInputError(f"{model_file}: cannot read the model file: {exc.strerror}") from exc
    spec = parse_model_text(text, str(model_file))
    settings = spec.settings
    chosen_method = method or str(settings.get("method", "gum"))
    if chosen_method not in ("gum", "mc", "both"):
        raise UserInputError(f"{model_file}: settings.method must be gum, mc or both")
    chosen_trials = _trials(trials if trials is not None else settings.get("trials", 1_000_000))
    chosen_seed = seed if seed is not None else settings.get("seed")
    chosen_coverage = coverage if coverage is not None else settings.get("coverage", 0.95)
    monte_carlo = None
    if scheduler is not None:
        monte_carlo = _distributed(text, str(model_file), scheduler, workers, chosen_method)
    try:
        data = report(spec, chosen_method, chosen_trials, chosen_seed, float(chosen_coverage),
                      monte_carlo)
    except UncertaintyInputError as exc:
        raise UncertaintyInputError(f"{model_file}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(data))
    else:
        _print_table(data)


def _distributed(text: str, source: str, scheduler: str, workers: int | None, method: str
                 ) -> Callable[[int | str, int | None, float], DistributedMcResult]:
    """Return the runner of a Monte Carlo split over Dask (``--scheduler``)."""
    from functools import partial

    from metrolab.cluster import check_scheduler, require_dask, run_map
    from metrolab.uncertainty.distributed import evaluate_mc_distributed

    address = check_scheduler(scheduler)
    if method == "gum":
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
