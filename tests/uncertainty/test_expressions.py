"""Safe equations: only inputs, numbers, arithmetic and whitelisted numpy maths get through."""

from __future__ import annotations

import numpy as np
import pytest

from metrolab.uncertainty import UncertaintyInputError, compile_equations


def test_equations_compute_like_numpy():
    """Several outputs, functions and constants evaluate over arrays."""
    model = compile_equations({"P": "V**2 / R", "phase": "arctan2(V, R) * 180 / pi"}, ["V", "R"])
    out = model(np.array([1.0, 2.0]), np.array([4.0, 4.0]))
    assert out[0] == pytest.approx([0.25, 1.0])
    assert out[1] == pytest.approx(np.degrees(np.arctan2([1.0, 2.0], 4.0)))
    assert model.output_names == ("P", "phase")
    assert model.equations == {"P": "V**2 / R", "phase": "arctan2(V, R) * 180 / pi"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "calling '__import__' is not allowed"),
        ("V.__class__", "column 2: '.' here: attributes and modules are not allowed"),
        ("np.sqrt(V)", "calling 'np.sqrt' is not allowed"),
        ("open('x')", "calling 'open' is not allowed"),
        ("W * 2", "column 1: 'W' is not an input"),
        ("V if R else 0", "'if' is a Python keyword"),
        ("V[0]", "indexing is not allowed"),
        ("'text'", "text is not allowed"),
        ("V > R", "comparisons are not allowed"),
        ("(lambda: 1)()", "lambdas and slices are not allowed"),
        ("V // R", "floor division is not allowed"),
        ("sqrt(x=V)", "keywords and comparisons are not allowed"),
        ("V +", "syntax error in 'V \\+': the equation ends too early"),
        ("V R", "column 3: unexpected 'R'"),
        ("2V", "column 2: unexpected 'V'"),
        ("3j * V", "complex numbers are not supported"),
        ("sqrt(V, R)", r"sqrt\(\) takes 1 argument, got 2"),
        ("hypot(V)", r"hypot\(\) takes 2 arguments, got 1"),
        ("", "the equation is empty"),
        ("V + 1e400", "the number '1e400' is beyond double precision"),
        ("V + 9**9**9", r"the constant 9\*\*\(9\*\*9\) overflows double precision"),
        ("V + 10**10**10", r"the constant 10\*\*\(10\*\*10\) overflows"),
        ("V + (-8)**(1/3)", r"the constant \(-8\)\*\*\(1/3\) is not a real number"),
        ("V + log(0)", r"the constant log\(0\) divides by zero"),
    ],
)
def test_anything_else_is_refused_with_a_named_reason(text, message):
    """Each forbidden construct is an UncertaintyInputError naming the output and the problem."""
    with pytest.raises(UncertaintyInputError, match=message) as info:
        compile_equations({"P": text, "Q": "V + R"}, ["V", "R"])
    assert "output 'P'" in str(info.value)


def test_abs_has_exact_sensitivities():
    """The whitelisted abs is differentiated exactly in forward mode (d|x|/dx = sign(x))."""
    from metrolab.uncertainty import TypeB, evaluate_gum

    model = compile_equations({"y": "abs(x) * 3"}, ["x"])
    r = evaluate_gum(model, {"x": TypeB(np.array([-2.0, 5.0]), u=0.1)})
    assert r.settings["derivative"] == "forward-mode"
    assert r.sensitivities[0, 0] == pytest.approx([-3.0, 3.0])


def test_unused_inputs_are_refused():
    """An input that no equation uses is a mistake in the model file."""
    with pytest.raises(UncertaintyInputError, match="appear in no equation"):
        compile_equations({"P": "V * 2"}, ["V", "R"])


def test_deg2rad_in_an_equation_converts_a_plain_number():
    """sin(deg2rad(a)) with a = 30: 0.5, u = cos(30°) pi/180 u(a). It was refused, because
    pint's np.deg2rad takes a plain number for radians already (found by the GTC test)."""
    import math

    from metrolab.uncertainty import TypeB, evaluate_gum

    model = compile_equations({"y": "sin(deg2rad(a))", "z": "rad2deg(b)"}, ["a", "b"])
    r = evaluate_gum(model, {"a": TypeB(30.0, u=0.5), "b": TypeB(1.0, u=0.01)})
    assert float(r["y"].value) == pytest.approx(0.5, rel=1e-12)
    assert float(r["y"].u) == pytest.approx(math.cos(math.pi / 6) * math.pi / 180 * 0.5)
    assert float(r["z"].value) == pytest.approx(180 / math.pi, rel=1e-12)


def test_np_deg2rad_in_a_python_model_is_refused_with_the_reason():
    """pint's np.deg2rad treats a plain number as radians, numpy as degrees: the unit check
    sees the two disagree and says why, rather than reporting one of them."""
    from metrolab.uncertainty import TypeB, evaluate_gum

    with pytest.raises(UncertaintyInputError, match="converts angles itself"):
        evaluate_gum(lambda a: np.sin(np.deg2rad(a)), {"a": TypeB(30.0, u=0.5)})
    r = evaluate_gum(lambda a: np.sin(a), {"a": TypeB(30.0, u=0.5, unit="degree")})
    assert float(r.values[0]) == pytest.approx(0.5, rel=1e-12)


def test_a_sum_of_a_thousand_terms_and_two_thousand_signs_evaluate():
    """Issue 10, input contract: a 1,000-term sum and 2,000 nested minus signs raised
    RecursionError (Python's compile() recurses once per operator). Both are legitimate
    models: they evaluate, GUM included; 20,000 terms still parse."""
    from metrolab.uncertainty import TypeB, evaluate_gum

    total = compile_equations({"y": " + ".join(["x"] * 1000)}, ["x"])
    result = evaluate_gum(total, {"x": TypeB(2.0, u=0.1)})
    assert result.values[0] == pytest.approx(2000.0)
    assert result.u[0] == pytest.approx(100.0)
    signs = compile_equations({"y": "-" * 2000 + "x", "z": "-" * 2001 + "x"}, ["x"])
    assert signs(np.array(3.0)) == (3.0, -3.0)
    nested = compile_equations({"y": "(" * 5000 + "x" + ")" * 5000}, ["x"])
    assert nested(np.array(3.0)) == (3.0,)
    towers = compile_equations({"y": "**".join(["x"] * 3000)}, ["x"])
    assert towers(np.array(1.0)) == (1.0,)
    big = compile_equations({"y": "+".join(["x"] * 20000)}, ["x"])
    assert big(np.array(1.0)) == (20000.0,)


def test_precedence_follows_python():
    """-x**2 is -(x**2), x**-y**2 is x**(-(y**2)), powers group from the right."""
    model = compile_equations(
        {"a": "-V**2", "b": "V**-R**2", "c": "2**3**2", "d": "-2**-1", "e": "V - R - 1"},
        ["V", "R"],
    )
    v, r = 3.0, 0.5
    assert model(np.array(v), np.array(r)) == pytest.approx(
        (-(v**2), v ** (-(r**2)), 2**9, -0.5, v - r - 1)
    )


def test_complex_and_non_finite_results_name_the_output_and_the_inputs():
    """Issue 10 item 8: a complex intermediate was truncated to its real part. A complex,
    NaN or infinite output from real, finite inputs is refused, naming the output, its
    equation and the input values (at the first test point where it happens)."""
    from metrolab.uncertainty import UncertaintyComputationError

    model = compile_equations({"y": "log(x) + z", "w": "x / z"}, ["x", "z"])
    with pytest.raises(UncertaintyComputationError) as info:
        model(np.array([1.0, -2.0]), np.array([1.0, 5.0]))
    assert str(info.value).startswith("output 'y' = log(x) + z is NaN (not a number) at ")
    assert "x = -2, z = 5" in str(info.value)
    infinite = "output 'w' = x / z is infinite at x = 1, z = 0"
    with pytest.raises(UncertaintyComputationError, match=infinite):
        model(np.array([1.0]), np.array([0.0]))
    cube = compile_equations({"y": "x**(1/3)"}, ["x"])
    with pytest.raises(UncertaintyComputationError, match="complex number at x = -8"):
        cube(-8.0)  # Python floats: a fractional power of a negative is complex
    assert cube(np.array(8.0)) == pytest.approx((2.0,))
    # complex in (complex-step differentiation), complex out: allowed
    assert np.iscomplexobj(cube(np.array(8.0 + 1e-20j))[0])


def test_numpy_warnings_do_not_leak(recwarn):
    """Evaluating an equation over values where numpy would warn (overflow, log of a
    negative) gives a named error or a checked value, never a RuntimeWarning."""
    from metrolab.uncertainty import UncertaintyComputationError

    model = compile_equations({"y": "exp(x)"}, ["x"])
    with pytest.raises(UncertaintyComputationError, match="infinite at x = 1000"):
        model(np.array([1.0, 1000.0]))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
