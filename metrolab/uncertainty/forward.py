"""Forward-mode automatic differentiation of numpy models, over whole arrays of test points.

Each input of the model is replaced by a :class:`Dual`: its value array plus the derivative
of that value with respect to each model input that it depends on (a sparse gradient: an
input that never meets another costs nothing for it). numpy hands every ufunc applied to a
Dual to :meth:`Dual.__array_ufunc__`, which applies the chain rule from a table of partial
derivatives, so an ordinary model written with ``np.sqrt``, ``np.exp``, ``**``, ``/`` ...
is differentiated exactly, at the cost of about one extra array operation per input it
touches, and the model's value comes out of the same pass.

Anything outside the table (a ufunc without a rule, a numpy function other than
``np.where``, ``float(x)``, ``x.real``) raises :class:`NotDifferentiable` rather than
dropping a derivative; the engine then falls back to the complex step. This is written here
rather than taken from autograd or JAX because both need the model to use their own numpy
namespace, and a measurement model is a plain numpy function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Gradient = dict[int, Any]  # input index -> d(value)/d(input), array or float


class NotDifferentiable(Exception):
    """The model used an operation that forward-mode differentiation has no rule for."""


def _scaled(grad: Gradient, factor: Any) -> Gradient:
    """Return ``factor`` x each derivative of ``grad``."""
    return {i: factor if g is _ONE else factor * g for i, g in grad.items()}


def _combined(ga: Gradient, fa: Any, gb: Gradient, fb: Any) -> Gradient:
    """Return fa x ga + fb x gb, input by input (an absent input has derivative 0)."""
    out = _scaled(ga, fa)
    for i, g in gb.items():
        term = fb if g is _ONE else fb * g
        out[i] = out[i] + term if i in out else term
    return out


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_ONE = 1.0  # a partial derivative of exactly one: the gradient passes through unscaled

def _sech_squared(a: Any) -> Any:
    """Return sech(a)^2 = d tanh(a) / d a, to full relative precision for any a (1 - tanh^2
    is all rounding once tanh(a) rounds to 1, near |a| = 19; 0 where cosh overflows)."""
    sech = 1.0 / np.cosh(a)
    return sech * sech


#: d f(a) / d a from the argument a and the value v = f(a); differences such as 1 - a^2 are
#: factored, (1 - a)(1 + a), so that they keep their precision near |a| = 1

_UNARY: dict[np.ufunc, Callable[[Any, Any], Any]] = {
    np.negative: lambda a, v: -1.0,
    np.positive: lambda a, v: 1.0,
    np.sqrt: lambda a, v: 0.5 / v,
    np.cbrt: lambda a, v: 1.0 / (3.0 * v * v),
    np.square: lambda a, v: 2.0 * a,
    np.reciprocal: lambda a, v: -v * v,
    np.exp: lambda a, v: v,
    np.exp2: lambda a, v: _LN2 * v,
    np.expm1: lambda a, v: v + 1.0,
    np.log: lambda a, v: 1.0 / a,
    np.log2: lambda a, v: 1.0 / (_LN2 * a),
    np.log10: lambda a, v: 1.0 / (_LN10 * a),
    np.log1p: lambda a, v: 1.0 / (1.0 + a),
    np.sin: lambda a, v: np.cos(a),
    np.cos: lambda a, v: -np.sin(a),
    np.tan: lambda a, v: 1.0 + v * v,
    np.arcsin: lambda a, v: 1.0 / np.sqrt((1.0 - a) * (1.0 + a)),
    np.arccos: lambda a, v: -1.0 / np.sqrt((1.0 - a) * (1.0 + a)),
    np.arctan: lambda a, v: 1.0 / (1.0 + a * a),
    np.sinh: lambda a, v: np.cosh(a),
    np.cosh: lambda a, v: np.sinh(a),
    np.tanh: lambda a, v: _sech_squared(a),
    np.arcsinh: lambda a, v: 1.0 / np.sqrt(a * a + 1.0),
    np.arccosh: lambda a, v: 1.0 / np.sqrt((a - 1.0) * (a + 1.0)),
    np.arctanh: lambda a, v: 1.0 / ((1.0 - a) * (1.0 + a)),
    np.absolute: lambda a, v: np.sign(a),
    np.deg2rad: lambda a, v: math.pi / 180.0,
    np.rad2deg: lambda a, v: 180.0 / math.pi,
}

#: functions applied to the values alone: piecewise-constant ones (derivative 0 wherever it
#: exists) and tests and comparisons (their result is not a measured quantity)
_VALUE_ONLY = {
    np.sign,
    np.floor,
    np.ceil,
    np.rint,
    np.trunc,
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.equal,
    np.not_equal,
    np.isfinite,
    np.isnan,
    np.isinf,
    np.signbit,
    np.logical_and,
    np.logical_or,
    np.logical_not,
}


def _power_partials(a: Any, b: Any, v: Any, b_varies: bool) -> tuple[Any, Any]:
    """Return (d a**b / d a, d a**b / d b) given v = a**b."""
    if not b_varies and np.ndim(b) == 0:
        exponent = float(b)
        if exponent == 2.0:
            return 2.0 * a, 0.0
        if exponent == 0.5:
            return 0.5 / v, 0.0
        return exponent * a ** (exponent - 1.0), 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return b * a ** (b - 1.0), v * np.log(a)


def _quotient(a: Any, b: Any, v: Any, b_varies: bool) -> tuple[Any, Any]:
    inv = 1.0 / b
    return inv, -v * inv


def _max_partials(a: Any, b: Any, v: Any, b_varies: bool) -> tuple[Any, Any]:
    first = a >= b
    return np.where(first, 1.0, 0.0), np.where(first, 0.0, 1.0)


def _min_partials(a: Any, b: Any, v: Any, b_varies: bool) -> tuple[Any, Any]:
    first = a <= b
    return np.where(first, 1.0, 0.0), np.where(first, 0.0, 1.0)


def _arctan2_partials(a: Any, b: Any, v: Any, b_varies: bool) -> tuple[Any, Any]:
    r2 = a * a + b * b
    return b / r2, -a / r2


#: (d f / d a, d f / d b) for binary ufuncs f, from a, b, the value v = f(a, b) and whether
#: b is differentiated
_BINARY: dict[np.ufunc, Callable[[Any, Any, Any, bool], tuple[Any, Any]]] = {
    np.add: lambda a, b, v, bv: (_ONE, _ONE),
    np.subtract: lambda a, b, v, bv: (_ONE, -1.0),
    np.multiply: lambda a, b, v, bv: (b, a),
    np.true_divide: _quotient,
    np.power: _power_partials,
    np.float_power: _power_partials,
    np.arctan2: _arctan2_partials,
    np.hypot: lambda a, b, v, bv: (a / v, b / v),
    np.maximum: _max_partials,
    np.fmax: _max_partials,
    np.minimum: _min_partials,
    np.fmin: _min_partials,
}


class Dual(np.lib.mixins.NDArrayOperatorsMixin):
    """A value array with its derivatives with respect to the model's inputs.

    ``value`` is the array (or scalar) the model would see; ``grad`` maps an input's index
    to the derivative of ``value`` with respect to that input (same units relation as the
    model: output unit per input unit), broadcastable to ``value``.
    """

    __slots__ = ("grad", "value")

    def __init__(self, value: Any, grad: Gradient) -> None:
        self.value = value
        self.grad = grad

    @property
    def shape(self) -> tuple[int, ...]:
        """Return the shape of the value."""
        return np.shape(self.value)

    @property
    def ndim(self) -> int:
        """Return the number of dimensions of the value."""
        return int(np.ndim(self.value))

    def __getitem__(self, index: Any) -> Dual:
        # a subscript would mix test points, whose derivatives are kept point by point
        raise NotDifferentiable("the model subscripted a differentiated input")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # numpy probes protocols with getattr: let it see none
            raise AttributeError(name)
        raise NotDifferentiable(f"the model used .{name} of a differentiated input")

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotDifferentiable("the model turned a differentiated input into a plain array")

    def __float__(self) -> float:
        raise NotDifferentiable("the model turned a differentiated input into a float")

    def __bool__(self) -> bool:
        return bool(self.value)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *args: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or len(args) > 2:
            raise NotDifferentiable(f"numpy.{ufunc.__name__}.{method} with {sorted(kwargs)}")
        return _unary(ufunc, args[0]) if len(args) == 1 else _binary(ufunc, *args)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.where and len(args) == 3 and not kwargs:
            return _where(*args)
        raise NotDifferentiable(f"no derivative rule for numpy.{func.__name__}")

    # the commonest operators go straight to the rules, skipping numpy's dispatch (the
    # others reach __array_ufunc__ through NDArrayOperatorsMixin)
    def __add__(self, other: Any) -> Any:
        return _binary(np.add, self, other)

    def __radd__(self, other: Any) -> Any:
        return _binary(np.add, other, self)

    def __sub__(self, other: Any) -> Any:
        return _binary(np.subtract, self, other)

    def __rsub__(self, other: Any) -> Any:
        return _binary(np.subtract, other, self)

    def __mul__(self, other: Any) -> Any:
        return _binary(np.multiply, self, other)

    def __rmul__(self, other: Any) -> Any:
        return _binary(np.multiply, other, self)

    def __truediv__(self, other: Any) -> Any:
        return _binary(np.true_divide, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _binary(np.true_divide, other, self)

    def __pow__(self, other: Any) -> Any:
        return _binary(np.power, self, other)

    def __rpow__(self, other: Any) -> Any:
        return _binary(np.power, other, self)

    def __neg__(self) -> Any:
        return _unary(np.negative, self)

    # in-place operators make a new Dual (the old value may be shared with the model's
    # inputs); Python rebinds the name to the result
    __iadd__ = __add__
    __isub__ = __sub__
    __imul__ = __mul__
    __itruediv__ = __truediv__


def _unary(ufunc: np.ufunc, a: Dual) -> Any:
    """Return ufunc(a) with its derivatives (a plain array for functions of values only)."""
    value = ufunc(a.value)
    if ufunc in _VALUE_ONLY:
        return value
    rule = _UNARY.get(ufunc)
    if rule is None:
        raise NotDifferentiable(f"no derivative rule for numpy.{ufunc.__name__}")
    return Dual(value, _scaled(a.grad, rule(a.value, value)))


def _binary(ufunc: np.ufunc, a: Any, b: Any) -> Any:
    """Return ufunc(a, b) with its derivatives; at least one of a, b is a :class:`Dual`."""
    a_dual, b_dual = isinstance(a, Dual), isinstance(b, Dual)
    va = a.value if a_dual else a
    vb = b.value if b_dual else b
    value = ufunc(va, vb)
    if ufunc in _VALUE_ONLY:
        return value
    partials = _BINARY.get(ufunc)
    if partials is None:
        raise NotDifferentiable(f"no derivative rule for numpy.{ufunc.__name__}")
    da, db = partials(va, vb, value, b_dual)
    if a_dual and b_dual:
        return Dual(value, _combined(a.grad, da, b.grad, db))
    if a_dual:
        return Dual(value, a.grad if da is _ONE else _scaled(a.grad, da))
    return Dual(value, b.grad if db is _ONE else _scaled(b.grad, db))


def _where(condition: Any, a: Any, b: Any) -> Dual:
    """Return np.where(condition, a, b) for Dual operands, derivatives chosen alike."""
    cond = condition.value if isinstance(condition, Dual) else condition
    ga = a.grad if isinstance(a, Dual) else {}
    gb = b.grad if isinstance(b, Dual) else {}
    value = np.where(
        cond, a.value if isinstance(a, Dual) else a, b.value if isinstance(b, Dual) else b
    )
    grad = {i: np.where(cond, ga.get(i, 0.0), gb.get(i, 0.0)) for i in ga.keys() | gb.keys()}
    return Dual(value, grad)


def value_and_derivatives(
    func: Callable[..., Sequence[Any]], x: Sequence[np.ndarray], shape: tuple[int, ...]
) -> tuple[np.ndarray, list[list[Any]]]:
    """Return (outputs (m, *shape), derivatives [output][input]) of ``func`` at ``x``.

    ``func`` takes the n inputs in order and returns a sequence of m outputs. Each
    derivative is an array broadcastable to ``shape`` or a float (0.0 for an input the
    output does not depend on); nothing is copied. Raises :class:`NotDifferentiable` when
    the model leaves the operations this module has rules for.
    """
    duals = [Dual(xi, {i: _ONE}) for i, xi in enumerate(x)]
    with np.errstate(all="ignore"):
        outputs = func(*duals)
    values = np.empty((len(outputs), *shape))
    rows = []
    for a, out in enumerate(outputs):
        if isinstance(out, Dual):
            values[a] = fitted(out.value, shape)
            rows.append([fitted(out.grad.get(i, 0.0), shape) for i in range(len(x))])
        else:
            values[a] = fitted(out, shape)
            rows.append([0.0] * len(x))
    return values, rows


def fitted(output: Any, shape: tuple[int, ...]) -> Any:
    """Return ``output`` reshaped to ``shape`` when it holds one value per test point in more
    dimensions (``np.atleast_1d`` at a single point gives shape (1,)), else unchanged."""
    if np.ndim(output) > len(shape) and np.size(output) == math.prod(shape):
        return np.reshape(output, shape)
    return output


def value_and_jacobian(
    func: Callable[..., Sequence[Any]], x: Sequence[np.ndarray], shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (outputs (m, *shape), Jacobian (m, n, *shape)) of ``func`` at ``x``."""
    values, rows = value_and_derivatives(func, x, shape)
    return values, stacked(rows, len(x), shape)


def stacked(rows: Sequence[Sequence[Any]], inputs: int, shape: tuple[int, ...]) -> np.ndarray:
    """Return derivatives [output][input] as one Jacobian array (outputs, inputs, *shape)."""
    jac = np.empty((len(rows), inputs, *shape))
    for a, row in enumerate(rows):
        for i, derivative in enumerate(row):
            jac[a, i] = derivative
    return jac
