"""Law of propagation of uncertainty (JCGM 100:2008, GUM), vectorised over test points.

For outputs Y = f(X) the covariance is U_y = J diag(u) R diag(u) J^T (GUM 5.1.2, 5.2.2,
JCGM 102 6.2.1.3) with the Jacobian J from :mod:`metrolab.uncertainty.differentiate`;
effective degrees of freedom by Welch-Satterthwaite (GUM G.4.1), the coverage factor from
Student's t at the truncated nu_eff (GUM G.6.4). Every array has the test points as its
trailing axes; no Python loop runs over points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.differentiate import Derivatives, derivatives, second_and_third
from metrolab.uncertainty.dof import (
    check_coverage,
    correlated_dof,
    coverage_factor,
    from_denominator,
    reciprocal_variance,
)
from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError
from metrolab.uncertainty.forward import fitted, stacked
from metrolab.uncertainty.inputs import Input
from metrolab.uncertainty.model import Model, as_model
from metrolab.uncertainty.prepare import CorrelationSpec, Prepared, prepare
from metrolab.uncertainty.results import (
    EvaluationRecord,
    plain,
    plain_dof,
    unit_text,
)
from metrolab.units import Quantity


def correlated_blocks(n: int, corr: np.ndarray | None) -> list[list[int]]:
    """Return groups of input indices linked by non-zero correlations (connected components)."""
    parent = list(range(n))

    def root(i: int) -> int:
        """Return the representative of i's group (path halving)."""
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if corr is not None:
        for i, j in zip(*np.nonzero(np.triu(corr, 1)), strict=True):
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


class BudgetParts:
    """Working arrays (base units) from which a :class:`GumResult` builds its budget on demand.

    ``derivatives`` are dy_a/dx_i ([output][input], each broadcastable to the points),
    ``u`` the inputs' standard uncertainties, ``correlation`` their correlation matrix (None
    when uncorrelated), ``covariance`` the outputs' (outputs, outputs, *points);
    ``in_scale``/``out_scale`` convert base units to the inputs'/outputs' units, shaped to
    broadcast against :attr:`jacobian`. The stacked arrays are built when first read.
    """

    def __init__(
        self,
        derivatives: Derivatives,
        u: Sequence[np.ndarray],
        correlation: np.ndarray | None,
        covariance: np.ndarray,
        in_scale: np.ndarray,
        out_scale: np.ndarray,
    ) -> None:
        self.derivatives = derivatives
        self.u = u
        self.correlation = correlation
        self.covariance = covariance
        self.in_scale = in_scale
        self.out_scale = out_scale
        self.shape: tuple[int, ...] = covariance.shape[2:]

    @property
    def variance(self) -> np.ndarray:
        """Return the output variances (outputs, *points), base units."""
        return np.einsum("aa...->a...", self.covariance)

    @cached_property
    def jacobian(self) -> np.ndarray:
        """Return dy_a/dx_i as one array (outputs, inputs, *points), base units."""
        return stacked(self.derivatives, len(self.u), self.shape)

    @cached_property
    def g(self) -> np.ndarray:
        """Return c_i u_i (outputs, inputs, *points), base units."""
        return self.jacobian * np.stack([np.broadcast_to(ui, self.shape) for ui in self.u])

    @cached_property
    def variance_parts(self) -> np.ndarray:
        """Return each input's variance contribution with its correlations (outputs, inputs,
        *points): g_i sum_j r_ij g_j."""
        if self.correlation is None:
            return self.g * self.g
        return self.g * np.einsum("nk,ak...->an...", self.correlation, self.g)


@dataclass(frozen=True)
class OutputEstimate:
    """One output of a GUM evaluation as quantities (arrays over test points allowed)."""

    name: str
    value: pint.Quantity
    u: pint.Quantity
    dof: np.ndarray
    k: np.ndarray
    U: pint.Quantity
    coverage: float

    @property
    def interval(self) -> tuple[pint.Quantity, pint.Quantity]:
        """Return the coverage interval (value - U, value + U), in the output's unit."""
        return self.value - self.U, self.value + self.U


@dataclass(kw_only=True)
class GumResult(EvaluationRecord):
    """A GUM evaluation: estimates, uncertainties, budget and all that is needed to redo it.

    Arrays are in each output's unit (``units``); the first axis indexes outputs (and
    inputs for budget arrays), trailing axes the test points. ``dof`` is nu_eff, ``k`` the
    coverage factor; ``parts`` holds the working arrays the budget is built from on demand.
    """

    dof: np.ndarray
    k: np.ndarray
    parts: BudgetParts = field(repr=False)

    @cached_property
    def sensitivities(self) -> np.ndarray:
        """Return c_i (outputs, inputs, *points), in output unit per input unit."""
        p = self.parts
        return p.jacobian * p.in_scale / p.out_scale[:, None]

    @cached_property
    def contributions(self) -> np.ndarray:
        """Return |c_i| u_i (outputs, inputs, *points), in the output's unit."""
        p = self.parts
        return np.abs(p.g) / p.out_scale[:, None]

    @cached_property
    def shares(self) -> np.ndarray:
        """Return each input's share of the output variance (outputs, inputs, *points), 0..1."""
        p = self.parts
        var = p.variance[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = p.variance_parts / var
        # an output known exactly: no input has a share
        return share if np.all(var > 0) else np.where(var > 0, share, 0.0)

    @property
    def U(self) -> np.ndarray:
        """Return the expanded uncertainties k x u (outputs, *points), in the outputs' units."""
        return self.k * self.u

    def __getitem__(self, name: str) -> OutputEstimate:
        """Return the output called ``name`` as quantities."""
        try:
            i = self.output_names.index(name)
        except ValueError:
            raise KeyError(
                f"no output {name!r}; outputs are {', '.join(self.output_names)}"
            ) from None
        unit = self.units[i]
        return OutputEstimate(
            name,
            Quantity(self.values[i], unit),
            Quantity(self.u[i], unit),
            self.dof[i],
            self.k[i],
            Quantity(self.U[i], unit),
            self.coverage,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-safe plain data (the record writer stores it).

        Shape: ``{"method", "model", "coverage", "outputs": {NAME: {"value", "u", "dof", "k",
        "U", "unit"}}, "budget": [...], "correlations", "settings", "inputs",
        "output_correlation"}``; numbers in the stated units, ``dof`` None when infinite.
        """
        outputs = {}
        for i, name in enumerate(self.output_names):
            outputs[name] = {
                "value": plain(self.values[i]),
                "u": plain(self.u[i]),
                "dof": plain_dof(self.dof[i]),
                "k": plain(self.k[i]),
                "U": plain(self.U[i]),
                "unit": unit_text(self.units[i]),
            }
        budget = []
        for a, out in enumerate(self.output_names):
            for j, inp_name in enumerate(self.input_names):
                inp = self.inputs[j]
                budget.append(
                    {
                        "output": out,
                        "input": inp_name,
                        "kind": inp.kind,
                        "value": plain(inp.value),
                        "u": plain(inp.u),
                        "unit": unit_text(inp.unit),
                        "distribution": inp.distribution.name,
                        "dof": plain_dof(inp.dof),
                        "sensitivity": plain(self.sensitivities[a, j]),
                        "sensitivity_unit": unit_text(self.units[a] / inp.unit),
                        "contribution": plain(self.contributions[a, j]),
                        "share": plain(self.shares[a, j]),
                    }
                )
        return self.record("gum", outputs, {"budget": budget}, self.settings.get("region_k"))


def evaluate_gum(
    model: Model | Callable[..., Any],
    inputs: Mapping[str, Input],
    *,
    correlations: CorrelationSpec = None,
    coverage: float = 0.95,
    second_order: bool = False,
    output_units: Mapping[str, str] | None = None,
    outputs: tuple[str, ...] | None = None,
) -> GumResult:
    """Return the GUM evaluation of ``model`` for ``inputs`` (a :class:`GumResult`).

    ``model`` is a plain function whose parameters name the inputs; it may return one
    array, a tuple (names from ``outputs``) or a dict of outputs. ``correlations`` maps
    ``(a, b)`` to r. ``second_order`` adds the higher-order terms of the GUM 5.1.2 note
    (uncorrelated inputs only). ``output_units`` maps an output to the unit to report it in.
    Sensitivities come from :func:`metrolab.uncertainty.differentiate.derivatives`
    (forward mode, else complex step, else central differences, checked at every call).
    """
    check_coverage(coverage)
    the_model = as_model(model, outputs)
    prep = prepare(the_model, inputs, correlations, output_units)
    return _propagate(prep, coverage, second_order)


def _model_values(prep: Prepared, y: np.ndarray | None) -> np.ndarray:
    """Return the outputs at the estimates (outputs, *points), base units; refuse NaN/inf.

    ``y`` is given when the differentiation has already evaluated the model.
    """
    if y is None:
        with np.errstate(all="ignore"):
            y = np.stack(
                [np.broadcast_to(fitted(o, prep.shape), prep.shape) for o in prep.model(*prep.x)]
            )
    if not np.isfinite(y).all():
        bad = ~np.isfinite(y)
        names = [
            n for n, b in zip(prep.out_names, bad.reshape(len(y), -1).any(axis=1), strict=True) if b
        ]
        raise UncertaintyComputationError(
            f"output(s) {', '.join(names)}: the model gives NaN or infinity at "
            f"{int(bad.sum())} test point(s) (a log or sqrt of a negative, a division by zero?)"
        )
    return y


def _where_not_finite(names: Sequence[str], arrays: np.ndarray) -> list[str]:
    """Return the names of the outputs whose array (first axis) holds a NaN or infinity."""
    flat = arrays.reshape(len(names), -1)
    return [n for n, row in zip(names, flat, strict=True) if not np.isfinite(row).all()]


def _second_order_variance(prep: Prepared, jac: np.ndarray, method: str) -> np.ndarray:
    """Return the higher-order variance terms of the GUM 5.1.2 note (outputs, *points)."""
    corr = prep.correlation
    if corr is not None and np.any(corr != np.eye(len(corr))):
        raise UncertaintyInputError(
            "the second-order terms of the GUM 5.1.2 note apply to uncorrelated inputs only"
        )
    d2, d3 = second_and_third(prep.model, prep.x, prep.u, prep.shape, method)
    u2 = np.stack([np.broadcast_to(ui, prep.shape) for ui in prep.u]) ** 2
    return np.einsum("aij...,i...,j...->a...", 0.5 * d2**2 + jac[:, :, None] * d3, u2, u2)


def _uncorrelated(prep: Prepared, rows: Derivatives) -> tuple[np.ndarray, np.ndarray]:
    """Return (output covariance (m, m, *points), nu_eff (m, *points)) for uncorrelated
    inputs, input by input so that no (outputs x inputs x points) array is made.

    nu_eff by Welch-Satterthwaite (GUM G.2b) in relative terms: 1 / sum over inputs with
    finite dof of ((c_i u_i)^2 / u_y^2)^2 / nu_i, so no u^4 over- or underflows; infinite
    when no input with a finite dof contributes. Working buffers are reused: on a small
    machine, fresh arrays cost more in page faults than in arithmetic.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # range checked later
        return _uncorrelated_sums(prep, rows)


def _uncorrelated_sums(prep: Prepared, rows: Derivatives) -> tuple[np.ndarray, np.ndarray]:
    """Return what :func:`_uncorrelated` returns (its loops)."""
    m, shape = len(rows), prep.shape
    finite = [i for i, inp in enumerate(prep.inputs) if inp.has_finite_dof]
    cov = np.zeros((m, m, *shape))
    dof = np.full((m, *shape), np.inf)
    g, part = np.empty(shape), np.empty(shape)
    denom = np.empty(shape)
    for a in range(m):
        variance = cov[a, a, ...]  # a view also when there is one test point (shape ())
        for d, ui in zip(rows[a], prep.u, strict=True):
            np.multiply(d, ui, out=g)
            variance += np.square(g, out=part)
        for b in range(a + 1, m):
            for d_a, d_b, ui in zip(rows[a], rows[b], prep.u, strict=True):
                np.multiply(d_a, ui, out=g)
                g *= d_b
                cov[a, b, ...] += np.multiply(g, ui, out=part)
            cov[b, a] = cov[a, b]
        if finite:
            inverse = reciprocal_variance(variance)
            denom[...] = 0.0
            for i in finite:
                np.multiply(rows[a][i], prep.u[i], out=g)
                np.square(g, out=part)
                part *= inverse
                np.square(part, out=part)
                denom += np.divide(part, prep.dof[i], out=part)
            dof[a, ...] = from_denominator(denom)
    return cov, dof


def _correlated(
    prep: Prepared, rows: Derivatives, corr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (output covariance (m, m, *points), nu_eff (m, *points)) with correlations.

    U_y = J diag(u) R diag(u) J^T; nu_eff by Welch-Satterthwaite with Willink's
    generalisation for correlated inputs (:func:`metrolab.uncertainty.dof.correlated_dof`).
    """
    shape = prep.shape
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # range checked later
        g = stacked(rows, len(prep.u), shape)
        g *= np.stack([np.broadcast_to(u, shape) for u in prep.u])
        weighted = np.einsum("nk,ak...->an...", corr, g)
        cov = np.einsum("an...,bn...->ab...", g, weighted)
        variance = np.maximum(np.einsum("aa...->a...", cov), 0.0)
        dof = correlated_dof(g, weighted, variance, corr, prep.dof, prep.out_names, prep.names)
    return cov, dof


def _check_range(prep: Prepared, parts: BudgetParts, var: np.ndarray) -> None:
    """Raise :class:`UncertaintyComputationError` when u(y)^2 is not finite: a sensitivity
    that is not finite, or a variance above the float range (|c_i u_i| above about 1e154 in
    base units, where the covariance matrix cannot be held)."""
    if np.isfinite(var).all():
        return
    if np.isfinite(parts.jacobian).all():
        raise UncertaintyComputationError(
            f"output(s) {', '.join(_where_not_finite(prep.out_names, var))}: u(y)^2 "
            "exceeds the floating-point range (|c_i u_i| above about 1e154 in base "
            "units): express the quantities in a larger unit"
        )
    raise UncertaintyComputationError(
        f"output(s) {', '.join(_where_not_finite(prep.out_names, var))}: the sensitivity "
        "coefficients are not finite at some test point (is the model differentiable "
        "at the estimates? a sqrt or log at zero?)"
    )


#: below this u(y)^2 (in base units) the sums of squares lose digits to underflow
_TINY_VARIANCE = 1e-280


def _rescued(
    prep: Prepared, parts: BudgetParts, var: np.ndarray, u_y: np.ndarray, dof: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (u(y), nu_eff), recomputed in scaled units where u(y)^2 underflows.

    Rare (a saturated output such as tanh of a large argument, whose c_i u_i are below
    about 1e-140): there each output's contributions are divided by the largest of them
    before they are squared, so u(y) and nu_eff keep full precision; the covariance matrix
    keeps the underflowed values.
    """
    if (var >= _TINY_VARIANCE).all():
        return u_y, dof
    g = parts.g
    lost = (var < _TINY_VARIANCE) & (g != 0).any(axis=1)
    if not lost.any():
        return u_y, dof
    scale = np.abs(g).max(axis=1)
    scale[scale == 0] = 1.0
    scaled = g / scale[:, None]
    corr = prep.correlation
    weighted = scaled if corr is None else np.einsum("nk,ak...->an...", corr, scaled)
    variance = np.maximum(np.einsum("an...,an...->a...", scaled, weighted), 0.0)
    if corr is None:
        inverse = reciprocal_variance(variance)
        denominator = sum(
            (np.square(scaled[:, i] ** 2 * inverse) / prep.dof[i])
            for i, inp in enumerate(prep.inputs)
            if inp.has_finite_dof
        )
        nu = from_denominator(np.asarray(denominator + np.zeros_like(variance)))
    else:
        nu = correlated_dof(
            scaled, weighted, variance, corr, prep.dof, prep.out_names, prep.names
        )
    return np.where(lost, scale * np.sqrt(variance), u_y), np.where(lost, nu, dof)


def _propagate(prep: Prepared, coverage: float, second_order: bool) -> GumResult:
    shape = prep.shape
    try:
        y_found, rows, method = derivatives(prep.model, prep.x, prep.u, shape)
    except UncertaintyComputationError:
        _model_values(prep, None)  # a NaN output is named first: it is the cause
        raise
    y = _model_values(prep, y_found)
    trailing = (1,) * len(shape)
    out_scale = prep.out_scale.reshape((-1, *trailing))
    in_scale = prep.in_scale.reshape((1, -1, *trailing))
    corr = prep.correlation
    cov, dof = _uncorrelated(prep, rows) if corr is None else _correlated(prep, rows, corr)
    parts = BudgetParts(rows, prep.u, corr, cov, in_scale, out_scale)
    if second_order:
        idx = np.arange(len(prep.out_names))
        cov[idx, idx] += _second_order_variance(prep, parts.jacobian, method)
    var = parts.variance
    _check_range(prep, parts, var)
    # a sum of squares is never negative; with correlations rounding can make it -0.0...
    u_y = np.sqrt(var if corr is None and not second_order else np.maximum(var, 0.0))
    u_y, dof = _rescued(prep, parts, var, u_y, dof)
    k = coverage_factor(dof, coverage)

    plain_units = bool((prep.out_scale == 1.0).all() and (prep.out_offset == 0.0).all())
    values = y if plain_units else (y - prep.out_offset.reshape((-1, *trailing))) / out_scale
    settings: dict[str, Any] = {
        "second_order": second_order,
        "derivative": method,
        "dof": (
            "Welch-Satterthwaite (GUM G.4.1); correlated inputs sharing one dof as one "
            "component (Willink, Metrologia 44 (2007) 340, 4.1); truncated for k (GUM G.6.4)"
        ),
    }
    m = len(prep.out_names)
    if m > 1:
        settings["region_k"] = ellipsoid_coverage_factor(m, coverage)
    return GumResult(
        **prep.identity(),
        values=values,
        u=u_y if plain_units else u_y / out_scale,
        dof=dof,
        k=k,
        covariance=cov if plain_units else cov / (out_scale[:, None] * out_scale[None, :]),
        coverage=coverage,
        settings=settings,
        parts=parts,
    )


def ellipsoid_coverage_factor(outputs: int, coverage: float) -> float:
    """Return k_p = sqrt(chi2_p(m)) for the JCGM 102 6.5.2 coverage ellipsoid (dimensionless).

    A multivariate normal output of dimension m lies inside (y - eta)^T V^-1 (y - eta) <= k_p^2
    with probability p; for m = 2 and p = 0.95, k_p = 2.4477.
    """
    from scipy.special import chdtri

    check_coverage(coverage)
    return math.sqrt(float(chdtri(outputs, 1.0 - coverage)))
