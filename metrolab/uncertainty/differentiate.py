"""Sensitivity coefficients computed by the engine, never given by the user.

Three methods, tried in this order, each over whole arrays of test points at once:

1. forward-mode automatic differentiation (:mod:`metrolab.uncertainty.forward`): exact, and
   the model's value comes out of the same pass; it applies when the model uses only the
   numpy operations that module has rules for;
2. complex step (Squire and Trapp 1998; Martins et al. 2003): derivatives to machine
   precision with one complex model evaluation per input, for complex-analytic models;
3. central differences, for everything else.

The first time a model function is seen, the chosen method is checked at one test point
against central differences (a model that is not complex-analytic, such as one using
``.real``, fails the complex-step check and falls back). The verdict is kept per model
function, so repeated evaluations of the same model (a procedure calling it once per
range) pay for the check once. Second and third derivatives for the GUM 5.1.2 note come
from central differences of the first derivatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metrolab.uncertainty import forward
from metrolab.uncertainty.errors import UncertaintyComputationError
from metrolab.uncertainty.forward import fitted
from metrolab.uncertainty.model import Model

_COMPLEX_STEP = 1e-20
_CENTRAL_STEP = 1e-3
_CHECK_RTOL = 1e-3  # a non-analytic model (abs) is off by O(1); truncation is ~1e-5


def _steps(x: np.ndarray, u: np.ndarray, relative: float) -> np.ndarray:
    """Return a step per element: relative x max(|x|, u), never zero."""
    scale = np.maximum(np.abs(x), u)
    if not np.all(scale):
        scale = np.where(scale > 0, scale, 1.0)
    return relative * scale


def _stack(outputs: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Return outputs broadcast to ``shape`` and stacked on a first axis.

    An output with exactly one value per point but more dimensions (``np.atleast_1d`` at
    a single point gives shape (1,)) is reshaped to ``shape``.
    """
    return np.stack([np.broadcast_to(fitted(o, shape), shape) for o in outputs])


def _perturbed(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Return x + i h as a complex array (written in place: ``x + 1j * h`` costs 5x more)."""
    z = np.empty(np.broadcast_shapes(np.shape(x), np.shape(h)), dtype=complex)
    z.real = x
    z.imag = h
    return z


def complex_step(
    model: Model, x: Sequence[np.ndarray], u: Sequence[np.ndarray], shape: tuple[int, ...]
) -> np.ndarray:
    """Return the Jacobian (outputs, inputs, *shape) by complex step."""
    jac: np.ndarray | None = None
    for i, xi in enumerate(x):
        h = _steps(xi, u[i], _COMPLEX_STEP)
        args = list(x)
        args[i] = _perturbed(xi, h)
        with np.errstate(all="ignore"):
            out = model(*args)
        if jac is None:
            jac = np.zeros((len(out), len(x), *shape))
        for a, o in enumerate(out):
            # an output that stayed real does not depend on this input (or the model is not
            # analytic, e.g. abs: the check against central differences catches that)
            if np.iscomplexobj(o):
                np.divide(np.imag(fitted(o, shape)), h, out=jac[a, i, ...])
    return jac if jac is not None else np.zeros((0, 0, *shape))


def central(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
    relative_to_x: bool = False,
    widen: float = 1.0,
) -> np.ndarray:
    """Return the Jacobian (outputs, inputs, *shape) by central differences.

    Steps are 1e-3 u (small against c_i u_i even when |x| >> u, e.g. a 50 mm gauge known
    to 25 nm), or 1e-6 max(|x|, u) with ``relative_to_x`` (when u is large against the
    scale on which the model bends), times ``widen``.
    """
    columns = []
    for i, xi in enumerate(x):
        if relative_to_x:
            h = _steps(xi, u[i], 1e-6)
        else:
            h = np.where(u[i] > 0, _CENTRAL_STEP * u[i], _steps(xi, u[i], 1e-6))
        h = h * widen
        plus, minus = list(x), list(x)
        plus[i] = xi + h
        minus[i] = xi - h
        with np.errstate(all="ignore"):
            up = _stack(model(*plus), shape)
            down = _stack(model(*minus), shape)
        columns.append((up - down) / (2.0 * h))
    return np.stack(columns, axis=1)


def _first_point(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Return the element of ``a`` (broadcast to ``shape``) at the first test point."""
    return np.asarray(np.broadcast_to(a, shape).flat[0]) if shape else np.asarray(a)


#: derivatives [output][input], each an array broadcastable to the test points or a float
Derivatives = list[list[Any]]


def rows_of(jac: np.ndarray) -> Derivatives:
    """Return the Jacobian (outputs, inputs, *shape) as :data:`Derivatives` (views, no copy)."""
    return [list(row) for row in jac]


#: verdict per model function: the first-derivative method that agreed with central differences
_VERDICT: dict[object, str] = {}
_VERDICT_MAX = 256

FORWARD, COMPLEX_STEP, CENTRAL = "forward-mode", "complex-step", "central-difference"


def _verdict_key(model: Model) -> object:
    """Return what identifies a model for the derivative verdict: its equations or function."""
    if model.equations is not None:
        return tuple(sorted(model.equations.items()))
    return model.func


def _agrees_with_central(
    model: Model,
    derivatives: Derivatives,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
) -> bool:
    """Return True when ``derivatives`` match central differences at point 0.

    The allowance is a fraction of sum |c_i| u_i plus the truncation error of the central
    differences themselves, estimated from a second evaluation at twice the step (it
    scales as the step squared), so a zero derivative is not mistaken for a disagreement.
    """
    x0 = [_first_point(xi, shape) for xi in x]
    u0 = np.asarray([_first_point(ui, shape) for ui in u])
    cs0 = np.array([[_first_point(d, shape) for d in row] for row in derivatives], dtype=float)
    if not np.all(np.isfinite(cs0)):
        return False
    scale = np.sum(np.abs(cs0) * u0, axis=1, keepdims=True) + 1e-300
    for relative_to_x in (False, True):
        check = central(model, x0, list(u0), (), relative_to_x)
        wide = central(model, x0, list(u0), (), relative_to_x, widen=2.0)
        allowance = _CHECK_RTOL * scale + np.abs(wide - check) * u0
        if np.all(np.abs(cs0 - check) * u0 <= allowance):
            return True
    return False


def _all_finite(derivatives: Derivatives) -> bool:
    """Return True when every derivative at every test point is finite."""
    return all(bool(np.isfinite(d).all()) for row in derivatives for d in row)


def _forward(
    model: Model, x: Sequence[np.ndarray], shape: tuple[int, ...]
) -> tuple[np.ndarray, Derivatives] | None:
    """Return (values, derivatives) by forward-mode differentiation, None when it does not
    apply to this model."""
    try:
        return forward.value_and_derivatives(model, x, shape)
    except forward.NotDifferentiable:
        return None


def derivatives(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
    *,
    check: bool = False,
) -> tuple[np.ndarray | None, Derivatives, str]:
    """Return (outputs or None, first derivatives [output][input], method name).

    Methods are tried in order: ``"forward-mode"`` (exact; it also gives the outputs at
    ``x``, which are None otherwise), ``"complex-step"`` (exact for complex-analytic models),
    then ``"central-difference"``. The first time a model is seen (or at every call with
    ``check``) the chosen method is checked against central differences at the first test
    point, and the verdict is kept per model. Derivatives are checked to be finite when the
    verdict is made; afterwards forward-mode ones are not (the caller checks u(y) instead).
    """
    key = _verdict_key(model)
    known = None if check else _VERDICT.get(key)
    if known in (None, FORWARD):
        found = _forward(model, x, shape)
        if found is not None and known == FORWARD:
            return found[0], found[1], FORWARD  # the caller checks that u(y) is finite
        if (
            found is not None
            and _all_finite(found[1])
            and _agrees_with_central(model, found[1], x, u, shape)
        ):
            _remember(key, FORWARD)
            return found[0], found[1], FORWARD
        known = None
    if known in (None, COMPLEX_STEP):
        jac = complex_step(model, x, u, shape)
        if np.all(np.isfinite(jac)):
            rows = rows_of(jac)
            if known is None:
                agrees = _agrees_with_central(model, rows, x, u, shape)
                known = COMPLEX_STEP if agrees else CENTRAL
                _remember(key, known)
            if known == COMPLEX_STEP:
                return None, rows, COMPLEX_STEP
    result = central(model, x, u, shape)
    if not np.all(np.isfinite(result)):
        raise UncertaintyComputationError(
            "the model's sensitivity coefficients are not finite at some test point "
            "(division by zero or a log of zero?)"
        )
    return None, rows_of(result), CENTRAL


def _remember(key: object, method: str) -> None:
    """Keep ``method`` as the verdict for the model identified by ``key``."""
    if len(_VERDICT) >= _VERDICT_MAX:
        _VERDICT.clear()
    _VERDICT[key] = method


def _forward_only(
    model: Model, x: Sequence[np.ndarray], u: Sequence[np.ndarray], shape: tuple[int, ...]
) -> np.ndarray:
    """Return the Jacobian (outputs, inputs, *shape) by forward-mode differentiation."""
    return forward.value_and_jacobian(model, x, shape)[1]


_FIRST_DERIVATIVES = {FORWARD: _forward_only, COMPLEX_STEP: complex_step, CENTRAL: central}


def second_and_third(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
    method: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (d2f/dxi dxj, d3f/dxi dxj^2), each of shape (outputs, n, n, *shape).

    Central differences of the first derivatives with a step of u_j in input j (exact for
    first derivatives up to cubic in x_j; round-off then stays of order eps x (c_i u_i)^2 in
    the variance terms); inputs with u_j = 0 contribute nothing and use 1e-3 x |x_j|.
    """
    first = _FIRST_DERIVATIVES[method]
    base = first(model, x, u, shape)
    n = len(x)
    second = np.empty((*base.shape[:2], n, *base.shape[2:]))
    third = np.empty_like(second)
    for j in range(n):
        h = np.broadcast_to(np.where(u[j] > 0, 1e-2 * u[j], _steps(x[j], u[j], 1e-3)), shape)
        plus, minus = list(x), list(x)
        plus[j] = x[j] + h
        minus[j] = x[j] - h
        jp = first(model, plus, u, shape)
        jm = first(model, minus, u, shape)
        second[:, :, j] = (jp - jm) / (2.0 * h)
        third[:, :, j] = (jp - 2.0 * base + jm) / h**2
    return second, third
