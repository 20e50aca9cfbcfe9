"""Model files (``MODEL.toml``): equations, inputs, correlations and settings as text.

The format is documented for technicians in ``docs/uncertainty.md``. Parsing is strict:
an unknown key, a missing value or a bad number is a :class:`ModelFileError` naming the
file, the input and the problem, never a traceback. This module reads text it is given;
opening the file is the command line's job.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from metrolab.uncertainty.errors import ModelFileError, UncertaintyInputError
from metrolab.uncertainty.expressions import compile_equations
from metrolab.uncertainty.inputs import Input, TypeA, TypeB, observed_together
from metrolab.uncertainty.model import Model

_INPUT_KEYS = {
    "value",
    "u",
    "half_width",
    "expanded",
    "k",
    "readings",
    "pooled_sd",
    "pooled_dof",
    "dof",
    "distribution",
    "unit",
    "beta",
    "description",
}
_SETTINGS_KEYS = {"coverage", "method", "trials", "seed", "second_order", "ndig"}
_TOP_KEYS = {"model", "inputs", "correlations", "observed_together", "settings", "title"}


@dataclass
class ModelSpec:
    """A parsed model file: the model, its inputs, correlations, output units and settings."""

    model: Model
    inputs: dict[str, Input]
    correlations: dict[tuple[str, str], float]
    output_units: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    title: str | None = None


def parse_model_text(text: str, source: str = "MODEL.toml") -> ModelSpec:
    """Return the :class:`ModelSpec` described by TOML ``text`` (``source`` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return _build(data, source)
    except ModelFileError:
        raise
    except UncertaintyInputError as exc:
        raise ModelFileError(f"{source}: {exc}") from exc


def _unknown(keys: Any, allowed: set[str], where: str, source: str) -> None:
    extra = sorted(set(keys) - allowed)
    if extra:
        raise ModelFileError(
            f"{source}: {where}: unknown key(s) {', '.join(extra)} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )


def _number(value: Any, what: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelFileError(f"{source}: {what} must be a number, got {value!r}")
    return float(value)


def _build(data: Mapping[str, Any], source: str) -> ModelSpec:
    _unknown(data, _TOP_KEYS, "top level", source)
    model_table = data.get("model")
    if not isinstance(model_table, Mapping) or not isinstance(
        model_table.get("equations"), Mapping
    ):
        raise ModelFileError(f'{source}: [model] needs equations = {{ NAME = "expression" }}')
    _unknown(model_table, {"equations", "units"}, "[model]", source)
    raw_inputs = data.get("inputs")
    if not isinstance(raw_inputs, Mapping) or not raw_inputs:
        raise ModelFileError(f"{source}: no [inputs.NAME] tables: declare every input of the model")

    together = data.get("observed_together", [])
    if not isinstance(together, list):
        raise ModelFileError(f"{source}: [[observed_together]] must be a list of tables")
    grouped: dict[str, str | None] = {}
    correlations: dict[tuple[str, str], float] = {}
    inputs: dict[str, Input] = {}
    for i, group in enumerate(together):
        names = group.get("inputs") if isinstance(group, Mapping) else None
        if not isinstance(names, list) or len(names) < 2:
            raise ModelFileError(
                f'{source}: observed_together #{i + 1}: give inputs = ["A", "B", ...]'
            )
        readings = {}
        for name in names:
            table = raw_inputs.get(name)
            if not isinstance(table, Mapping) or "readings" not in table:
                raise ModelFileError(
                    f"{source}: observed_together #{i + 1}: input {name!r} needs readings = [...]"
                )
            readings[name] = table["readings"]
            grouped[name] = table.get("unit")
        try:
            group_inputs, group_corr = observed_together(
                readings, {n: u for n, u in grouped.items() if u}
            )
        except UncertaintyInputError as exc:
            raise ModelFileError(f"{source}: observed_together #{i + 1}: {exc}") from exc
        inputs.update(group_inputs)
        correlations.update(group_corr)

    for name, table in raw_inputs.items():
        if not isinstance(table, Mapping):
            raise ModelFileError(f"{source}: inputs.{name} must be a table")
        _unknown(table, _INPUT_KEYS, f"input {name!r}", source)
        if name in grouped:
            continue
        try:
            inputs[name] = _input(table)
        except UncertaintyInputError as exc:
            raise ModelFileError(f"{source}: input {name!r}: {exc}") from exc

    for i, item in enumerate(data.get("correlations", [])):
        if not isinstance(item, Mapping) or "between" not in item or "r" not in item:
            raise ModelFileError(f'{source}: correlation #{i + 1}: give between = ["A", "B"] and r')
        _unknown(item, {"between", "r"}, f"correlation #{i + 1}", source)
        pair = item["between"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise ModelFileError(f"{source}: correlation #{i + 1}: between must name two inputs")
        correlations[(str(pair[0]), str(pair[1]))] = _number(
            item["r"], f"correlation #{i + 1} r", source
        )

    model = compile_equations(model_table["equations"], list(raw_inputs))
    units = model_table.get("units", {})
    if not isinstance(units, Mapping):
        raise ModelFileError(f"{source}: [model] units must map outputs to units")
    settings = data.get("settings", {})
    if not isinstance(settings, Mapping):
        raise ModelFileError(f"{source}: [settings] must be a table")
    _unknown(settings, _SETTINGS_KEYS, "[settings]", source)
    return ModelSpec(
        model,
        inputs,
        correlations,
        {str(k): str(v) for k, v in units.items()},
        dict(settings),
        data.get("title"),
    )


def _input(table: Mapping[str, Any]) -> Input:
    """Return the input a ``[inputs.NAME]`` table describes."""
    unit = table.get("unit")
    if "readings" in table:
        readings = table["readings"]
        if not isinstance(readings, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in readings
        ):
            raise UncertaintyInputError("readings must be a list of numbers")
        for key in ("value", "u", "half_width", "expanded"):
            if key in table:
                raise UncertaintyInputError(f"give readings or {key}, not both")
        pooled_dof = table.get("pooled_dof")
        return TypeA.from_readings(
            readings,
            unit,
            pooled_sd=table.get("pooled_sd"),
            pooled_dof=None if pooled_dof is None else float(pooled_dof),
        )
    if "value" not in table:
        raise UncertaintyInputError("needs value = ... (or readings = [...])")
    for key in ("value", "u", "half_width", "expanded", "k", "dof", "beta"):
        if key in table and (
            isinstance(table[key], bool) or not isinstance(table[key], int | float)
        ):
            raise UncertaintyInputError(f"{key} must be a number, got {table[key]!r}")
    for key in ("u", "half_width", "expanded"):
        if key in table and table[key] < 0:
            raise UncertaintyInputError(f"negative uncertainty {key} = {table[key]}")
    dof = table.get("dof")
    if dof is not None and not (dof > 0 or math.isinf(dof)):
        raise UncertaintyInputError(f"dof must be positive, got {dof}")
    distribution = table.get("distribution", "rectangular" if "half_width" in table else "normal")
    if not isinstance(distribution, str):
        raise UncertaintyInputError(f"distribution must be a name, got {distribution!r}")
    return TypeB(
        table["value"],
        u=table.get("u"),
        half_width=table.get("half_width"),
        distribution=distribution,
        dof=dof,
        unit=unit,
        beta=table.get("beta"),
        expanded=table.get("expanded"),
        k=table.get("k"),
    )
