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


def test_plain_arrays_and_numpy_scalars_on_the_left_keep_the_derivatives():
    d = Dual(np.array([1.0, 2.0]), {0: 1.0})
    product = np.array([3.0, 4.0]) * d
    quotient = np.float64(2.0) / d
    assert isinstance(product, Dual) and product.grad[0].tolist() == [3.0, 4.0]
    assert isinstance(quotient, Dual) and quotient.grad[0].tolist() == [-2.0, -0.5]


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


# random compositions of the rules, checked against the complex step (exact to machine
# precision for these analytic functions; cbrt, hypot and arctan2 have no complex form and
# are checked one by one above): the chain rule holds however the rules combine
_SAFE_UNARY = [np.sqrt, np.exp, np.log, np.sin, np.cos, np.arctan, np.tanh,
               np.log1p, np.square, np.reciprocal, np.sinh]
_SAFE_BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.power]


def _expression(draw, depth):
    """Return a function of (a, b) composed of the rules, ``depth`` levels at most."""
    from hypothesis import strategies as st

    kind = draw(st.sampled_from(["a", "b", "unary", "binary"] if depth else ["a", "b"]))
    if kind == "a":
        return lambda a, b: a
    if kind == "b":
        return lambda a, b: b
    # every argument is squeezed into [1, 3.5), where each function is defined and smooth
    if kind == "unary":
        f = draw(st.sampled_from(_SAFE_UNARY))
        inner = _expression(draw, depth - 1)
        return lambda a, b: f(_squeezed(inner(a, b)))
    g = draw(st.sampled_from(_SAFE_BINARY))
    left, right = _expression(draw, depth - 1), _expression(draw, depth - 1)
    return lambda a, b: g(_squeezed(left(a, b)), _squeezed(right(a, b)))


def _squeezed(v):
    return 1.0 + np.arctan(v) ** 2


def test_random_compositions_agree_with_the_complex_step():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from metrolab.uncertainty.differentiate import complex_step
    from metrolab.uncertainty.model import Model

    @settings(max_examples=60, deadline=None)
    @given(st.data())
    def check(data):
        expression = _expression(data.draw, 4)
        x = [np.array([0.3, 1.7]), np.array([0.9, 2.4])]
        model = Model(lambda a, b: expression(a, b), ("a", "b"))
        _, forward_jac = value_and_jacobian(model, x, (2,))
        reference = complex_step(model, x, [np.full(2, 0.1)] * 2, (2,))
        np.testing.assert_allclose(forward_jac, reference, rtol=1e-9, atol=1e-12)

    check()
