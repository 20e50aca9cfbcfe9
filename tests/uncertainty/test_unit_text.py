"""Unit texts from model files and the Python API: read safely or refused in one line."""

from __future__ import annotations

import pytest

from metrolab.uncertainty import TypeB, UncertaintyInputError
from metrolab.uncertainty.unit_text import parse_unit
from metrolab.units import ureg


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # issue 10, input contract: each of these was a traceback from inside pint
        ("(V", "unbalanced brackets"),  # tokenize.TokenError
        ("V*", "incomplete or malformed"),  # AssertionError
        ("V**99999999999", "exponent 99999999999 is out of range"),  # OverflowError
        # pint evaluates integer towers exactly: these never returned
        ("V**9**9**9", "one exponent per unit"),
        ("V^9^9^9", "one exponent per unit"),
        ("9**9**9*V", "only a unit can be raised to a power"),
        ("(9)**(9)**(9)", "only a unit can be raised to a power"),
        ("((9**99)**99)**99", "only a unit can be raised to a power"),
        ("9²²²²²²²²²²", "only a unit can be raised to a power"),
        ("V**(1/2)", "an exponent must be a plain number"),
        ("V⁹⁹⁹⁹⁹⁹⁹⁹", "out of range"),
        ("((V**60)**60)", "out of range"),
        ("vlots", "unknown unit 'vlots'"),
        ("V" * 101, "at most 100"),
    ],
)
def test_hostile_unit_texts_are_refused_quickly(text, message):
    """Each text is an UncertaintyInputError naming it, within the test's time limit."""
    with pytest.raises(UncertaintyInputError, match=message):
        parse_unit(text)
    with pytest.raises(UncertaintyInputError, match=message):
        TypeB(1.0, u=0.1, unit=text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("V", "volt"),
        ("mV/K", "millivolt / kelvin"),
        ("kg*m**2/s**3", "kilogram * meter ** 2 / second ** 3"),
        ("m/s²", "meter / second ** 2"),
        ("V⁻¹", "1 / volt"),
        ("1/K", "1 / kelvin"),
        ("(V*A)**2", "ampere ** 2 * volt ** 2"),
        ("V**0.5", "volt ** 0.5"),
        ("°C", "degree_Celsius"),
        ("µV", "microvolt"),
        ("Ω", "ohm"),
        ("%", "percent"),
        ("delta_degC", "delta_degree_Celsius"),
    ],
)
def test_ordinary_unit_texts_still_parse(text, expected):
    """Units people write keep working, superscripts and micro signs included."""
    assert parse_unit(text) == ureg.Unit(expected)
