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
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.differentiate import jacobian, second_and_third
from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError
from metrolab.uncertainty.inputs import Input
from metrolab.uncertainty.model import Model, as_model
from metrolab.uncertainty.prepare import CorrelationSpec, Prepared, prepare
from metrolab.uncertainty.results import plain, plain_dof, unit_text
from metrolab.units import Quantity


def coverage_factor(dof: Any, coverage: float) -> np.ndarray:
    """Return k = t_p(nu) for coverage probability ``coverage`` (dimensionless array).

    ``nu`` is truncated to the next lower integer (GUM G.6.4) and at least 1; infinite
    dof gives the normal quantile (1.960 for 95 %).
    """
    from scipy.special import stdtrit

    check_coverage(coverage)
    nu = np.asarray(dof, dtype=float)
    # the small allowance keeps a computed 3.9999999999 from truncating to 3
    nu = np.where(np.isinf(nu), np.inf, np.maximum(np.floor(nu * (1.0 + 1e-9)), 1.0))
    p = 0.5 * (1.0 + coverage)
    # large dof: the asymptotic expansion of Abramowitz & Stegun 26.7.5 (four terms) agrees
    # with the exact quantile to < 3e-10 for nu >= 200 and p <= 0.9995, at a fraction of its
    # cost; small dof take at most 200 distinct values: one exact quantile each
    k = _t_quantile_expansion(np.where(nu >= 200.0, nu, np.inf), p)
    small = nu < 200.0
    if np.any(small):
        distinct, where = np.unique(nu[small], return_inverse=True)
        k[small] = np.asarray(stdtrit(distinct, p), dtype=float)[where.ravel()]
    return k


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
        return np.where(denom > 0, u2 * u2 / np.where(denom > 0, denom, 1.0), np.inf)


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


@dataclass
class GumResult:
    """A GUM evaluation: estimates, uncertainties, budget and all that is needed to redo it.

    Arrays are in each output's unit (``units``); the first axis indexes outputs (and
    inputs for budget arrays), trailing axes the test points.
    """

    output_names: tuple[str, ...]
    units: tuple[pint.Unit, ...]
    values: np.ndarray
    u: np.ndarray
    dof: np.ndarray
    k: np.ndarray
    covariance: np.ndarray
    sensitivities: np.ndarray
    contributions: np.ndarray
    shares: np.ndarray
    coverage: float
    input_names: tuple[str, ...]
    inputs: tuple[Input, ...]
    input_correlation: np.ndarray | None
    model_source: str | None
    equations: dict[str, str] | None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def U(self) -> np.ndarray:
        """Return the expanded uncertainties k x u (outputs, *points), in the outputs' units."""
        return self.k * self.u

    @property
    def correlation(self) -> np.ndarray:
        """Return the output correlation matrix (outputs, outputs, *points), dimensionless."""
        with np.errstate(divide="ignore", invalid="ignore"):
            outer = self.u[:, None] * self.u[None, :]
            return np.where(outer > 0, self.covariance / np.where(outer > 0, outer, 1.0), 0.0)

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
        data: dict[str, Any] = {
            "method": "gum",
            "model": {"source": self.model_source, "equations": self.equations},
            "coverage": self.coverage,
            "outputs": outputs,
            "budget": budget,
            "correlations": input_correlations(self.input_names, self.input_correlation),
            "settings": self.settings,
            "inputs": {
                n: inp.describe() for n, inp in zip(self.input_names, self.inputs, strict=True)
            },
        }
        if len(self.output_names) > 1:
            data["output_correlation"] = {
                "names": list(self.output_names),
                "matrix": plain(self.correlation),
            }
            data["coverage_region"] = {"shape": "ellipsoid", "k": self.settings["region_k"]}
        return data


def input_correlations(names: tuple[str, ...], matrix: np.ndarray | None) -> list[dict[str, Any]]:
    """Return the non-zero input correlations as ``[{"between": [a, b], "r": r}]``."""
    if matrix is None:
        return []
    return [
        {"between": [a, b], "r": float(matrix[i, j])}
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if i < j and matrix[i, j] != 0.0
    ]


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
    """
    check_coverage(coverage)
    the_model = as_model(model, outputs)
    prep = prepare(the_model, inputs, correlations, output_units)
    return _propagate(prep, coverage, second_order)


def _propagate(prep: Prepared, coverage: float, second_order: bool) -> GumResult:
    shape = prep.shape
    with np.errstate(all="ignore"):
        y = np.stack([np.broadcast_to(o, shape) for o in prep.model(*prep.x)])
    bad = ~np.isfinite(y)
    if np.any(bad):
        names = [
            n for n, b in zip(prep.out_names, bad.reshape(len(y), -1).any(axis=1), strict=True) if b
        ]
        raise UncertaintyComputationError(
            f"output(s) {', '.join(names)}: the model gives NaN or infinity at "
            f"{int(bad.sum())} test point(s) (a log or sqrt of a negative, a division by zero?)"
        )
    jac, method = jacobian(prep.model, prep.x, prep.u, shape)
    u_in = np.stack([np.broadcast_to(ui, shape) for ui in prep.u])  # (n, *S)
    g = jac * u_in[None]  # (m, n, *S)
    corr = prep.correlation
    if corr is None:
        weighted = g
        cov = (
            (g * g).sum(axis=1)[:, None]  # one output: skip the general contraction
            if g.shape[0] == 1
            else np.einsum("an...,bn...->ab...", g, g)
        )
    else:
        weighted = np.einsum("nk,ak...->an...", corr, g)
        cov = np.einsum("an...,bn...->ab...", g, weighted)
    if second_order:
        if corr is not None and np.any(corr != np.eye(len(corr))):
            raise UncertaintyInputError(
                "the second-order terms of the GUM 5.1.2 note apply to uncorrelated inputs only"
            )
        d2, d3 = second_and_third(prep.model, prep.x, prep.u, shape, method)
        u2 = u_in**2
        extra = np.einsum("aij...,i...,j...->a...", 0.5 * d2**2 + jac[:, :, None] * d3, u2, u2)
        idx = np.arange(len(prep.out_names))
        cov[idx, idx] += extra
    var = np.einsum("aa...->a...", cov)
    u_y = np.sqrt(np.maximum(var, 0.0))
    # Welch-Satterthwaite over blocks of mutually correlated inputs: a block's variance
    # contribution carries the smallest dof of its members (for inputs observed together,
    # as in GUM H.2, all share n-1); uncorrelated inputs are blocks of one (GUM G.4.1)
    parts = g * weighted  # (m, n, *S): variance contribution of each input
    blocks = correlated_blocks(len(prep.names), corr)
    if len(blocks) == len(prep.names):
        block_var, block_dof = parts, prep.dof
    else:
        block_var = np.stack([np.sum(parts[:, b], axis=1) for b in blocks], axis=1)
        block_dof = np.stack([np.min(prep.dof[b], axis=0) for b in blocks])
    # only components with a finite dof enter the denominator of G.2b
    finite = ~np.all(np.isinf(block_dof.reshape(len(block_dof), -1)), axis=1)
    dof = welch_satterthwaite(u_y, block_var[:, finite], block_dof[finite])
    k = coverage_factor(dof, coverage)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = parts / var[:, None]
    if not np.all(var > 0):  # an output known exactly: no input has a share
        share = np.where(var[:, None] > 0, share, 0.0)

    out_scale = prep.out_scale.reshape((-1,) + (1,) * len(shape))
    out_offset = prep.out_offset.reshape((-1,) + (1,) * len(shape))
    in_scale = prep.in_scale.reshape((1, -1) + (1,) * len(shape))
    values = (y - out_offset) / out_scale
    settings: dict[str, Any] = {
        "second_order": second_order,
        "derivative": method,
        "dof": "Welch-Satterthwaite (GUM G.4.1), truncated for k (GUM G.6.4)",
    }
    m = len(prep.out_names)
    if m > 1:
        from scipy.stats import chi2

        settings["region_k"] = math.sqrt(float(chi2.ppf(coverage, m)))
    return GumResult(
        output_names=prep.out_names,
        units=prep.out_units,
        values=values,
        u=u_y / out_scale,
        dof=dof,
        k=k,
        covariance=cov / (out_scale[:, None] * out_scale[None, :]),
        sensitivities=jac * in_scale / out_scale[:, None],
        contributions=np.abs(g) / out_scale[:, None],
        shares=share,
        coverage=coverage,
        input_names=prep.names,
        inputs=prep.inputs,
        input_correlation=prep.correlation,
        model_source=prep.model.source,
        equations=prep.model.equations,
        settings=settings,
    )
