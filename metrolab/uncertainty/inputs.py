"""Input quantities: Type A from readings, Type B from distributions (GUM 4.2, 4.3).

An input holds its estimate, standard uncertainty and degrees of freedom as plain numpy
arrays (a scalar, or one value per test point) together with one pint unit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.distributions import Distribution, make_distribution
from metrolab.uncertainty.errors import AutocorrelationWarning, UncertaintyInputError
from metrolab.uncertainty.results import plain, plain_dof, unit_text
from metrolab.uncertainty.unit_text import parse_unit
from metrolab.units import Quantity, as_ours, unit_as_ours, ureg


def unit_of(unit: str | pint.Unit | None, what: str = "unit") -> pint.Unit:
    """Return metrolab's pint unit for ``unit`` (dimensionless when None).

    A Unit of another pint registry is looked up here by name (see
    :func:`metrolab.units.unit_as_ours`); ``what`` names the argument in errors.
    """
    if unit is None:
        return ureg.dimensionless
    if isinstance(unit, pint.Unit):
        return unit_as_ours(unit, what, UncertaintyInputError)
    return parse_unit(str(unit))


def magnitude_and_unit(
    value: Any, unit: Any, what: str, *, delta: bool = False
) -> tuple[np.ndarray, Any]:
    """Return (magnitude array, unit) of ``value``; a Quantity is converted to ``unit`` if given.

    ``delta`` says the value is a difference (an uncertainty), so offset units convert by
    their scale only. A Quantity of any pint registry is taken (converted to metrolab's);
    ``what`` names the argument in errors.
    """
    value = as_ours(value, what, UncertaintyInputError)
    if isinstance(value, Quantity):
        if unit is None:
            return np.asarray(value.magnitude, dtype=float), value.units
        try:
            if delta:
                return np.asarray(_delta_magnitude(value, unit), dtype=float), unit
            return np.asarray(value.to(unit).magnitude, dtype=float), unit
        except pint.errors.DimensionalityError as exc:
            raise UncertaintyInputError(
                f"{what}: {value.units} cannot be expressed in {unit}"
            ) from exc
    try:
        return np.asarray(value, dtype=float), unit
    except (TypeError, ValueError) as exc:
        raise UncertaintyInputError(f"{what}: {value!r} is not a number") from exc


def _delta_magnitude(q: Any, unit: pint.Unit) -> Any:
    """Return the magnitude of a difference ``q`` in ``unit`` (offset units scale only)."""
    one = Quantity(1.0, unit)
    two = Quantity(2.0, unit)
    scale_target = (two.to_base_units() - one.to_base_units()).magnitude
    src = Quantity(1.0, q.units)
    src2 = Quantity(2.0, q.units)
    if src.dimensionality != one.dimensionality:
        raise pint.errors.DimensionalityError(q.units, unit)
    scale_src = (src2.to_base_units() - src.to_base_units()).magnitude
    return q.magnitude * scale_src / scale_target


@dataclass(frozen=True)
class Input:
    """One input quantity of a measurement model.

    ``value``, ``u`` and ``dof`` are float arrays (0-d, or one entry per test point) in
    ``unit``; ``dof`` is ``inf`` for an exactly known distribution. ``kind`` is ``"A"`` or
    ``"B"``. ``readings`` keeps Type A observations so a result can be recomputed.
    """

    value: np.ndarray
    u: np.ndarray
    dof: np.ndarray
    distribution: Distribution
    unit: pint.Unit
    kind: str
    readings: np.ndarray | None = field(default=None, repr=False)
    half_width: np.ndarray | None = None

    @cached_property
    def has_finite_dof(self) -> bool:
        """Return True when ``dof`` is finite at some test point (the input then enters the
        Welch-Satterthwaite sum)."""
        return not bool(np.isinf(self.dof).all())

    @property
    def quantity(self) -> pint.Quantity:
        """Return the estimate as a pint Quantity (in the input's unit)."""
        return Quantity(self.value, self.unit)

    @property
    def uncertainty(self) -> pint.Quantity:
        """Return the standard uncertainty as a pint Quantity (in the input's unit)."""
        return Quantity(self.u, self.unit)

    def describe(self) -> dict[str, Any]:
        """Return the input as plain JSON-safe data (numbers in the input's unit)."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "value": plain(self.value),
            "u": plain(self.u),
            "dof": plain_dof(self.dof),
            "distribution": self.distribution.name,
            "unit": unit_text(self.unit),
        }
        if self.distribution.name == "trapezoidal":
            data["beta"] = self.distribution.beta
        if self.half_width is not None:
            data["half_width"] = plain(self.half_width)
        if self.readings is not None:
            data["readings"] = self.readings.tolist()
        return data


class TypeA:
    """Type A evaluation from repeated readings (GUM 4.2)."""

    @staticmethod
    def from_readings(
        values: Any,
        unit: str | pint.Unit | None = None,
        *,
        pooled_sd: Any = None,
        pooled_dof: float | None = None,
        check_autocorrelation: bool = True,
    ) -> Input:
        """Return an :class:`Input` from readings along the last axis.

        Value is the mean, u the experimental standard deviation of the mean (GUM 4.2.3)
        and dof n-1. A 2-D array gives one input per row (test point). With ``pooled_sd``
        (a standard deviation from earlier data, GUM 4.2.4) u is ``pooled_sd/sqrt(n)`` and
        dof is ``pooled_dof``. Warns :class:`AutocorrelationWarning` when the lag-1
        autocorrelation of any row exceeds its approximate 95 % bound 2/sqrt(n).
        """
        target = unit_of(unit) if unit is not None else None
        data, found = magnitude_and_unit(values, target, "readings")
        the_unit = found or ureg.dimensionless
        if data.ndim == 0 or data.shape[-1] < 1:
            raise UncertaintyInputError("readings: give at least one reading (two for a Type A u)")
        if not np.all(np.isfinite(data)):
            raise UncertaintyInputError("readings: contain NaN or infinity (an overload?)")
        n = data.shape[-1]
        # deviations from the first reading are exact, so identical readings give a
        # spread of exactly zero (the mean of 10.000001 ten times is not 10.000001)
        deviations = data - data[..., :1]
        mean = data[..., 0] + deviations.mean(axis=-1)
        if pooled_sd is not None:
            sd, _ = magnitude_and_unit(pooled_sd, the_unit, "pooled_sd", delta=True)
            if np.any(sd < 0):
                raise UncertaintyInputError(f"pooled_sd: negative standard deviation {sd}")
            u = sd / math.sqrt(n)
            dof = np.asarray(_positive_dof(pooled_dof, "pooled_dof"))
        else:
            if n < 2:
                raise UncertaintyInputError(
                    "readings: one reading gives no Type A uncertainty: take more or give pooled_sd"
                )
            u = deviations.std(axis=-1, ddof=1) / math.sqrt(n)
            dof = np.asarray(float(n - 1))
        if check_autocorrelation and n >= 8:
            _warn_if_autocorrelated(deviations)
        distribution = (
            Distribution("t-scaled", dof=float(dof))
            if math.isfinite(float(dof)) and dof > 0
            else Distribution("normal")
        )
        return Input(
            np.asarray(mean, dtype=float),
            np.asarray(u, dtype=float),
            np.broadcast_to(dof, np.shape(mean)).copy(),
            distribution,
            the_unit,
            "A",
            readings=data,
        )


def _positive_dof(dof: Any, what: str) -> float:
    """Return ``dof`` as a float (infinity for None); raise unless it is a number > 0."""
    try:
        nu = math.inf if dof is None else float(dof)
    except (TypeError, ValueError):
        raise UncertaintyInputError(f"{what}: {dof!r} is not a number") from None
    if not nu > 0:  # also refuses NaN
        raise UncertaintyInputError(f"{what}: degrees of freedom must be positive, got {dof}")
    return nu


def _warn_if_autocorrelated(data: np.ndarray) -> None:
    """Warn when the lag-1 autocorrelation of readings is significant.

    ``data`` are the readings less the first one (exact differences, so identical
    readings have no spread and no autocorrelation).
    """
    centred = data - data.mean(axis=-1, keepdims=True)
    if not centred.any():
        return
    denom = np.sum(centred**2, axis=-1)
    num = np.sum(centred[..., 1:] * centred[..., :-1], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r1 = np.where(denom > 0, num / denom, 0.0)
    bound = 2.0 / math.sqrt(data.shape[-1])
    if np.any(np.abs(r1) > bound):
        warnings.warn(
            f"readings are autocorrelated (lag-1 r = {float(np.max(np.abs(r1))):.2f} "
            f"> {bound:.2f}): "
            "s/sqrt(n) understates the uncertainty of the mean; check drift or settle longer",
            AutocorrelationWarning,
            stacklevel=3,
        )


def TypeB(
    value: Any,
    u: Any = None,
    half_width: Any = None,
    distribution: str = "normal",
    dof: float | None = None,
    unit: str | pint.Unit | None = None,
    *,
    beta: float | None = None,
    expanded: Any = None,
    k: float | None = None,
) -> Input:
    """Return a Type B :class:`Input` (GUM 4.3).

    Give exactly one of ``u`` (standard uncertainty, the distribution's standard deviation,
    also for ``t``), ``half_width`` (rectangular, triangular, arcsine, trapezoidal: u =
    half_width x factor) or ``expanded`` with ``k`` (a certificate's U: u = U/k, normal).
    Values may be arrays over test points or pint Quantities. ``dof`` defaults to infinity
    (and is the t distribution's degrees of freedom for ``distribution="t"``).
    """
    target = unit_of(unit) if unit is not None else None
    val, found = magnitude_and_unit(value, target, "value")
    the_unit = found or ureg.dimensionless
    nu = _positive_dof(dof, "dof")
    dist = make_distribution(distribution, dof=nu, beta=beta)
    given = [
        name
        for name, v in (("u", u), ("half_width", half_width), ("expanded", expanded))
        if v is not None
    ]
    if len(given) != 1:
        raise UncertaintyInputError(
            f"give exactly one of u, half_width or expanded (with k), got {given or 'none'}"
        )
    hw: np.ndarray | None = None
    if u is not None:
        std, _ = magnitude_and_unit(u, the_unit, "u", delta=True)
    elif half_width is not None:
        hw, _ = magnitude_and_unit(half_width, the_unit, "half_width", delta=True)
        std = hw * dist.half_width_factor()
    else:
        if k is None or not k > 0:
            raise UncertaintyInputError(
                f"expanded uncertainty needs a coverage factor k > 0, got {k}"
            )
        big, _ = magnitude_and_unit(expanded, the_unit, "expanded", delta=True)
        std = big / float(k)
    if not np.all((std >= 0) & (std < math.inf)):  # one pass: refuses NaN, inf and < 0
        raise UncertaintyInputError(f"negative or non-finite uncertainty {std}")
    shape = np.broadcast_shapes(np.shape(val), np.shape(std))
    return Input(
        np.broadcast_to(val, shape).astype(float),
        np.broadcast_to(std, shape).astype(float),
        np.broadcast_to(np.float64(nu), shape),  # one dof for every point: a read-only view
        dist,
        the_unit,
        "B",
        half_width=hw,
    )


def from_scipy(
    frozen: Any, unit: str | pint.Unit | None = None, *, dof: float | None = None
) -> Input:
    """Return a Type B :class:`Input` whose distribution is a frozen ``scipy.stats`` one.

    The estimate is the distribution's mean and u its standard deviation (in ``unit``).
    """
    mean, std = float(frozen.mean()), float(frozen.std())
    if not (math.isfinite(mean) and math.isfinite(std)):
        raise UncertaintyInputError(
            f"{frozen.dist.name}: the distribution has no finite mean and variance"
        )
    nu = _positive_dof(dof, "dof")
    return Input(
        np.asarray(mean),
        np.asarray(std),
        np.asarray(nu),
        Distribution("scipy", frozen=frozen),
        unit_of(unit),
        "B",
    )


def observed_together(
    readings: Mapping[str, Any],
    units: Mapping[str, str] | None = None,
) -> tuple[dict[str, Input], dict[tuple[str, str], float]]:
    """Return Type A inputs and their correlation coefficients from simultaneous readings.

    Each entry of ``readings`` is a sequence of the same length n, observed together
    (GUM 5.2.3, H.2); r(q, w) is estimated by GUM equation (17). Returns
    ``(inputs, correlations)`` ready for :func:`~metrolab.uncertainty.evaluate_gum`.
    """
    units = units or {}
    inputs = {
        name: TypeA.from_readings(vals, units.get(name), check_autocorrelation=False)
        for name, vals in readings.items()
    }
    lengths = {
        name: inp.readings.shape[-1] for name, inp in inputs.items() if inp.readings is not None
    }
    if len(set(lengths.values())) != 1:
        raise UncertaintyInputError(
            f"readings observed together must have equal lengths, got {lengths}"
        )
    names = list(inputs)
    matrix = np.corrcoef(np.vstack([inputs[n].readings for n in names]))  # type: ignore[misc]
    correlations = {
        (a, b): float(matrix[i, j])
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if i < j
    }
    return inputs, correlations


Inputs = Mapping[str, Input]
CorrelationSpec = Mapping[tuple[str, str], float] | Sequence[tuple[str, str, float]] | None
