"""Sensitivity coefficients computed by the engine, never given by the user.

Three methods, each over whole arrays of test points at once, in this order:

1. forward-mode automatic differentiation (:mod:`metrolab.uncertainty.forward`): exact, and
   the model's value comes out of the same pass. It does not run when the model uses an
   operation without a rule (:class:`~metrolab.uncertainty.forward.NotDifferentiable`).
   When it runs and its derivatives are finite everywhere, they are checked against
   central differences at the first test point and used unless they disagree. When they
   are not finite somewhere (sqrt at 0: a singular point) central differences decide,
   which refuse such a point (the complex step would give a large finite number there);
2. complex step (Squire and Trapp 1998; Martins et al. 2003): derivatives to machine
   precision for complex-analytic models. It does not run when the model refuses complex
   input (``hypot``, ``arctan2``, ``floor``, comparisons...), and is silently wrong where
   the model is not analytic (``abs``, ``.real``) or singular, so it is used only where it
   agrees with central differences at every test point;
3. central differences otherwise (steps h = 1e-3 u and 2h, Richardson-extrapolated);
   refused when not finite.

Checks run at every evaluation, so a verdict never outlives the inputs it was made for.
The first-point check of forward mode costs one model call on 4n copies of the first
point, each with one input stepped by +-h or +-2h. Every check allows for the truncation
of the central differences (their change between h and 2h) and for their rounding (float
epsilon x |y| / h): a saturated output, whose central differences are all rounding, cannot
reject a correct derivative. Where no central difference can be formed at the first point
(a step leaves the model's domain) the check is inconclusive and forward mode, exact by
construction, is kept. Second and third derivatives for the GUM 5.1.2 note come from
central differences of the first ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from metrolab.uncertainty import forward
from metrolab.uncertainty.errors import UncertaintyComputationError
from metrolab.uncertainty.forward import fitted, stacked
from metrolab.uncertainty.model import Model

_COMPLEX_STEP = 1e-20
_CENTRAL_STEP = 1e-3
_CHECK_RTOL = 1e-3  # a non-analytic model (abs) is off by O(1)
#: rounding allowance of a central difference, in float epsilons of |y| per step
_ROUNDING_EPSILONS = 16.0
_EPSILON = float(np.finfo(float).eps)
#: rounding of a central difference per |y|: float epsilon x _ROUNDING_EPSILONS / h, with
#: the distance between the two points being 2h
_NOISE_FACTOR = 2.0 * _ROUNDING_EPSILONS * _EPSILON


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
    """Return the Jacobian (outputs, inputs, *shape) by complex step.

    Raises :class:`UncertaintyComputationError` when the model refuses complex input.
    """
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


def _central_steps(xi: np.ndarray, ui: np.ndarray, widen: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the points x - h and x + h for a central difference in one input.

    h is 1e-3 u (small against c_i u_i even when |x| >> u, e.g. a 50 mm gauge known to
    25 nm; 1e-6 max(|x|, u) where u = 0), times ``widen``.
    """
    h = np.where(ui > 0, _CENTRAL_STEP * ui, _steps(xi, ui, 1e-6)) * widen
    return xi - h, xi + h


def central(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
) -> np.ndarray:
    """Return the Jacobian (outputs, inputs, *shape) by central differences.

    Differences with the steps h of :func:`_central_steps` (1e-3 u) and 2h, extrapolated
    (Richardson): (4 D(h) - D(2h)) / 3 cancels the h^2 term of the truncation error. Each
    difference is divided by the distance between its two points as floats hold them, so
    no rounding of x + h enters.
    """
    return np.stack([_extrapolated(model, x, u, shape, i)[0] for i in range(len(x))], axis=1)


def _extrapolated(
    model: Model, x: Sequence[np.ndarray], u: Sequence[np.ndarray], shape: tuple[int, ...], i: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (Richardson-extrapolated dy/dx_i, the difference with step h, its allowance:
    the change between steps h and 2h plus the rounding), each (outputs, *shape)."""
    narrow, noise = _difference(model, x, u, shape, i, 1.0)
    wide, _ = _difference(model, x, u, shape, i, 2.0)
    with np.errstate(all="ignore"):
        return (4.0 * narrow - wide) / 3.0, narrow, np.abs(wide - narrow) + noise


def _difference(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
    i: int,
    widen: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (dy/dx_i by a central difference (outputs, *shape), its rounding allowance).

    The allowance is float epsilon x max |y| / h, times :data:`_ROUNDING_EPSILONS`.
    """
    low, high = _central_steps(x[i], u[i], widen)
    plus, minus = list(x), list(x)
    plus[i], minus[i] = high, low
    with np.errstate(all="ignore"):
        up = _stack(model(*plus), shape)
        down = _stack(model(*minus), shape)
        distance = high - low
        noise = _NOISE_FACTOR * np.maximum(np.abs(up), np.abs(down))
        return (up - down) / distance, noise / distance


def _first_point(a: Any) -> float:
    """Return the value of ``a`` at the first test point (the first element of any array
    that broadcasts to the test points is the one at the first point)."""
    return float(np.asarray(a).flat[0])


#: derivatives [output][input], each an array broadcastable to the test points or a float
Derivatives = list[list[Any]]


def rows_of(jac: np.ndarray) -> Derivatives:
    """Return the Jacobian (outputs, inputs, *shape) as :data:`Derivatives` (views, no copy)."""
    return [list(row) for row in jac]


FORWARD, COMPLEX_STEP, CENTRAL = "forward-mode", "complex-step", "central-difference"



@lru_cache(maxsize=64)
def _check_pattern(n: int) -> np.ndarray:
    """Return the steps of a first-point check in units of h, shape (inputs, 4n): input i
    is stepped by -h, +h, -2h, +2h at points 4i..4i+3 and not at all elsewhere."""
    pattern = np.zeros((n, 4 * n))
    for i in range(n):
        pattern[i, 4 * i : 4 * i + 4] = (-1.0, 1.0, -2.0, 2.0)
    pattern.flags.writeable = False
    return pattern


def _check_step(x: float, u: float, relative_to_x: bool) -> float:
    """Return the step h of a first-point check: 1e-3 u, or 1e-6 max(|x|, u) with
    ``relative_to_x`` or where u = 0 (never zero)."""
    if u > 0 and not relative_to_x:
        return _CENTRAL_STEP * u
    return 1e-6 * (max(abs(x), u) or 1.0)


class _Check:
    """Central differences of every input at the first test point, from one model call.

    The model sees 4n points: the first test point with input i stepped to x - h, x + h,
    x - 2h and x + 2h (i = 1..n), h from :func:`_check_step`. ``narrow`` and ``wide`` are
    the differences with h and 2h (outputs, inputs), each divided by the distance of its
    two points as floats hold them; ``noise`` the rounding a difference can carry, float
    epsilon x max |y| / h. ``finite`` is False when the model gives NaN or infinity there
    (a step left its domain). Call under ``np.errstate(all="ignore")``.
    """

    def __init__(self, model: Model, x0: np.ndarray, u0: list[float], relative_to_x: bool) -> None:
        n = len(x0)
        h = np.array([_check_step(x, u, relative_to_x) for x, u in zip(x0, u0, strict=True)])
        out = _stack(model(*(x0[:, None] + _check_pattern(n) * h[:, None])), (4 * n,))
        steps = out.reshape(-1, n, 4)
        narrow_distance = (x0 + h) - (x0 - h)  # the points' own values: k h is exact
        self.narrow = (steps[..., 1] - steps[..., 0]) / narrow_distance
        self.wide = (steps[..., 3] - steps[..., 2]) / ((x0 + 2.0 * h) - (x0 - 2.0 * h))
        self.noise = np.abs(steps).max(axis=-1) * (_NOISE_FACTOR / narrow_distance)
        self.finite = bool(np.isfinite(self.narrow).all() and np.isfinite(self.wide).all())

    def agrees(self, derivatives: np.ndarray, u0: np.ndarray) -> bool:
        """Return True when ``derivatives`` (outputs, inputs) match ``narrow`` within the
        allowance: a fraction of sum |c_i| u_i, plus the truncation (wide - narrow) and the
        rounding (noise) of the central differences, each times u_i."""
        scale = (np.abs(derivatives) @ u0)[:, None]
        allowance = _CHECK_RTOL * scale + (np.abs(self.wide - self.narrow) + self.noise) * u0
        return bool((np.abs(derivatives - self.narrow) * u0 <= allowance).all())


AGREES, DISAGREES, INCONCLUSIVE = "agrees", "disagrees", "inconclusive"


def _verdict(
    model: Model,
    derivatives: Derivatives,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
) -> str:
    """Return whether ``derivatives`` agree with central differences at the first point.

    Steps of 1e-3 u and then of 1e-6 |x| are tried; INCONCLUSIVE when the model gives no
    finite central differences with either.
    """
    if not derivatives:
        return AGREES  # a model without outputs has nothing to check
    x0 = np.array([_first_point(xi) for xi in x])
    u0 = [_first_point(ui) for ui in u]
    d0 = np.array([[_first_point(d) for d in row] for row in derivatives])
    u_array = np.array(u0)
    conclusive = False
    with np.errstate(all="ignore"):
        for relative_to_x in (False, True):
            check = _Check(model, x0, u0, relative_to_x)
            if not check.finite:
                continue
            conclusive = True
            if check.agrees(d0, u_array):
                return AGREES
    return DISAGREES if conclusive else INCONCLUSIVE


def _all_finite(derivatives: Derivatives) -> bool:
    """Return True when every derivative at every test point is finite."""
    return all(bool(np.isfinite(d).all()) for row in derivatives for d in row)


def _forward(
    model: Model, x: Sequence[np.ndarray], shape: tuple[int, ...]
) -> tuple[np.ndarray, Derivatives] | None:
    """Return (values, derivatives) by forward-mode differentiation, None when the model
    does not run on dual numbers (an operation without a rule, or one that refuses them)."""
    try:
        return forward.value_and_derivatives(model, x, shape)
    except (forward.NotDifferentiable, UncertaintyComputationError):
        return None


def _complex(
    model: Model, x: Sequence[np.ndarray], u: Sequence[np.ndarray], shape: tuple[int, ...]
) -> Derivatives | None:
    """Return the derivatives by complex step, None when the model refuses complex input."""
    try:
        return rows_of(complex_step(model, x, u, shape))
    except UncertaintyComputationError:
        return None


def _complex_or_central(
    model: Model, x: Sequence[np.ndarray], u: Sequence[np.ndarray], shape: tuple[int, ...]
) -> tuple[Derivatives, str]:
    """Return (derivatives, method): the complex step where it agrees with central
    differences at every test point, else the central differences.

    A complex step is silently wrong where the model is not analytic (abs, .real) or is
    singular (sqrt at 0 gives a large finite number), so it is compared point by point,
    within the allowance of :meth:`_Check.agrees`.
    """
    rows = _complex(model, x, u, shape)
    parts = [_extrapolated(model, x, u, shape, i) for i in range(len(x))]
    result, narrow, allowances = (np.stack(p, axis=1) for p in zip(*parts, strict=True))
    if rows is not None and _all_finite(rows):
        jac = stacked(rows, len(x), shape)
        ui = np.stack([np.broadcast_to(ui, shape) for ui in u])
        scale = np.sum(np.abs(jac) * ui, axis=1, keepdims=True)
        allowance = _CHECK_RTOL * scale + allowances * ui
        with np.errstate(invalid="ignore"):
            if np.all(np.abs(jac - narrow) * ui <= allowance):
                return rows, COMPLEX_STEP
    return rows_of(_finite(result)), CENTRAL


def _finite(jacobian: np.ndarray) -> np.ndarray:
    """Return ``jacobian``; raise :class:`UncertaintyComputationError` if not all finite."""
    if not np.all(np.isfinite(jacobian)):
        raise UncertaintyComputationError(
            "the model's sensitivity coefficients are not finite at some test point "
            "(division by zero or a log of zero?)"
        )
    return jacobian


def derivatives(
    model: Model,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    shape: tuple[int, ...],
) -> tuple[np.ndarray | None, Derivatives, str]:
    """Return (outputs or None, first derivatives [output][input], method name).

    Methods in order (module docstring): ``"forward-mode"`` (it also gives the outputs at
    ``x``, which are None otherwise) when it runs, is finite everywhere and its check at
    the first point agrees or is inconclusive; when it runs but is not finite somewhere
    (a singular point) central differences decide; otherwise ``"complex-step"`` where it
    agrees with central differences at every point, else ``"central-difference"``.
    Raises :class:`UncertaintyComputationError` when the central differences needed are
    not finite (or the model fails on plain arrays).
    """
    found = _forward(model, x, shape)
    if found is not None:
        if not _all_finite(found[1]):
            return None, rows_of(_finite(central(model, x, u, shape))), CENTRAL
        if _verdict(model, found[1], x, u) != DISAGREES:
            return found[0], found[1], FORWARD
    rows, method = _complex_or_central(model, x, u, shape)
    return None, rows, method


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
