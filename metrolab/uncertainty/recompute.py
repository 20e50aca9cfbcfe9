"""Re-evaluate a stored GUM result (``GumResult.to_dict()``) from the data it carries."""

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


def recompute(stored: Mapping[str, Any]) -> GumResult:
    """Return a fresh :class:`GumResult` from a stored ``GumResult.to_dict()``.

    Works for models given as equations (model files, :func:`compile_equations`); a model
    that was a Python function is kept only as source text and cannot be re-run safely.
    """
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
    return evaluate_gum(
        model,
        inputs,
        correlations=correlations or None,
        coverage=float(stored["coverage"]),
        output_units=units,
        second_order=bool(stored.get("settings", {}).get("second_order", False)),
    )
