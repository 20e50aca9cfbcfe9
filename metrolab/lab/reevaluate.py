"""Re-evaluating one record's points with a standard's corrected value and uncertainty.

For every point whose standard output a correction names, the point's uncertainty is
evaluated again from what the record stores, with the correction as a new input
``<standard>_correction`` (value: the offset; standard uncertainty: U/k of the finding,
uncorrelated with everything else) added to the standard's input, and the conformity
decision is taken again under the record's own rule:

- **recomputed**: a model stored as equations runs again through the GUM engine
  (:func:`metrolab.uncertainty.recompute`), the standard's name replaced by
  ``(standard + standard_correction)`` in every equation;
- **first-order**: a model that was a Python function (kept only as source text, which is
  never executed) is updated from the stored budget: the error moves by c·offset (c the
  stored sensitivity to the standard's input), u² grows by (c·u_offset)², the effective
  degrees of freedom scale as u⁴ (Welch-Satterthwaite with one more infinite-dof term)
  and k follows from them (GUM G.6.4). For a model linear in the standard's value (an
  error = indication - reference) this is exactly what the GUM gives;
- **monte-carlo**: a Monte Carlo budget of equations runs again through the JCGM 101
  engine (:func:`metrolab.uncertainty.recompute_mc`) with its stored seed, trials and
  chunk size and the correction as one more (normal) input; U is the half-width of the
  probabilistically symmetric coverage interval and k = U/u, as the record's decision
  took them (checked against the stored decision before it is used).

Everything here is a pure function of a file and some text, so it runs on Dask workers.
A point or record that cannot be re-evaluated says why; nothing is skipped silently.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pint

from metrolab.errors import MetrolabError
from metrolab.lab.corrections import Correction, applicable, parse_correction
from metrolab.lab.reading import standard_uses
from metrolab.store.durable import file_sha256
from metrolab.store.evaluation import StoredDecision, StoredEvaluation
from metrolab.store.record import PointRecord, open_record
from metrolab.units import Quantity

#: statements that claim conformity (a certificate relies on them)
CLAIMS = ("pass", "conditional_pass")
#: statements ordered from best to worst
ORDER = ("pass", "conditional_pass", "conditional_fail", "fail")


@dataclass(frozen=True, slots=True)
class Judged:
    """A point's decided numbers: error ``value`` and ``U`` (decision unit), k, the
    statement and its specific risk (probability the statement is wrong)."""

    value: float
    U: float
    k: float
    statement: str
    specific_risk: float | None


@dataclass(frozen=True, slots=True)
class PointChange:
    """One re-evaluated point: what was decided, what is decided now, and how.

    ``offset`` and ``offset_u`` are the correction applied to the standard's input
    ``input`` (in ``input_unit``); ``unit`` is the decision's unit; ``method`` is
    ``recomputed``, ``first-order`` or ``monte-carlo`` (module doc).
    """

    point_id: str
    phase: str
    function: str
    nominal: float | None
    nominal_unit: str
    unit: str
    input: str
    input_unit: str
    correction: str
    offset: float
    offset_u: float
    method: str
    old: Judged
    new: Judged

    @property
    def changed(self) -> bool:
        """Return True when the statement of conformity changes."""
        return self.old.statement != self.new.statement

    @property
    def change(self) -> str:
        """Return ``unchanged`` or ``old → new`` (``pass → fail``)."""
        return f"{self.old.statement} → {self.new.statement}" if self.changed else "unchanged"

    @property
    def action(self) -> str:
        """Return ``recall`` when a conformity claim no longer holds, ``review`` for another
        change of statement, ``none`` when unchanged."""
        if not self.changed:
            return "none"
        if self.old.statement in CLAIMS and (
                self.new.statement not in CLAIMS
                or ORDER.index(self.new.statement) > ORDER.index(self.old.statement)):
            return "recall"
        return "review"


@dataclass(frozen=True, slots=True)
class PointSkipped:
    """A point that used the corrected output but could not be re-evaluated, and why."""

    point_id: str
    phase: str
    reason: str


@dataclass(frozen=True)
class RecordOutcome:
    """The re-evaluation of one record: its re-evaluated points, the points that used the
    corrected output but could not be re-evaluated, and the number of points no
    correction applies to. ``reason`` is set when the record could not be re-evaluated
    at all (then the lists are empty)."""

    record_id: str
    path: str
    changes: tuple[PointChange, ...] = ()
    skipped: tuple[PointSkipped, ...] = ()
    untouched: int = 0
    reason: str | None = None

    @property
    def action(self) -> str:
        """Return the most urgent action over the points: recall, review or none."""
        actions = {change.action for change in self.changes}
        return next((a for a in ("recall", "review") if a in actions), "none")


@dataclass(frozen=True)
class RecordTask:
    """What to re-evaluate: the record file, its ID and SHA-256 when it was indexed, the
    standard (register ID, serial or certificate ID) and the corrections as text."""

    path: str
    record_id: str
    file_sha256: str
    standard: str
    corrections: tuple[str, ...]
    register: str | None = field(default=None)


class Unevaluable(MetrolabError):
    """A point cannot be re-evaluated; the message says why."""


def _correction_name(input_name: str, taken: Mapping[str, Any]) -> str:
    name = f"{input_name}_correction"
    while name in taken:
        name += "_"
    return name


def substitute(equation: str, name: str, replacement: str) -> str:
    """Return ``equation`` with every use of the variable ``name`` replaced by the
    expression ``replacement`` (parsed, so ``name`` inside another name is untouched)."""
    new = ast.parse(replacement, mode="eval").body

    class Swap(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return new if node.id == name else node

    tree = Swap().visit(ast.parse(equation, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


def corrected_budget(evaluation: StoredEvaluation, input_name: str, offset: float,
                     offset_u: float) -> dict[str, Any]:
    """Return the stored budget with the correction as one more input: value ``offset``
    and standard uncertainty ``offset_u`` (the input's unit; normal, uncorrelated), added
    to ``input_name`` in every equation."""
    assert evaluation.equations is not None
    budget = dict(evaluation.budget)
    inputs = {name: dict(data) for name, data in evaluation.inputs.items()}
    extra = _correction_name(input_name, inputs)
    inputs[extra] = {"kind": "B", "value": offset, "u": offset_u, "dof": None,
                     "distribution": "normal", "unit": inputs[input_name].get("unit") or ""}
    budget["inputs"] = inputs
    budget["model"] = {"source": None, "equations": {
        name: substitute(text, input_name, f"({input_name} + {extra})")
        for name, text in evaluation.equations.items()}}
    return budget


def _recomputed(evaluation: StoredEvaluation, input_name: str, offset: float,
                offset_u: float, output: str) -> tuple[float, float, float, str]:
    """Return (value, U, k, unit) of ``output`` evaluated again through the GUM engine."""
    from metrolab.uncertainty import UncertaintyInputError, recompute

    budget = corrected_budget(evaluation, input_name, offset, offset_u)
    try:
        result = recompute(budget)[output]
    except (UncertaintyInputError, MetrolabError, KeyError, ValueError) as exc:
        raise Unevaluable(f"the GUM engine could not re-run its model: {exc}") from exc
    return (float(np.asarray(result.value.magnitude)), float(np.asarray(result.U.magnitude)),
            float(np.asarray(result.k)), f"{result.value.units}")


def _check_mc_decision(evaluation: StoredEvaluation, decision: StoredDecision,
                       output: str) -> None:
    """Raise :class:`Unevaluable` unless the stored decision took U as the half-width of
    the stored symmetric interval (so the new run's U means what the old one did)."""
    from metrolab.uncertainty.montecarlo import expanded_from_interval

    stored = evaluation.output(output)
    if stored is None or stored.interval is None:
        raise Unevaluable("its Monte Carlo budget holds no coverage interval for "
                          f"{output!r}")
    half, _ = expanded_from_interval(*stored.interval, stored.u)
    if not math.isclose(_convert(half, stored.unit, decision.unit or stored.unit),
                        decision.U, rel_tol=1e-9):
        raise Unevaluable(f"its decision's U ({decision.U:g}) is not the half-width of the "
                          f"Monte Carlo coverage interval ({half:g}): how U was taken from "
                          "the run is not known")


def _monte_carlo(evaluation: StoredEvaluation, input_name: str, offset: float,
                 offset_u: float, output: str) -> tuple[float, float, float, str]:
    """Return (value, U, k, unit) of ``output`` run again through the Monte Carlo engine
    with the stored seed and trials."""
    from metrolab.uncertainty import UncertaintyInputError, recompute_mc
    from metrolab.uncertainty.montecarlo import expanded_from_interval
    from metrolab.uncertainty.results import unit_text

    if not evaluation.recomputable:
        raise Unevaluable("its Monte Carlo budget's model was a Python function: its source "
                          "is never executed, and a Monte Carlo budget holds no "
                          "sensitivities to update")
    budget = corrected_budget(evaluation, input_name, offset, offset_u)
    try:
        result = recompute_mc(budget)
    except (UncertaintyInputError, MetrolabError, KeyError, ValueError) as exc:
        raise Unevaluable(f"the Monte Carlo engine could not re-run its model: {exc}") from exc
    i = result.output_names.index(output)
    u = float(np.asarray(result.u[i]))
    low, high = (float(v) for v in result.interval_symmetric[i])
    U, k = expanded_from_interval(low, high, u)
    if k is None:
        raise Unevaluable("the Monte Carlo re-run gave u = 0: no coverage factor")
    return float(np.asarray(result.values[i])), U, k, unit_text(result.units[i])


def _first_order(evaluation: StoredEvaluation, input_name: str, offset: float,
                 offset_u: float, output: str) -> tuple[float, float, float, str]:
    """Return (value, U, k, unit) of ``output`` updated from the stored sensitivity."""
    from metrolab.uncertainty import coverage_factor

    stored = evaluation.output(output)
    row = evaluation.sensitivity(output, input_name)
    if stored is None or row is None:
        raise Unevaluable(f"its budget has no sensitivity of {output!r} to {input_name!r}")
    if evaluation.settings.get("second_order"):
        raise Unevaluable("its budget has second-order terms (GUM 5.1.2), which a Python-"
                          "function model's stored sensitivities cannot update")
    value = stored.value + row.sensitivity * offset
    u = math.hypot(stored.u, row.sensitivity * offset_u)
    dof = stored.dof * (u / stored.u) ** 4 if stored.u > 0 and math.isfinite(stored.dof) \
        else math.inf
    k = float(np.asarray(coverage_factor(dof, evaluation.coverage)))
    return value, k * u, k, stored.unit


def _guard(decision: StoredDecision) -> Any:
    """Return the stored decision's guard band for :func:`decide` (None: none)."""
    from metrolab.conformity import GuardBand

    band = decision.guard_band
    kind = band.get("kind", "none")
    if kind == "none":
        return None
    if kind == "width":
        return GuardBand.width(np.asarray(band.get("lower"), dtype=float),
                               np.asarray(band.get("upper"), dtype=float))
    if kind == "multiple":
        return GuardBand.multiple(float(band.get("r", 1.0)))
    if kind == "method":
        return GuardBand.method(str(band.get("method")))
    raise Unevaluable(f"its decision uses a {kind!r} guard band, which needs the prior "
                      "knowledge of the item population that the record does not hold")


def _decide(decision: StoredDecision, value: float, U: float, k: float) -> Judged:
    """Return the decision taken again on the new numbers under the stored rule."""
    from metrolab.conformity import decide

    if decision.prior is not None:
        raise Unevaluable("its decision used a prior (a global-risk analysis); re-deciding "
                          "it needs that population data")
    if decision.measurement_distribution.get("kind", "normal") != "normal":
        raise Unevaluable("its decision used a non-normal measurement distribution")
    unit = decision.unit or ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = decide(Quantity(value, unit), Quantity(U, unit),
                      lower=None if decision.lower is None else Quantity(decision.lower, unit),
                      upper=None if decision.upper is None else Quantity(decision.upper, unit),
                      k=k, rule=decision.rule, guard=_guard(decision))
    data = made.to_dict()
    return Judged(value, U, k, str(data["statement"]),
                  None if data.get("specific_risk") is None else float(data["specific_risk"]))


def _output_for(evaluation: StoredEvaluation, decision: StoredDecision) -> str:
    """Return the output the decision is taken on (the only one, or the one whose value
    is the decision's measured value)."""
    if len(evaluation.outputs) == 1:
        return evaluation.outputs[0].name
    for out in evaluation.outputs:
        if decision.measured is not None and math.isclose(
                _convert(out.value, out.unit, decision.unit), decision.measured,
                rel_tol=1e-9, abs_tol=1e-300):
            return out.name
    raise Unevaluable("its budget has several outputs and none is the decided value")


def _convert(value: float, unit: str, target: str) -> float:
    if unit == target or not target:
        return value
    try:
        return float(Quantity(value, unit or "").to(target).magnitude)
    except pint.PintError as exc:
        raise Unevaluable(f"its budget's unit {unit!r} does not convert to the decision's "
                          f"{target!r}") from exc


def _frequency(point: PointRecord) -> pint.Quantity | None:
    settings = point.started.get("settings") if isinstance(point.started, Mapping) else None
    found = settings.get("frequency") if isinstance(settings, Mapping) else None
    if isinstance(found, Mapping) and isinstance(found.get("value"), int | float):
        return Quantity(float(found["value"]), found.get("unit") or "")
    return None


def reevaluate_point(point: PointRecord, input_name: str, correction: Correction
                     ) -> PointChange:
    """Return the point re-evaluated with ``correction`` on the input ``input_name``.

    Raises :class:`Unevaluable` naming what the record lacks.
    """
    evaluation, decision = point.evaluation, point.judgement
    if evaluation is None:
        raise Unevaluable("it has no uncertainty budget")
    if decision is None:
        raise Unevaluable("it has no conformity decision")
    if input_name not in evaluation.inputs:
        raise Unevaluable(f"its budget has no input {input_name!r} for the standard (inputs: "
                          f"{', '.join(evaluation.inputs) or 'none'})")
    data = evaluation.inputs[input_name]
    value = data.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Unevaluable(f"its input {input_name!r} holds no single value")
    input_unit = str(data.get("unit") or "")
    offset, offset_u = correction.shift(float(value), input_unit)
    output = _output_for(evaluation, decision)
    if evaluation.method not in ("gum", "mc"):
        raise Unevaluable(f"its budget is a {evaluation.method!r} evaluation; impact analysis "
                          "re-evaluates GUM and Monte Carlo budgets")
    if evaluation.method == "mc":
        method = "monte-carlo"
        _check_mc_decision(evaluation, decision, output)
        new_value, new_U, k, unit = _monte_carlo(evaluation, input_name, offset, offset_u,
                                                 output)
    elif evaluation.recomputable:
        method = "recomputed"
        new_value, new_U, k, unit = _recomputed(evaluation, input_name, offset, offset_u, output)
    else:
        method = "first-order"
        new_value, new_U, k, unit = _first_order(evaluation, input_name, offset, offset_u, output)
    target = decision.unit or unit
    old = Judged(decision.measured if decision.measured is not None else math.nan, decision.U,
                 decision.k, decision.statement, decision.specific_risk)
    new = _decide(decision, _convert(new_value, unit, target), _convert(new_U, unit, target), k)
    nominal = point.nominal
    return PointChange(
        point.point_id, point.phase, point.function,
        None if nominal is None else float(nominal.magnitude),
        "" if nominal is None else f"{nominal.units:~P}", target, input_name, input_unit,
        correction.describe(), offset, offset_u, method, old, new)


def reevaluate_record(task: RecordTask) -> RecordOutcome:
    """Return the re-evaluation of one record (never raises for a bad record: the
    outcome's ``reason`` says why it could not be re-evaluated)."""
    path = Path(task.path)
    try:
        corrections = tuple(parse_correction(text) for text in task.corrections)
        if not path.is_file():
            return RecordOutcome(task.record_id, task.path, reason="the file is missing")
        if file_sha256(path) != task.file_sha256:
            return RecordOutcome(task.record_id, task.path, reason=(
                "the file changed since it was indexed: run `metrolab verify` on it and "
                "`metrolab catalogue sync`"))
        # the bytes are those the catalogue verified when it indexed the record
        record = open_record(path, check=False)
    except (MetrolabError, OSError) as exc:
        return RecordOutcome(task.record_id, task.path, reason=f"cannot be read: {exc}")
    wanted = task.standard.strip().casefold()
    uses = [u for u in standard_uses(record)
            if wanted in (u.register_id.casefold(), u.serial.casefold(),
                          u.certificate_id.casefold())]
    if not uses:
        return RecordOutcome(task.record_id, task.path, reason=(
            f"it does not name standard {task.standard} among its instruments"))
    changes, skipped, untouched = [], [], 0
    names = {use.name for use in uses}
    for point in record.points:
        correction = applicable(corrections, point.function, point.nominal, _frequency(point))
        if correction is None:
            untouched += 1
            continue
        name = next((n for n in names if point.evaluation is not None
                     and n in point.evaluation.inputs), next(iter(names)))
        try:
            changes.append(reevaluate_point(point, name, correction))
        except Unevaluable as exc:
            skipped.append(PointSkipped(point.point_id, point.phase, str(exc)))
        except MetrolabError as exc:
            skipped.append(PointSkipped(point.point_id, point.phase,
                                        f"re-evaluation failed: {exc}"))
    return RecordOutcome(task.record_id, task.path, tuple(changes), tuple(skipped), untouched)
