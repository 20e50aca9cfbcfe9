"""Re-evaluate a stored result (``GumResult.to_dict()`` or ``McResult.to_dict()``) from the
data it carries: the inputs as described, the model's equations, correlations, coverage,
and for Monte Carlo the seed, trials and chunk size that reproduce the draws."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from metrolab.uncertainty.distributions import Distribution, make_distribution
from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.uncertainty.expressions import compile_equations
from metrolab.uncertainty.gum import GumResult, evaluate_gum
from metrolab.uncertainty.inputs import Input, unit_of
from metrolab.uncertainty.model import Model
from metrolab.uncertainty.montecarlo import DEFAULT_CHUNK_VALUES, McResult, evaluate_mc


def _input_from(name: str, data: Mapping[str, Any]) -> Input:
    """Return the :class:`Input` described by ``Input.describe()`` data."""
    dof_raw = data.get("dof")
    dof = np.asarray(
        [math.inf if v is None else v for v in dof_raw]
        if isinstance(dof_raw, list)
        else (math.inf if dof_raw is None else dof_raw),
        dtype=float,
    )
    nu = float(np.min(dof)) if dof.size else math.inf
    name_dist = data["distribution"]
    if name_dist == "scipy":
        raise UncertaintyInputError(
            f"input {name!r}: a scipy distribution cannot be rebuilt from data"
        )
    dist = (
        Distribution("t-scaled", dof=nu)
        if name_dist == "t-scaled"
        else make_distribution(name_dist, dof=nu, beta=data.get("beta"))
    )
    readings = data.get("readings")
    half_width = data.get("half_width")
    return Input(
        np.asarray(data["value"], dtype=float),
        np.asarray(data["u"], dtype=float),
        dof,
        dist,
        unit_of(data.get("unit") or None),
        data.get("kind", "B"),
        readings=None if readings is None else np.asarray(readings, dtype=float),
        half_width=None if half_width is None else np.asarray(half_width, dtype=float),
    )


def _rebuilt(stored: Mapping[str, Any]) -> tuple[Model, dict[str, Input], dict[str, Any]]:
    """Return (model, inputs, the keyword arguments both engines take: correlations,
    coverage, output units) of a stored result."""
    equations = (stored.get("model") or {}).get("equations")
    if not equations:
        raise UncertaintyInputError(
            "this result's model was a Python function: only equation models can be recomputed"
        )
    inputs = {name: _input_from(name, data) for name, data in stored["inputs"].items()}
    model = compile_equations(equations, list(inputs))
    correlations = {
        (c["between"][0], c["between"][1]): c["r"] for c in stored.get("correlations", [])
    }
    units = {name: out["unit"] for name, out in stored["outputs"].items() if out.get("unit")}
    return model, inputs, {"correlations": correlations or None,
                           "coverage": float(stored["coverage"]), "output_units": units}


def recompute(stored: Mapping[str, Any]) -> GumResult:
    """Return a fresh :class:`GumResult` from a stored ``GumResult.to_dict()``.

    Works for models given as equations (model files, :func:`compile_equations`); a model
    that was a Python function is kept only as source text and cannot be re-run safely.
    """
    model, inputs, common = _rebuilt(stored)
    second_order = bool(stored.get("settings", {}).get("second_order", False))
    return evaluate_gum(model, inputs, second_order=second_order, **common)


def recompute_mc(stored: Mapping[str, Any]) -> McResult:
    """Return a fresh :class:`McResult` from a stored ``McResult.to_dict()``.

    Runs the equations again with the stored ``seed``, number of ``trials`` and chunk
    size (``settings.chunk``), so a result whose inputs are unchanged comes back draw for
    draw; with an input added or changed the same seed gives a new, equally valid run. An
    adaptive run (JCGM 101 7.9) is re-run with the number of trials it ended with, not
    adapted again. Raises :class:`UncertaintyInputError` for a Python-function model, or
    a result without a seed or trials.
    """
    seed, trials = stored.get("seed"), stored.get("trials")
    if not isinstance(seed, int) or not isinstance(trials, int) or trials < 2:
        raise UncertaintyInputError(
            f"this Monte Carlo result does not hold its seed and trials (seed {seed!r}, "
            f"trials {trials!r}): it cannot be re-run")
    model, inputs, common = _rebuilt(stored)
    chunk = (stored.get("settings") or {}).get("chunk")
    points = int(np.prod(np.broadcast_shapes(*(np.shape(i.value) for i in inputs.values()))))
    # evaluate_mc sizes its chunks as chunk_values // (max(inputs, outputs, 2) * points)
    width = max(len(inputs), len(stored["outputs"]), 2) * points
    chunk_values = chunk * width if isinstance(chunk, int) and chunk > 0 \
        else DEFAULT_CHUNK_VALUES
    return evaluate_mc(model, inputs, trials=trials, seed=seed, chunk_values=chunk_values,
                       **common)
