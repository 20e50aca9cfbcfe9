"""Forward-mode differentiation: every rule against a numerical derivative, and refusals."""

import numpy as np
import pytest

from metrolab.uncertainty.forward import Dual, NotDifferentiable, value_and_jacobian

UNARY_POINTS = {
    np.negative: 0.7,
    np.positive: 0.7,
    np.sqrt: 2.3,
    np.cbrt: 2.3,
    np.square: -1.3,
    np.reciprocal: 1.7,
    np.exp: 0.4,
    np.exp2: 0.4,
    np.expm1: 0.4,
    np.log: 2.3,
    np.log2: 2.3,
    np.log10: 2.3,
    np.log1p: 0.3,
    np.sin: 0.6,
    np.cos: 0.6,
    np.tan: 0.6,
    np.arcsin: 0.3,
    np.arccos: 0.3,
    np.arctan: 0.3,
    np.sinh: 0.6,
    np.cosh: 0.6,
    np.tanh: 0.6,
    np.arcsinh: 0.6,
    np.arccosh: 1.6,
    np.arctanh: 0.3,
    np.absolute: -0.8,
    np.deg2rad: 30.0,
    np.rad2deg: 0.5,
}


def numerical(f, x, h=1e-6):
    """Central difference with a relative step, accurate to about 1e-9 for these functions."""
    step = h * max(1.0, abs(x))
    return (f(x + step) - f(x - step)) / (2 * step)


@pytest.mark.parametrize("ufunc", list(UNARY_POINTS), ids=lambda u: u.__name__)
def test_every_unary_rule_matches_a_numerical_derivative(ufunc):
    x = UNARY_POINTS[ufunc]
    values, jac = value_and_jacobian(lambda a: (ufunc(a),), [np.array([x, x])], (2,))
    assert values[0] == pytest.approx(ufunc(x), rel=1e-15)
    assert jac[0, 0] == pytest.approx(numerical(ufunc, x), rel=1e-7)


@pytest.mark.parametrize(
    "model",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a**b,
        lambda a, b: np.float_power(a, b),
        lambda a, b: np.arctan2(a, b),
        lambda a, b: np.hypot(a, b),
        lambda a, b: np.maximum(a, b),
        lambda a, b: np.minimum(a, b),
        lambda a, b: np.where(a > b, a * b, a / b),
        lambda a, b: a**2.0 / b**0.5 + 3.0 ** (a - b) - 2.0 / a,
    ],
    ids=[
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "float_power",
        "arctan2",
        "hypot",
        "max",
        "min",
        "where",
        "mixed",
    ],
)
def test_binary_rules_match_numerical_derivatives(model):
    a, b = 1.7, 0.6
    _, jac = value_and_jacobian(lambda x, y: (model(x, y),), [np.array(a), np.array(b)], ())
    assert jac[0, 0] == pytest.approx(numerical(lambda t: model(t, b), a), rel=1e-7)
    assert jac[0, 1] == pytest.approx(numerical(lambda t: model(a, t), b), rel=1e-7)


def test_in_place_operators_make_new_values_and_keep_the_inputs():
    x = np.array([2.0, 3.0])

    def model(a, b):
        y = a * b
        y += a
        y *= 2.0
        y -= b
        y /= a
        return (y,)

    values, jac = value_and_jacobian(model, [x, np.array([5.0, 7.0])], (2,))
    assert x.tolist() == [2.0, 3.0]
    b = np.array([5.0, 7.0])
    assert values[0] == pytest.approx((2 * (x * b + x) - b) / x)
    assert jac[0, 0] == pytest.approx(b / x**2)  # d/da (2b + 2 - b/a)
    assert jac[0, 1] == pytest.approx(2.0 - 1.0 / x)


def test_outputs_that_ignore_an_input_have_zero_sensitivity_to_it():
    values, jac = value_and_jacobian(
        lambda a, b: (a * 2.0, np.ones(3) * 5.0), [np.arange(3.0), np.ones(3)], (3,)
    )
    assert values.tolist() == [[0.0, 2.0, 4.0], [5.0, 5.0, 5.0]]
    assert jac[0].tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]
    assert not np.any(jac[1])


def test_predicates_and_steps_follow_the_values():
    values, jac = value_and_jacobian(
        lambda a: (a * np.isfinite(a) * np.sign(a) + np.floor(a),), [np.array([1.5, -2.0])], (2,)
    )
    assert values[0].tolist() == [2.5, 0.0]
    assert jac[0, 0].tolist() == [1.0, -1.0]


@pytest.mark.parametrize(
    "model, what",
    [
        (lambda a: np.logaddexp(a, a), "logaddexp"),
        (lambda a: np.add.reduce(a), "reduce"),
        (lambda a: np.sum(a), "sum"),
        (lambda a: float(a), "float"),
        (lambda a: np.asarray(a), "plain array"),
        (lambda a: a.real, ".real"),
        (lambda a: a[0], "subscripted"),
    ],
)
def test_operations_without_a_rule_are_refused_never_dropped(model, what):
    """A derivative is never silently lost: the engine falls back to the complex step."""
    with pytest.raises(NotDifferentiable, match=what.lstrip(".")):
        model(Dual(np.array([1.0, 2.0]), {0: 1.0}))
