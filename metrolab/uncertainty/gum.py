"""Law of propagation of uncertainty (JCGM 100:2008, GUM), vectorised over test points.

For outputs Y = f(X) the covariance is U_y = J diag(u) R diag(u) J^T (GUM 5.1.2, 5.2.2,
JCGM 102 6.2.1.3) with the Jacobian J from :mod:`metrolab.uncertainty.differentiate`;
effective degrees of freedom by Welch-Satterthwaite (GUM G.4.1), the coverage factor from
Student's t at the truncated nu_eff (GUM G.6.4). Every array has the test points as its
trailing axes; no Python loop runs over points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.differentiate import jacobian, second_and_third
from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError
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


def coverage_factor(dof: Any, coverage: float) -> np.ndarray:
    """Return k = t_p(nu) for coverage probability ``coverage`` (dimensionless array).

    ``nu`` is truncated to the next lower integer (GUM G.6.4) and at least 1; infinite
    dof gives the normal quantile (1.960 for 95 %).
    """
    check_coverage(coverage)
    nu = np.asarray(dof, dtype=float)
    # the small allowance keeps a computed 3.9999999999 from truncating to 3
    nu = np.where(np.isinf(nu), np.inf, np.maximum(np.floor(nu * (1.0 + 1e-9)), 1.0))
    p = 0.5 * (1.0 + coverage)
    # large dof: the asymptotic expansion of Abramowitz & Stegun 26.7.5 (four terms) agrees
    # with the exact quantile to < 3e-10 for nu >= 200 and p <= 0.9995, at a fraction of its
    # cost; small dof are the integers 1..199: looked up in a table of exact quantiles
    small = nu < _TABLE_DOF
    if not np.any(small):
        return _t_quantile_expansion(nu, p)
    k = _t_quantile_expansion(np.where(small, np.inf, nu), p)
    k[small] = _t_table(p)[nu[small].astype(np.intp)]
    return k


_TABLE_DOF = 200


@lru_cache(maxsize=16)
def _t_table(p: float) -> np.ndarray:
    """Return t_p(nu) for nu = 0..199 (entry 0 unused), exact, computed once per p."""
    from scipy.special import stdtrit

    table = np.asarray(stdtrit(np.arange(_TABLE_DOF, dtype=float), p), dtype=float)
    table.flags.writeable = False
    return table


def _t_quantile_expansion(nu: np.ndarray, p: float) -> np.ndarray:
    """Student-t quantile by its expansion in 1/nu about the normal one (A&S 26.7.5)."""
    from scipy.special import ndtri

    z = float(ndtri(p))
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    inv = 1.0 / nu
    return np.asarray(z + inv * (g1 + inv * (g2 + inv * (g3 + inv * g4))), dtype=float)


def check_coverage(coverage: float) -> None:
    """Raise :class:`UncertaintyInputError` unless 0 < coverage < 1."""
    if not 0.0 < float(coverage) < 1.0:
        raise UncertaintyInputError(f"coverage probability must be between 0 and 1, got {coverage}")


def welch_satterthwaite(u_y: np.ndarray, variances: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """Return nu_eff = u_y^4 / sum(v_i^2 / nu_i) (GUM G.2b), inf when every nu_i is inf.

    ``variances`` (outputs, components, *points) are the variance contributions u_i(y)^2,
    ``dof`` (components, *points) their degrees of freedom; ``u_y`` is (outputs, *points).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = (variances * variances / dof).sum(axis=1)  # infinite dof contribute 0
        u2 = u_y * u_y
        positive = denom > 0
        if np.all(positive):
            return u2 * u2 / denom
        return np.where(positive, u2 * u2 / np.where(positive, denom, 1.0), np.inf)


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


@dataclass(frozen=True)
class BudgetParts:
    """Working arrays (base units) from which a :class:`GumResult` builds its budget on demand.

    ``jacobian`` and ``g`` = J u are (outputs, inputs, *points); ``variance_parts`` the
    variance contribution of each input (with its correlations), ``variance`` their sum per
    output; ``in_scale``/``out_scale`` convert base units to the inputs'/outputs' units,
    shaped to broadcast against ``jacobian``.
    """

    jacobian: np.ndarray
    g: np.ndarray
    variance_parts: np.ndarray
    variance: np.ndarray
    in_scale: np.ndarray
    out_scale: np.ndarray


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
    check_derivatives: bool = False,
) -> GumResult:
    """Return the GUM evaluation of ``model`` for ``inputs`` (a :class:`GumResult`).

    ``model`` is a plain function whose parameters name the inputs; it may return one
    array, a tuple (names from ``outputs``) or a dict of outputs. ``correlations`` maps
    ``(a, b)`` to r. ``second_order`` adds the higher-order terms of the GUM 5.1.2 note
    (uncorrelated inputs only). ``output_units`` maps an output to the unit to report it in.
    ``check_derivatives`` re-checks the complex-step sensitivities against central
    differences at this call (by default a model function is checked the first time only).
    """
    check_coverage(coverage)
    the_model = as_model(model, outputs)
    prep = prepare(the_model, inputs, correlations, output_units)
    return _propagate(prep, coverage, second_order, check_derivatives)


def _model_values(prep: Prepared) -> np.ndarray:
    """Return the outputs at the estimates (outputs, *points), base units; refuse NaN/inf."""
    with np.errstate(all="ignore"):
        y = np.stack([np.broadcast_to(o, prep.shape) for o in prep.model(*prep.x)])
    bad = ~np.isfinite(y)
    if np.any(bad):
        names = [
            n for n, b in zip(prep.out_names, bad.reshape(len(y), -1).any(axis=1), strict=True) if b
        ]
        raise UncertaintyComputationError(
            f"output(s) {', '.join(names)}: the model gives NaN or infinity at "
            f"{int(bad.sum())} test point(s) (a log or sqrt of a negative, a division by zero?)"
        )
    return y


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


def _effective_dof(
    prep: Prepared, parts: np.ndarray, u_y: np.ndarray, corr: np.ndarray | None
) -> np.ndarray:
    """Return nu_eff (outputs, *points) by Welch-Satterthwaite over correlated blocks.

    A block of mutually correlated inputs contributes its summed variance with the smallest
    dof of its members (for inputs observed together, as in GUM H.2, all share n-1);
    uncorrelated inputs are blocks of one (GUM G.4.1). Only components with a finite dof
    enter the denominator of G.2b.
    """
    blocks = correlated_blocks(len(prep.names), corr)
    if len(blocks) == len(prep.names):
        block_var, block_dof = parts, prep.dof
    else:
        block_var = np.stack([np.sum(parts[:, b], axis=1) for b in blocks], axis=1)
        block_dof = np.stack([np.min(prep.dof[b], axis=0) for b in blocks])
    finite = ~np.all(np.isinf(block_dof.reshape(len(block_dof), -1)), axis=1)
    if np.all(finite):
        return welch_satterthwaite(u_y, block_var, block_dof)
    return welch_satterthwaite(u_y, block_var[:, finite], block_dof[finite])


def _propagate(
    prep: Prepared, coverage: float, second_order: bool, check_derivatives: bool
) -> GumResult:
    shape = prep.shape
    y = _model_values(prep)
    jac, method = jacobian(prep.model, prep.x, prep.u, shape, check=check_derivatives)
    u_in = np.stack([np.broadcast_to(ui, shape) for ui in prep.u])  # (n, *S)
    g = jac * u_in[None]  # (m, n, *S)
    corr = prep.correlation
    if corr is None:
        parts = g * g  # (m, n, *S): variance contribution of each input
        cov = (
            parts.sum(axis=1)[:, None]  # one output: skip the general contraction
            if g.shape[0] == 1
            else np.einsum("an...,bn...->ab...", g, g)
        )
    else:
        weighted = np.einsum("nk,ak...->an...", corr, g)
        parts = g * weighted
        cov = np.einsum("an...,bn...->ab...", g, weighted)
    if second_order:
        idx = np.arange(len(prep.out_names))
        cov[idx, idx] += _second_order_variance(prep, jac, method)
    var = np.einsum("aa...->a...", cov)
    u_y = np.sqrt(np.maximum(var, 0.0))
    dof = _effective_dof(prep, parts, u_y, corr)
    k = coverage_factor(dof, coverage)

    trailing = (1,) * len(shape)
    out_scale = prep.out_scale.reshape((-1, *trailing))
    plain_units = bool(np.all(prep.out_scale == 1.0) and np.all(prep.out_offset == 0.0))
    values = y if plain_units else (y - prep.out_offset.reshape((-1, *trailing))) / out_scale
    settings: dict[str, Any] = {
        "second_order": second_order,
        "derivative": method,
        "dof": "Welch-Satterthwaite (GUM G.4.1), truncated for k (GUM G.6.4)",
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
        parts=BudgetParts(
            jacobian=jac,
            g=g,
            variance_parts=parts,
            variance=var,
            in_scale=prep.in_scale.reshape((1, -1, *trailing)),
            out_scale=out_scale,
        ),
    )


def ellipsoid_coverage_factor(outputs: int, coverage: float) -> float:
    """Return k_p = sqrt(chi2_p(m)) for the JCGM 102 6.5.2 coverage ellipsoid (dimensionless).

    A multivariate normal output of dimension m lies inside (y - eta)^T V^-1 (y - eta) <= k_p^2
    with probability p; for m = 2 and p = 0.95, k_p = 2.4477.
    """
    from scipy.special import chdtri

    check_coverage(coverage)
    return math.sqrt(float(chdtri(outputs, 1.0 - coverage)))
