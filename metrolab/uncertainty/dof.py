"""Effective degrees of freedom and coverage factors (GUM G.4, G.6.4; Willink 2007).

Welch-Satterthwaite (GUM G.2b) is evaluated in relative terms, nu_eff = 1 / sum_k
(V_k / u_y^2)^2 / nu_k with V_k the variance of component k, so that neither u_y^4 nor
V_k^2 is ever formed: u_y of 1e-150 or 1e150 gives the same nu_eff as u_y of 1.

With correlated inputs a component is not always one input. R. Willink, "A generalization
of the Welch-Satterthwaite formula for use with correlations between uncertainty
components", Metrologia 44 (2007) 340-349, section 4.1, shows that inputs whose estimates
share one set of degrees of freedom nu (an ensemble, such as quantities observed together,
GUM H.2) form one component: their summed variance with covariances, carrying nu.
Correlations between inputs of infinite dof change no Welch-Satterthwaite term. Any
other correlation between inputs that both contribute to an output (finite dof against
infinite, or two different finite dof) is outside the formula, and the evaluation is
refused with :class:`UncertaintyInputError` rather than given a number that cannot be
defended. Only inputs that contribute to an output (c_i u_i != 0 there) count, so an input
the output does not use never affects its dof.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from metrolab.uncertainty.errors import UncertaintyInputError

#: dof below this are looked up in a table of exact Student-t quantiles (1..199)
_TABLE_DOF = 200
#: relative allowance when truncating nu: a computed 3.9999999999 is 4, not 3
_TRUNCATION_ALLOWANCE = 1e-9


def check_coverage(coverage: float) -> None:
    """Raise :class:`UncertaintyInputError` unless 0 < coverage < 1."""
    if not 0.0 < float(coverage) < 1.0:
        raise UncertaintyInputError(f"coverage probability must be between 0 and 1, got {coverage}")


def coverage_factor(dof: Any, coverage: float) -> np.ndarray:
    """Return k = t_p(nu) for coverage probability ``coverage`` (dimensionless array).

    ``nu`` is truncated to the next lower integer (GUM G.6.4) and at least 1; infinite
    dof gives the normal quantile (1.960 for 95 %). Raises :class:`UncertaintyInputError`
    for a dof that is NaN or not positive.
    """
    check_coverage(coverage)
    nu = np.asarray(dof, dtype=float)
    if nu.size and not nu.min() > 0:  # NaN makes the minimum NaN: refused too
        bad = nu[~(nu > 0)].ravel()[:3].tolist()
        raise UncertaintyInputError(f"degrees of freedom must be positive numbers, got {bad}")
    p = 0.5 * (1.0 + coverage)
    truncated = np.maximum(np.floor(nu * (1.0 + _TRUNCATION_ALLOWANCE)), 1.0)
    # large dof: the asymptotic expansion of Abramowitz & Stegun 26.7.5 (four terms) agrees
    # with the exact quantile to < 3e-10 for nu >= 200 and p <= 0.9995, at a fraction of its
    # cost; small dof are the integers 1..199: looked up in a table of exact quantiles
    small = truncated < _TABLE_DOF
    if not small.any():
        return _t_quantile_expansion(truncated, p)  # inf stays inf: the normal quantile
    if small.all():
        return np.asarray(_t_table(p)[truncated.astype(np.intp)])
    k = np.empty_like(nu)
    k[small] = _t_table(p)[truncated[small].astype(np.intp)]
    large = ~small
    k[large] = _t_quantile_expansion(truncated[large], p)
    return k


@lru_cache(maxsize=16)
def _t_table(p: float) -> np.ndarray:
    """Return t_p(nu) for nu = 0..199 (entry 0 unused), exact, computed once per p."""
    from scipy.special import stdtrit

    table = np.asarray(stdtrit(np.arange(_TABLE_DOF, dtype=float), p), dtype=float)
    table.flags.writeable = False
    return table


@lru_cache(maxsize=16)
def _t_series(p: float) -> tuple[float, tuple[float, float, float, float]]:
    """Return (z_p, (g1, g2, g3, g4)): the normal quantile and the coefficients of the
    expansion of t_p(nu) in powers of 1/nu (Abramowitz & Stegun 26.7.5)."""
    from scipy.special import ndtri

    z = float(ndtri(p))
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z, (g1, g2, g3, g4)


def _t_quantile_expansion(nu: np.ndarray, p: float) -> np.ndarray:
    """Student-t quantile by its expansion in 1/nu about the normal one (A&S 26.7.5)."""
    z, series = _t_series(p)
    inv = np.divide(1.0, nu)
    # Horner's rule, in place, from the last term that can matter: a term below 1e-13 at
    # the smallest nu (largest 1/nu) changes no k by more than that
    largest = float(np.max(inv)) if np.size(inv) else 0.0
    used = max((j for j, g in enumerate(series, 1) if abs(g) * largest**j > 1e-13), default=0)
    k = np.zeros_like(inv)
    for g in reversed(series[:used]):
        k += g
        k *= inv
    k += z
    return k


def reciprocal_variance(variance: np.ndarray) -> np.ndarray:
    """Return 1 / u_y^2, with 0 where u_y = 0 (an exact output: no term, infinite dof)."""
    inverse = np.zeros_like(variance)
    np.divide(1.0, variance, out=inverse, where=variance > 0)
    return inverse


def from_denominator(denominator: np.ndarray) -> np.ndarray:
    """Return nu_eff = 1 / sum_k (V_k / u_y^2)^2 / nu_k, infinite where the sum is 0
    (NaN only where u_y^2 itself is not finite, which the caller refuses)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(1.0, denominator)


def correlated_dof(
    g: np.ndarray,
    weighted: np.ndarray,
    variance: np.ndarray,
    correlation: np.ndarray,
    dof: Sequence[np.ndarray],
    output_names: Sequence[str],
    input_names: Sequence[str],
) -> np.ndarray:
    """Return nu_eff (outputs, *points) with correlated inputs (Willink 2007, section 4.1).

    ``g`` is c_i u_i (outputs, inputs, *points), ``weighted`` sum_j r_ij g_j (same shape),
    ``variance`` u_y^2 (outputs, *points), ``correlation`` the inputs' matrix and ``dof``
    their degrees of freedom. Components are the groups of contributing inputs linked by
    correlations that involve a finite dof; a group must share one dof. Raises
    :class:`UncertaintyInputError` naming the output and inputs when it does not.
    """
    n = len(input_names)
    shape = variance.shape[1:]
    dofs = [np.broadcast_to(np.asarray(d, dtype=float), shape) for d in dof]
    finite = [np.isfinite(d) for d in dofs]
    # correlations that can matter: r != 0 and not both inputs of infinite dof everywhere
    pairs = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if correlation[i, j] != 0.0 and (finite[i].any() or finite[j].any())
    ]
    linked = sorted({i for pair in pairs for i in pair})
    nu = np.empty(variance.shape)
    for a in range(len(output_names)):
        inverse = reciprocal_variance(variance[a])
        denominator = np.zeros(shape)
        for i in range(n):  # inputs without a correlation that matters: plain terms
            if i not in linked and finite[i].any():
                denominator += _term(g[a, i] * g[a, i], inverse, dofs[i])
        if pairs:
            parts = g[a] * weighted[a]  # each input's variance with its covariances
            denominator += _linked_terms(
                g[a], parts, inverse, dofs, finite, pairs, linked, correlation,
                (output_names[a], input_names),
            )  # fmt: skip
        nu[a] = from_denominator(denominator)
    return nu


def _term(component: np.ndarray, inverse: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """Return (V_k / u_y^2)^2 / nu_k (0 where nu_k is infinite)."""
    relative = component * inverse
    return relative * relative / nu


def _linked_terms(
    g: np.ndarray,
    parts: np.ndarray,
    inverse: np.ndarray,
    dofs: list[np.ndarray],
    finite: list[np.ndarray],
    pairs: list[tuple[int, int]],
    linked: list[int],
    correlation: np.ndarray,
    names: tuple[str, Sequence[str]],
) -> np.ndarray:
    """Return the Welch-Satterthwaite terms of the correlated inputs for one output.

    Points are grouped by which linked inputs contribute and which have a finite dof (in
    practice one group), and the components are found once per group.
    """
    shape = inverse.shape
    flat = int(np.prod(shape))
    if flat == 0:
        return np.zeros(shape)
    code = np.zeros(flat, dtype=np.int64)
    for bit, i in enumerate(linked):
        code |= (np.broadcast_to(g[i] != 0.0, shape).reshape(flat).astype(np.int64)) << (2 * bit)
        code |= finite[i].reshape(flat).astype(np.int64) << (2 * bit + 1)
    keys = code[:1] if (code == code[0]).all() else np.unique(code)
    denominator = np.zeros(flat)
    for key in keys.tolist():
        at = code == key
        contributes = {i for bit, i in enumerate(linked) if key >> (2 * bit) & 1}
        has_finite = {i for bit, i in enumerate(linked) if key >> (2 * bit + 1) & 1}
        for group in _components(pairs, contributes, has_finite):
            members = sorted(group)
            if not has_finite & group:
                continue  # every member exact: no term
            _check_one_dof(members, dofs, has_finite, at, correlation, names)
            summed = sum(np.broadcast_to(parts[i], shape).reshape(flat)[at] for i in members)
            nu = dofs[members[0]].reshape(flat)[at]
            relative = summed * np.broadcast_to(inverse, shape).reshape(flat)[at]
            denominator[at] += relative * relative / nu
    return denominator.reshape(shape)


def _components(
    pairs: list[tuple[int, int]], contributes: set[int], has_finite: set[int]
) -> list[set[int]]:
    """Return the groups of contributing inputs joined by correlations that matter here."""
    groups: dict[int, set[int]] = {i: {i} for i in contributes}
    for i, j in pairs:
        if i in contributes and j in contributes and (i in has_finite or j in has_finite):
            gi, gj = groups[i], groups[j]
            if gi is not gj:
                gi |= gj
                for k in gj:
                    groups[k] = gi
    unique: dict[int, set[int]] = {id(g): g for g in groups.values()}
    return list(unique.values())


def _check_one_dof(
    members: list[int],
    dofs: list[np.ndarray],
    has_finite: set[int],
    at: np.ndarray,
    correlation: np.ndarray,
    names: tuple[str, Sequence[str]],
) -> None:
    """Raise :class:`UncertaintyInputError` unless every member has the same finite dof."""
    output, inputs = names
    first = dofs[members[0]].reshape(-1)[at]
    if set(members) <= has_finite and all(
        np.array_equal(dofs[i].reshape(-1)[at], first) for i in members[1:]
    ):
        return
    described = ", ".join(
        f"{inputs[i]} (dof {_dof_text(dofs[i].reshape(-1)[at])})" for i in members
    )
    pairs = ", ".join(
        f"r({inputs[i]}, {inputs[j]}) = {correlation[i, j]:g}"
        for i in members
        for j in members
        if i < j and correlation[i, j] != 0.0
    )
    raise UncertaintyInputError(
        f"output {output!r}: its effective degrees of freedom are not defined: correlated "
        f"inputs {described} contribute to it with different degrees of freedom ({pairs}). "
        "Welch-Satterthwaite and its generalisation for correlations (Willink, Metrologia 44 "
        "(2007) 340) cover correlated inputs that share one dof (observed together) or have "
        "infinite dof: give them the same dof, or infinite dof, or drop the correlation"
    )


def _dof_text(values: np.ndarray) -> str:
    """Return a dof array as short text: one value, or its range."""
    low, high = float(values.min()), float(values.max())
    text = "inf" if np.isinf(low) else f"{low:g}"
    return text if low == high else f"{text}..{'inf' if np.isinf(high) else f'{high:g}'}"
