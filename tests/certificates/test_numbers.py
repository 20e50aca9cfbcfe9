"""Reported digits (two significant digits of U) and D-SI unit strings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrolab.certificates.dsi_units import dsi_unit
from metrolab.certificates.errors import CertificateError
from metrolab.certificates.rounding import Reported, format_trimmed, round_like, round_reported


@pytest.mark.parametrize(("value", "U", "expected"), [
    (10.0003551234, 0.0000523, Reported("10.000355", "0.000052")),
    (10.0003555, 0.0000525, Reported("10.000356", "0.000053")),   # U half up
    (1.23456, 0.0996, Reported("1.23", "0.10")),                  # 0.0996 -> 0.10
    (123.4, 9.96, Reported("123", "10")),                         # 9.96 -> 10, one digit more
    (-0.0000001, 0.0000074, Reported("-0.0000001", "0.0000074")),
    (0.00000004, 0.0000074, Reported("0.0000000", "0.0000074")),  # no "-0"
    (-0.00000004, 0.0000074, Reported("0.0000000", "0.0000074")),
    (2500.0, 120.0, Reported("2500", "120")),
])
def test_U_keeps_two_significant_digits_and_the_value_its_decimal_place(
        value: float, U: float, expected: Reported) -> None:
    assert round_reported(value, U) == expected


def test_a_limit_is_rounded_to_the_place_of_the_value() -> None:
    reported = round_reported(0.000355, 0.000052)
    assert round_like(-0.00035, reported) == "-0.000350"


def test_trimmed_numbers_lose_trailing_zeros() -> None:
    assert format_trimmed(2.0, 3) == "2"
    assert format_trimmed(0.95, 4) == "0.95"
    assert format_trimmed(1.9602, 3) == "1.96"


@pytest.mark.parametrize(("unit", "expected"), [
    ("V", "\\volt"), ("mV", "\\milli\\volt"), ("kohm", "\\kilo\\ohm"), ("uA", "\\micro\\ampere"),
    ("degC", "\\degreecelsius"), ("%", "\\percent"), ("hPa", "\\hecto\\pascal"),
    ("Hz", "\\hertz"), ("V**2", "\\volt\\tothe{2}"), ("m/s", "\\metre\\second\\tothe{-1}"),
    ("dimensionless", "\\one"),
])
def test_pint_units_become_dsi_strings(unit: str, expected: str) -> None:
    assert dsi_unit(unit) == expected


def test_a_unit_without_dsi_notation_is_refused() -> None:
    with pytest.raises(CertificateError, match="no D-SI notation"):
        dsi_unit("inch")


@given(value=st.floats(-1e6, 1e6, allow_nan=False),
       U=st.floats(1e-9, 1e5, allow_nan=False))
def test_rounding_properties_hold_for_any_value(value: float, U: float) -> None:
    reported = round_reported(value, U)
    u = Decimal(reported.uncertainty)
    digits = reported.uncertainty.lstrip("0.").replace(".", "").rstrip("0") or "0"
    assert 1 <= len(digits) <= 2  # at most two significant digits
    assert Decimal(reported.value).as_tuple().exponent == u.as_tuple().exponent  # same place
    quantum = Decimal(1).scaleb(u.adjusted() - 1)  # one unit of U's second digit
    assert abs(u - Decimal(repr(U))) <= quantum / 2
    assert abs(Decimal(reported.value) - Decimal(repr(value))) <= quantum / 2
