"""Shared preparation of a model evaluation: order inputs, fix units, build correlations.

Inside the engine every input is a plain float array in its base SI unit (offset units
such as °C keep their offset, differences convert by scale). The unit of each output is
found once by evaluating the model on pint Quantities at the first test point, which also
catches units that do not combine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.uncertainty.inputs import Input
from metrolab.uncertainty.model import Model
from metrolab.uncertainty.unit_text import parse_unit
from metrolab.units import Quantity, as_ours, unit_as_ours, ureg

CorrelationSpec = Mapping[tuple[str, str], float] | Sequence[tuple[str, str, float]] | None


@dataclass
class Prepared:
    """Everything the GUM and Monte Carlo evaluations need, as plain arrays.

    ``x``/``u`` are working values (base units), ``dof`` the inputs' degrees of freedom
    (each broadcastable to the test points); ``in_scale[i]`` converts an input
    difference from its own unit to base units; ``out_scale[k]`` converts output k from
    base units to ``out_units[k]``. ``shape`` is the broadcast shape of the test points.
    """

    model: Model
    names: tuple[str, ...]
    inputs: tuple[Input, ...]
    x: list[np.ndarray]
    u: list[np.ndarray]
    dof: list[np.ndarray]
    in_scale: np.ndarray
    out_names: tuple[str, ...]
    out_units: tuple[pint.Unit, ...]
    out_scale: np.ndarray
    out_offset: np.ndarray
    shape: tuple[int, ...]
    correlation: np.ndarray | None

    def identity(self) -> dict[str, Any]:
        """Return the fields every result copies from the evaluation it comes from.

        Output names and units, input names, inputs, their correlation matrix and the
        model's source and equations, keyed as the result classes name them
        (:class:`metrolab.uncertainty.results.EvaluationRecord`).
        """
        return {
            "output_names": self.out_names,
            "units": self.out_units,
            "input_names": self.names,
            "inputs": self.inputs,
            "input_correlation": self.correlation,
            "model_source": self.model.source,
            "equations": self.model.equations,
        }


@lru_cache(maxsize=512)
def base_scale(unit: pint.Unit) -> tuple[float, float]:
    """Return (scale, offset) with value_in_base = value x scale + offset for ``unit``."""
    if unit == ureg.dimensionless:
        return 1.0, 0.0
    one = float(Quantity(1.0, unit).to_base_units().magnitude)
    two = float(Quantity(2.0, unit).to_base_units().magnitude)
    return two - one, 2.0 * one - two


def _to_base(value: np.ndarray, unit: pint.Unit) -> tuple[np.ndarray, float]:
    """Return (value in base units, scale of a difference) for ``unit``."""
    scale, offset = base_scale(unit)
    if scale == 1.0 and offset == 0.0:
        return value, 1.0
    return value * scale + offset, scale


def prepare(
    model: Model,
    inputs: Mapping[str, Input],
    correlations: CorrelationSpec,
    output_units: Mapping[str, str] | None,
) -> Prepared:
    """Return the :class:`Prepared` evaluation of ``model`` with ``inputs``.

    Raises :class:`UncertaintyInputError` for a missing or surplus input, units that do
    not combine, or an invalid correlation.
    """
    names = model.input_names
    missing = [n for n in names if n not in inputs]
    extra = [n for n in inputs if n not in names]
    if missing:
        raise UncertaintyInputError(
            f"the model needs input(s) {', '.join(missing)} which are not given"
        )
    if extra:
        raise UncertaintyInputError(f"input(s) {', '.join(extra)} are not used by the model")
    for name in names:
        if not isinstance(inputs[name], Input):
            raise UncertaintyInputError(
                f"input {name!r}: expected TypeA/TypeB, got {inputs[name]!r}"
            )
    ordered = tuple(inputs[n] for n in names)
    try:
        shape = np.broadcast_shapes(
            *(np.shape(i.value) for i in ordered), *(np.shape(i.u) for i in ordered)
        )
    except ValueError as exc:
        raise UncertaintyInputError(
            f"inputs have incompatible numbers of test points: {exc}"
        ) from exc

    x, u, scales = [], [], []
    for inp in ordered:
        xb, scale = _to_base(inp.value, inp.unit)
        x.append(np.asarray(xb, dtype=float))
        u.append(np.asarray(inp.u if scale == 1.0 else inp.u * scale, dtype=float))
        scales.append(scale)
    dof = [i.dof for i in ordered]

    out_names, out_units, out_scale, out_offset = _output_units(
        model, ordered, x, shape, output_units
    )
    corr = correlation_matrix(names, correlations)
    return Prepared(
        model,
        names,
        ordered,
        x,
        u,
        dof,
        np.array(scales),
        out_names,
        out_units,
        out_scale,
        out_offset,
        shape,
        corr,
    )


def _first(a: np.ndarray) -> float:
    """Return the first element of ``a``."""
    return float(np.asarray(a).flat[0])


_UNITS_CACHE: dict[Any, tuple[tuple[str, ...], tuple[pint.Unit, ...], np.ndarray, np.ndarray]] = {}


def _output_units(
    model: Model,
    ordered: tuple[Input, ...],
    x: list[np.ndarray],
    shape: tuple[int, ...],
    requested: Mapping[str, str] | None,
) -> tuple[tuple[str, ...], tuple[pint.Unit, ...], np.ndarray, np.ndarray]:
    """Find output names and units by one pint evaluation at the first test point.

    Without offset units (°C) the answer depends only on the units, so it is cached per
    model function, input units and requested output units.
    """
    requested_key = tuple(sorted((requested or {}).items()))
    key = (model.func, model.output_names, tuple(i.unit for i in ordered), requested_key)
    if key in _UNITS_CACHE:
        found = _UNITS_CACHE[key]
        if model.output_names is None:
            model.output_names = found[0]
        return found
    found = _find_output_units(model, ordered, x, requested)
    if all(base_scale(i.unit)[1] == 0.0 for i in ordered):
        if len(_UNITS_CACHE) >= 256:
            _UNITS_CACHE.clear()
        _UNITS_CACHE[key] = found
    return found


def _find_output_units(
    model: Model,
    ordered: tuple[Input, ...],
    x: list[np.ndarray],
    requested: Mapping[str, str] | None,
) -> tuple[tuple[str, ...], tuple[pint.Unit, ...], np.ndarray, np.ndarray]:
    quantities = [Quantity(_first(i.value), i.unit) for i in ordered]
    try:
        with np.errstate(all="ignore"):
            q_out = model(*quantities)
    except pint.errors.DimensionalityError as exc:
        raise UncertaintyInputError(f"units do not combine in the model: {exc}") from exc
    except pint.errors.PintError as exc:
        raise UncertaintyInputError(f"units problem in the model: {exc}") from exc
    names = model.output_names or ()
    plain = model(*[np.asarray(_first(xi)) for xi in x])
    requested = dict(requested or {})
    unknown = [k for k in requested if k not in names]
    if unknown:
        raise UncertaintyInputError(f"output unit given for unknown output(s) {', '.join(unknown)}")
    units: list[Any] = []
    scales, offsets = [], []
    for name, raw, p in zip(names, q_out, plain, strict=True):
        raw = as_ours(raw, f"output {name!r}", UncertaintyInputError)
        q = raw if isinstance(raw, Quantity) else Quantity(raw, ureg.dimensionless)
        base = q.to_base_units()
        if not np.isclose(_first(base.magnitude), _first(p), rtol=1e-9, atol=0.0, equal_nan=True):
            raise UncertaintyInputError(
                f"output {name!r}: its value with units differs from its value in base units: "
                "the model mixes offset units (e.g. °C) with arithmetic that changes their "
                "meaning (use delta_degC for temperature differences), or converts angles "
                "itself (np.deg2rad, np.radians: give the input the unit 'degree' instead)"
            )
        unit = q.units
        if name in requested:
            try:
                wanted = requested[name]
                unit = (
                    unit_as_ours(wanted, f"output {name!r}", UncertaintyInputError)
                    if isinstance(wanted, pint.Unit)
                    else parse_unit(wanted)
                )
                Quantity(1.0, q.units).to(unit)
            except (pint.errors.PintError, ValueError, UncertaintyInputError) as exc:
                raise UncertaintyInputError(
                    f"output {name!r}: its unit {q.units:~P} cannot be expressed "
                    f"in {requested[name]!r}"
                ) from exc
        scale, offset = base_scale(unit)
        units.append(unit)
        scales.append(scale)
        offsets.append(offset)
    return tuple(names), tuple(units), np.array(scales), np.array(offsets)


def correlation_matrix(names: Sequence[str], spec: CorrelationSpec) -> np.ndarray | None:
    """Return the n x n correlation matrix from ``spec`` (None when there are none).

    Raises :class:`UncertaintyInputError` naming the inputs for an unknown input, r
    outside [-1, 1] or a matrix that is not positive semi-definite.
    """
    if not spec:
        return None
    items: list[tuple[Any, Any, Any]]
    if isinstance(spec, Mapping):
        items = [(a, b, r) for (a, b), r in spec.items()]
    else:
        items = [tuple(t) for t in spec]  # type: ignore[misc]
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, r in items:
        for n in (a, b):
            if n not in index:
                raise UncertaintyInputError(
                    f"correlation between {a!r} and {b!r}: no input called {n!r}"
                )
        if a == b:
            raise UncertaintyInputError(
                f"correlation of {a!r} with itself: give two different inputs"
            )
        r = float(r)
        if not -1.0 <= r <= 1.0:
            raise UncertaintyInputError(
                f"correlation between {a!r} and {b!r}: r = {r} is outside [-1, 1]"
            )
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -1e-10:
        raise UncertaintyInputError(
            f"the correlation matrix of {', '.join(names)} is not positive semi-definite "
            f"(smallest eigenvalue {smallest:.3g}): these correlations cannot all hold together"
        )
    return matrix
