"""``metrolab risk``: acceptance limits, TUR, statement and risks of one test point."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import click
import numpy as np

from metrolab.cli_command import OneLineErrorCommand
from metrolab.conformity.decision import RULES, Decision, decide
from metrolab.conformity.errors import ConformityError, LowTURWarning
from metrolab.conformity.guardband import METHODS, GuardBand
from metrolab.conformity.priors import Prior
from metrolab.conformity.statements import human
from metrolab.errors import UserInputError


def _guard_from_text(text: str) -> GuardBand:
    """Return the guard band for ``--guardband``: a method name or a width (number)."""
    if text in METHODS:
        return GuardBand.method(text)
    try:
        width = float(text)
    except ValueError:
        raise UserInputError(
            f"--guardband {text!r} is neither a method ({', '.join(METHODS)}) nor a number"
        ) from None
    if not math.isfinite(width):
        raise UserInputError(f"--guardband {text!r} must be a finite number")
    return GuardBand.width(width)


def _prior(
    itp: float | None,
    mean: float | None,
    sd: float | None,
    lower: float | None,
    upper: float | None,
) -> Prior | None:
    """Return the prior from ``--itp`` or ``--prior-mean``/``--prior-sd``, or None."""
    if itp is not None and (mean is not None or sd is not None):
        raise UserInputError("give either --itp or --prior-mean with --prior-sd, not both")
    if (mean is None) != (sd is None):
        raise UserInputError("--prior-mean and --prior-sd go together: give both")
    if itp is not None:
        return Prior.from_itp(
            itp,
            -math.inf if lower is None else lower,
            math.inf if upper is None else upper,
        )
    if mean is not None and sd is not None:
        return Prior.normal(mean, sd)
    return None


def _limits(decision: Decision) -> list[float | None]:
    """Return [acceptance lower, acceptance upper] as JSON-safe numbers (None if absent)."""
    data = decision.to_dict()
    return [data["acceptance_lower"], data["acceptance_upper"]]


def _number(value: float | None) -> str:
    """Return a number for people, or "none" for a missing limit."""
    return "none" if value is None else f"{value:.6g}"


def _percent(value: float | None) -> str:
    """Return a fraction as a percentage for people."""
    return "n/a" if value is None else f"{100.0 * value:.4g} %"


@click.command(cls=OneLineErrorCommand)
@click.option("--lower", type=float, default=None, help="Lower tolerance limit.")
@click.option("--upper", type=float, default=None, help="Upper tolerance limit.")
@click.option("--u", "u", type=float, default=None, help="Standard uncertainty of measurement.")
@click.option("--k", type=float, default=2.0, show_default=True, help="Coverage factor, U = k u.")
@click.option("--measured", type=float, default=None, help="Measured value to decide on.")
@click.option(
    "--rule",
    type=click.Choice(RULES),
    default=None,
    help="Decision rule (default: simple, or guarded with a guard band).",
)
@click.option(
    "--guardband",
    default=None,
    metavar="METHOD|VALUE",
    help=f"Guard band: a method ({', '.join(METHODS)}) or the width w off each limit.",
)
@click.option(
    "--itp",
    type=float,
    default=None,
    help="In-tolerance probability of a normal population centred in the tolerance.",
)
@click.option("--prior-mean", type=float, default=None, help="Mean of a normal population.")
@click.option("--prior-sd", type=float, default=None, help="Standard deviation of that population.")
@click.option(
    "--target-pfa",
    type=float,
    default=None,
    help="Target global PFA (fraction, e.g. 0.02): find the guard band that meets it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def risk(
    lower: float | None,
    upper: float | None,
    u: float | None,
    k: float,
    measured: float | None,
    rule: str | None,
    guardband: str | None,
    itp: float | None,
    prior_mean: float | None,
    prior_sd: float | None,
    target_pfa: float | None,
    as_json: bool,
) -> None:
    """Acceptance limits, TUR, statement and risks (ILAC-G8, JCGM 106, Z540.3).

    Probabilities are fractions in JSON and percentages in the text output.
    """
    if u is None:
        raise UserInputError("metrolab risk: --u (standard uncertainty of measurement) is required")
    _check_finite(
        {"--lower": lower, "--upper": upper, "--u": u, "--k": k, "--measured": measured,
         "--itp": itp, "--prior-mean": prior_mean, "--prior-sd": prior_sd,
         "--target-pfa": target_pfa}
    )  # fmt: skip
    if not u > 0:
        raise UserInputError(f"metrolab risk: --u {u} must be a positive number")
    with np.errstate(all="ignore"):  # results are checked instead of warned about
        decision, target, caught = _decide(
            lower, upper, u, k, measured, rule, guardband, itp, prior_mean, prior_sd, target_pfa
        )
    _check_results(decision, target)
    for warning in caught:
        click.echo(f"warning: {' '.join(str(warning.message).split())}", err=True)
    result = _result(decision, target, target_pfa)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True, allow_nan=False))
    else:
        _print_human(decision, result)


_LIMITS = ("--lower", "--upper")


def _check_finite(options: dict[str, float | None]) -> None:
    """Refuse an option given as inf or nan: a missing limit is an option left out."""
    for name, value in options.items():
        if value is not None and not math.isfinite(value):
            raise UserInputError(
                f"metrolab risk: {name} {value} must be a finite number"
                + (" (leave the limit out for a one-sided tolerance)" if name in _LIMITS else "")
            )


def _decide(
    lower: float | None,
    upper: float | None,
    u: float,
    k: float,
    measured: float | None,
    rule: str | None,
    guardband: str | None,
    itp: float | None,
    prior_mean: float | None,
    prior_sd: float | None,
    target_pfa: float | None,
) -> tuple[Decision, Decision | None, list[warnings.WarningMessage]]:
    """Return the decision, the one for the target PFA (or None) and the warnings given."""
    prior = _prior(itp, prior_mean, prior_sd, lower, upper)
    if target_pfa is not None and prior is None:
        raise UserInputError(
            "--target-pfa needs a prior: give --itp, or --prior-mean and --prior-sd"
        )
    target_guard = None if target_pfa is None else GuardBand.target_pfa(target_pfa)
    guard = None if guardband is None else _guard_from_text(guardband)
    if rule is None:
        rule = "guarded" if (guard is not None or target_guard is not None) else "simple"
    if guard is None and rule != "simple":
        guard = target_guard
    expanded = k * u
    if not math.isfinite(expanded):
        raise UserInputError(f"metrolab risk: U = k u = {k:g} x {u:g} is beyond double precision")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LowTURWarning)
        decision = decide(
            measured, expanded, lower=lower, upper=upper, k=k, rule=rule, guard=guard, prior=prior
        )
    target = None
    if target_guard is not None:
        try:
            target = decide(
                None,
                expanded,
                lower=lower,
                upper=upper,
                k=k,
                rule="guarded",
                guard=target_guard,
                prior=prior,
            )
        except ConformityError as exc:  # out of reach for these inputs: ask for less
            raise UserInputError(f"metrolab risk: --target-pfa: {exc}") from None
    return decision, target, [w for w in caught if issubclass(w.category, LowTURWarning)]


def _check_results(decision: Decision, target: Decision | None) -> None:
    """Refuse results that double precision could not carry (a TUR that overflowed, a
    probability or a limit that is not a number) rather than print them as "none"."""
    for item in (decision, target):
        if item is None:
            continue
        data = item.to_dict()
        two_sided = data["lower_limit"] is not None and data["upper_limit"] is not None
        broken = (
            (two_sided and data["tur"] is None)
            or (data["pfa"] is None) != (data["parameters"]["prior"] is None)
            or (data["pfr"] is None) != (data["parameters"]["prior"] is None)
            or (data["measured"] is not None and data["probability_of_conformity"] is None)
            or (data["lower_limit"] is not None and data["acceptance_lower"] is None)
            or (data["upper_limit"] is not None and data["acceptance_upper"] is None)
        )
        if broken:
            raise UserInputError(
                "metrolab risk: these values cannot be evaluated in double precision (a TUR, "
                "limit or probability overflows): give the values in another unit"
            )


def _result(
    decision: Decision, target: Decision | None, target_pfa: float | None
) -> dict[str, Any]:
    """Return the JSON object of ``metrolab risk`` (probabilities as fractions)."""
    data = decision.to_dict()
    target_data: dict[str, Any] | None = None
    if target is not None:
        t = target.to_dict()
        target_data = {
            "target": target_pfa,
            "guard_band": _guard_widths(t),
            "acceptance_limits": _limits(target),
            "pfa": t["pfa"],
            "pfr": t["pfr"],
        }
    return {
        "statement": data["statement"],
        "probability_of_conformity": data["probability_of_conformity"],
        "specific_risk": data["specific_risk"],
        "pfa": data["pfa"],
        "pfr": data["pfr"],
        "tur": data["tur"],
        "acceptance_limits": _limits(decision),
        "tolerance_limits": [data["lower_limit"], data["upper_limit"]],
        "U": data["U"],
        "k": data["k"],
        "rule": data["rule"],
        "guard_band": _guard_widths(data),
        "target_pfa": target_data,
        "dcc_conformity": data["dcc_conformity"],
        "warnings": data["warnings"],
    }


def _guard_widths(data: dict[str, Any]) -> list[float | None]:
    """Return [w off the lower limit, w off the upper limit] (None where one-sided)."""
    lower = None
    upper = None
    if data["lower_limit"] is not None and data["acceptance_lower"] is not None:
        lower = data["acceptance_lower"] - data["lower_limit"]
    if data["upper_limit"] is not None and data["acceptance_upper"] is not None:
        upper = data["upper_limit"] - data["acceptance_upper"]
    return [lower, upper]


def _interval(limits: list[float | None]) -> str:
    """Return [lower, upper] for people ("none" for a missing side)."""
    return f"[{_number(limits[0])}, {_number(limits[1])}]"


def _print_human(decision: Decision, result: dict[str, Any]) -> None:
    """Print the result for people, one quantity a line, labels aligned."""
    tur = result["tur"]
    rows = [
        ("tolerance limits", _interval(result["tolerance_limits"])),
        ("expanded uncertainty", f"U = {_number(result['U'])} (k = {result['k']:g})"),
        ("TUR", "n/a (one-sided tolerance)" if tur is None else f"{tur:.4g} : 1"),
        (
            "decision rule",
            f"{result['rule']} (guard band w = {_number(result['guard_band'][0])} off the "
            f"lower, {_number(result['guard_band'][1])} off the upper limit)",
        ),
        ("acceptance limits", _interval(result["acceptance_limits"])),
    ]
    if result["statement"] is not None:
        rows += [
            ("measured", _number(decision.to_dict()["measured"])),
            ("statement", human(result["statement"])),
            (
                "probability of conformity",
                f"{_percent(result['probability_of_conformity'])} "
                f"(specific risk {_percent(result['specific_risk'])})",
            ),
        ]
    if result["pfa"] is not None:
        rows.append(("global PFA / PFR", f"{_percent(result['pfa'])} / {_percent(result['pfr'])}"))
    target = result["target_pfa"]
    if target is not None:
        widths = [w for w in target["guard_band"] if w is not None]
        rows.append(
            (
                f"guard band for PFA {_percent(target['target'])}",
                f"w = {_number(widths[0])}, acceptance limits "
                f"{_interval(target['acceptance_limits'])}, PFA {_percent(target['pfa'])}, "
                f"PFR {_percent(target['pfr'])}",
            )
        )
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}} : {value}")
