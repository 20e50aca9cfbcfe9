"""A point's uncertainty evaluation as sealed, typed: what is needed to evaluate it again.

The record keeps each point's budget as the evaluation's plain data
(``GumResult.to_dict()`` or ``McResult.to_dict()``). :class:`StoredEvaluation` reads it
into frozen objects: the model (equations, or a Python function's source text), the
inputs as the engine described them, correlations, coverage and settings, the seed and
trials of a Monte Carlo run, the outputs and the GUM budget rows (sensitivities). Code
above the store (impact analysis) reads these instead of the budget's keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


def _number(value: Any) -> float | None:
    """Return a scalar number as float (None stays None; a list is not a scalar)."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict | str):
        return None
    return float(value)


def _dof(value: Any) -> float:
    """Return degrees of freedom, None meaning infinite."""
    number = _number(value)
    return math.inf if number is None else number


@dataclass(frozen=True, slots=True)
class StoredOutput:
    """One output of the evaluation: estimate, u, U, k and dof (inf = infinite) in ``unit``;
    for Monte Carlo the symmetric coverage interval (``U``/``k`` None unless stored)."""

    name: str
    value: float
    u: float
    unit: str
    U: float | None = None
    k: float | None = None
    dof: float = math.inf
    interval: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class StoredContribution:
    """One row of a GUM budget: ``sensitivity`` of ``output`` to ``input`` (output unit per
    input unit), the input's value and u in its ``unit``, its dof (inf = infinite)."""

    output: str
    input: str
    value: float
    u: float
    unit: str
    sensitivity: float
    dof: float
    distribution: str


@dataclass(frozen=True)
class StoredEvaluation:
    """How one point's uncertainty was evaluated, read from its sealed budget.

    ``method`` is ``gum`` or ``mc``; ``equations`` the model as text equations (None when
    it was a Python function, whose text is then ``source``); ``inputs`` each input's
    plain description (value, u, dof, distribution, unit, half_width, readings);
    ``correlations`` the ``{between, r}`` pairs; ``seed`` and ``trials`` those of a
    Monte Carlo run (None for GUM). ``budget`` is the whole sealed dict, which
    :func:`metrolab.uncertainty.recompute` takes.
    """

    method: str
    equations: Mapping[str, str] | None
    source: str | None
    inputs: Mapping[str, Mapping[str, Any]]
    correlations: tuple[Mapping[str, Any], ...]
    coverage: float
    settings: Mapping[str, Any]
    outputs: tuple[StoredOutput, ...]
    contributions: tuple[StoredContribution, ...]
    seed: int | None
    trials: int | None
    budget: Mapping[str, Any]

    @property
    def recomputable(self) -> bool:
        """Return True when the model is stored as equations (it can be run again)."""
        return bool(self.equations)

    def output(self, name: str | None = None) -> StoredOutput | None:
        """Return the output called ``name`` (the first one when None), or None."""
        if name is None:
            return self.outputs[0] if self.outputs else None
        return next((o for o in self.outputs if o.name == name), None)

    def sensitivity(self, output: str, input_name: str) -> StoredContribution | None:
        """Return the budget row of ``input_name`` for ``output``, or None."""
        return next((c for c in self.contributions
                     if c.output == output and c.input == input_name), None)

    @classmethod
    def from_budget(cls, budget: Mapping[str, Any]) -> StoredEvaluation | None:
        """Return the evaluation a sealed budget dict describes, or None when the budget is
        empty or holds arrays (an evaluation of several test points at once)."""
        if not budget or not isinstance(budget.get("outputs"), Mapping):
            return None
        outputs = []
        for name, out in budget["outputs"].items():
            value, u = _number(out.get("value")), _number(out.get("u"))
            if value is None or u is None:
                return None
            interval = out.get("interval_symmetric")
            outputs.append(StoredOutput(
                str(name), value, u, str(out.get("unit") or ""), _number(out.get("U")),
                _number(out.get("k")), _dof(out.get("dof")),
                (float(interval[0]), float(interval[1]))
                if isinstance(interval, list) and len(interval) == 2
                and all(_number(v) is not None for v in interval) else None))
        rows = []
        for row in budget.get("budget") or []:
            numbers = [_number(row.get(key)) for key in ("value", "u", "sensitivity")]
            if any(n is None for n in numbers):
                return None
            value, u, sensitivity = (float(n) for n in numbers)  # type: ignore[arg-type]
            rows.append(StoredContribution(
                str(row.get("output")), str(row.get("input")), value, u,
                str(row.get("unit") or ""), sensitivity, _dof(row.get("dof")),
                str(row.get("distribution") or "")))
        model = budget.get("model") or {}
        equations = model.get("equations") if isinstance(model, Mapping) else None
        inputs = budget.get("inputs") or {}
        seed, trials = budget.get("seed"), budget.get("trials")
        return cls(
            method=str(budget.get("method") or "gum"),
            equations=MappingProxyType(dict(equations)) if isinstance(equations, Mapping)
            and equations else None,
            source=str(model.get("source")) if isinstance(model, Mapping)
            and model.get("source") else None,
            inputs=MappingProxyType({str(k): MappingProxyType(dict(v))
                                     for k, v in inputs.items() if isinstance(v, Mapping)}),
            correlations=tuple(MappingProxyType(dict(c)) for c in budget.get("correlations")
                               or [] if isinstance(c, Mapping)),
            coverage=float(budget.get("coverage") or 0.95),
            settings=MappingProxyType(dict(budget.get("settings") or {})),
            outputs=tuple(outputs), contributions=tuple(rows),
            seed=int(seed) if isinstance(seed, int) else None,
            trials=int(trials) if isinstance(trials, int) else None,
            budget=MappingProxyType(dict(budget)))


@dataclass(frozen=True)
class StoredDecision:
    """A point's conformity decision as sealed (``Decision.to_dict()`` of one point).

    Numbers are in ``unit`` (the measurand's); ``lower``/``upper`` the tolerance limits
    (None when one-sided); ``guard_band`` and ``prior`` the rule's parameters as stored
    (``{"kind": "none"}`` and None for simple acceptance without a risk analysis).
    """

    rule: str
    statement: str
    measured: float | None
    U: float
    k: float
    lower: float | None
    upper: float | None
    unit: str
    probability_of_conformity: float | None
    specific_risk: float | None
    guard_band: Mapping[str, Any]
    prior: Any
    measurement_distribution: Mapping[str, Any]

    @classmethod
    def from_dict(cls, decision: Mapping[str, Any]) -> StoredDecision | None:
        """Return the decision a sealed dict describes, or None when it is empty or holds
        arrays (several points decided at once)."""
        statement = decision.get("statement") if decision else None
        U, k = _number(decision.get("U")) if decision else None, \
            _number(decision.get("k")) if decision else None
        if not isinstance(statement, str) or U is None or k is None:
            return None
        parameters = decision.get("parameters") or {}
        return cls(
            rule=str(decision.get("rule") or "simple"), statement=statement,
            measured=_number(decision.get("measured")), U=U, k=k,
            lower=_number(decision.get("lower_limit")),
            upper=_number(decision.get("upper_limit")), unit=str(decision.get("unit") or ""),
            probability_of_conformity=_number(decision.get("probability_of_conformity")),
            specific_risk=_number(decision.get("specific_risk")),
            guard_band=MappingProxyType(dict(parameters.get("guard_band") or {"kind": "none"})),
            prior=parameters.get("prior"),
            measurement_distribution=MappingProxyType(
                dict(parameters.get("measurement_distribution") or {"kind": "normal"})))
