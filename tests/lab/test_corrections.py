"""``--correction`` text: what it means, what matches, and one clear error for anything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.lab.corrections import applicable, check_unique, parse_correction
from metrolab.lab.errors import ImpactInputError
from metrolab.units import Quantity


@pytest.mark.parametrize(("text", "value", "unit", "offset", "u"), [
    ("DCV 10V +30uV", 10.0, "V", 30e-6, 0.0),
    ("DCV 10V +30uV U=8uV", 10.0, "V", 30e-6, 4e-6),
    ("DCV -10V -25uV U=9uV k=3", -10.0, "V", -25e-6, 3e-6),
    ("dcv 10V +3ppm", 10.0, "V", 30e-6, 0.0),
    ("DCV 10V +0.001percent", 10.0, "mV", 1e-4, 0.0),
    ("RES 10kohm -0.4ohm", 1e4, "ohm", -0.4, 0.0),
    ("TEMP 100degC +0.02K", 100.0, "degC", 0.02, 0.0),
    ("DCV 10V +30uV", 10_000.0, "mV", 30e-3, 0.0),
])
def test_shift_in_the_inputs_unit(text: str, value: float, unit: str, offset: float,
                                  u: float) -> None:
    correction = parse_correction(text)
    got, got_u = correction.shift(value, unit)
    assert got == pytest.approx(offset, rel=1e-12)
    assert got_u == pytest.approx(u, rel=1e-12, abs=1e-18)


def test_which_points_a_correction_names() -> None:
    ten = parse_correction("DCV 10V +30uV")
    assert ten.matches("DCV", Quantity(10.0, "V"), None)
    assert ten.matches("DCV", Quantity(10000.0, "mV"), None)
    assert not ten.matches("DCV", Quantity(-10.0, "V"), None)
    assert not ten.matches("ACV", Quantity(10.0, "V"), None)
    resistance = parse_correction("RES 10kohm -0.4ohm")
    assert resistance.matches("RES2", Quantity(1e4, "ohm"), None)
    assert resistance.matches("RES4", Quantity(10, "kohm"), None)
    ac = parse_correction("ACV 1V@1kHz +120uV")
    assert ac.matches("ACV", Quantity(1.0, "V"), Quantity(1000, "Hz"))
    assert not ac.matches("ACV", Quantity(1.0, "V"), Quantity(10, "kHz"))
    assert not ac.matches("ACV", Quantity(1.0, "V"), None)
    every = parse_correction("DCV * +2ppm")
    assert applicable([every, ten], "DCV", Quantity(10.0, "V"), None) is ten
    assert applicable([every, ten], "DCV", Quantity(1.0, "V"), None) is every
    assert applicable([every, ten], "DCI", Quantity(1.0, "A"), None) is None


@pytest.mark.parametrize(("text", "fragment"), [
    ("DCV 10V", "give FUNCTION VALUE OFFSET"),
    ("DCV 10V +30uA", "is not in a unit of the value"),
    ("DCV 10V +30uV U=1uA", "the U 1 µA is not in a unit of the value"),
    ("DCV ten +30uV", "the value 'ten' is not a quantity"),
    ("DCV 10V +30uV k=0", "k must be a positive number"),
    ("DCV 10V +30uV k=two", "k='two' is not a number"),
    ("DCV 10V +30uV U=-1uV", "U must not be negative"),
    ("DCV 10V +30uV more", "unexpected 'more'"),
    ("10V DCV +30uV", "is not a function name"),
    ("DCV 10V +inf", "not finite"),
])
def test_bad_corrections_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(ImpactInputError, match=fragment.replace("(", r"\(")):
        parse_correction(text)


def test_the_same_output_twice_is_refused() -> None:
    with pytest.raises(ImpactInputError, match="names the same output"):
        check_unique([parse_correction("DCV 10V +30uV"), parse_correction("DCV 10000mV -2uV")])
    assert len(check_unique([parse_correction("DCV 10V +30uV"),
                             parse_correction("DCV -10V +30uV")])) == 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_is_a_named_input_error(text: str) -> None:
    try:
        correction = parse_correction(text)
    except ImpactInputError as exc:
        assert "--correction" in str(exc)
    else:
        assert correction.kind and correction.offset is not None


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
       st.floats(-1e3, 1e3, allow_nan=False), st.floats(0, 1e3, allow_nan=False),
       st.floats(0.5, 5))
def test_generated_corrections_round_trip(value: float, offset: float, expanded: float,
                                          k: float) -> None:
    text = f"DCV {value!r}V {offset!r}uV U={expanded!r}uV k={k!r}"
    correction = parse_correction(text)
    assert correction.matches("DCV", Quantity(value, "V"), None)
    shift, u = correction.shift(value, "V")
    assert shift == pytest.approx(offset * 1e-6, rel=1e-12, abs=1e-18)
    assert u == pytest.approx(expanded * 1e-6 / k, rel=1e-12, abs=1e-18)
