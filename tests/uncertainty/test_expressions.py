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
        ("__import__('os').system('true')", r"calling \"__import__\('os'\).system\" is not"),
        ("V.__class__", "Attribute"),
        ("np.sqrt(V)", "calling 'np.sqrt' is not allowed"),
        ("open('x')", "calling 'open' is not allowed"),
        ("W * 2", "'W' is not an input"),
        ("V if R else 0", "IfExp"),
        ("V[0]", "Subscript"),
        ("'text'", "not a number"),
        ("V > R", "Compare"),
        ("(lambda: 1)()", "calling"),
        ("V // R", "FloorDiv"),
        ("sqrt(x=V)", "keyword"),
        ("V +", "syntax error"),
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
