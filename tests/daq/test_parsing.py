"""Durations, setpoint lists and unit text as people type them."""

from __future__ import annotations

import numpy as np
import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrolab.daq.errors import DaqInputError
from metrolab.daq.parsing import seconds, setpoints, unit_text
from metrolab.units import ureg


@pytest.mark.parametrize(("text", "expected"), [
    ("1s", 1.0), ("500 ms", 0.5), ("48h", 172800.0), ("2min", 120.0), (3, 3.0),
    ("0.25", 0.25), (ureg.Quantity(1.5, "min"), 90.0)])
def test_durations_in_seconds(text: object, expected: float) -> None:
    assert seconds(text, "--every") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["fast", "1V", "-1s", "nan", "inf s"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(DaqInputError, match="--every"):
        seconds(text, "--every")


def test_zero_duration_refused_where_it_makes_no_sense() -> None:
    assert seconds("0s", "--every") == 0.0
    with pytest.raises(DaqInputError, match="more than zero"):
        seconds("0s", "--for", allow_zero=False)


def test_start_stop_count_includes_both_ends() -> None:
    values = setpoints("0V:10V:11", "--set")
    assert values.units == ureg.V
    np.testing.assert_array_equal(values.magnitude, np.arange(11.0))


def test_list_takes_the_unit_of_its_first_value_with_one() -> None:
    values = setpoints("1mV,2,5mV", "--set")
    assert f"{values.units:~}" == "mV"
    np.testing.assert_array_equal(values.magnitude, [1.0, 2.0, 5.0])


def test_list_converts_to_one_unit() -> None:
    values = setpoints("1V,500mV", "--set")
    np.testing.assert_allclose(values.to("V").magnitude, [1.0, 0.5])


@pytest.mark.parametrize(("text", "message"), [
    ("0V:10V:x", "whole number"), ("0V:10V:0", "at least 1"), ("1V,2A", "one dimension"),
    ("", "no setpoint"), ("1V,wobble", "not a quantity")])
def test_bad_setpoints(text: str, message: str) -> None:
    with pytest.raises(DaqInputError, match=message):
        setpoints(text, "--set")


@pytest.mark.parametrize(("unit", "text"), [
    ("V", "V"), ("degC", "degC"), ("ohm", "ohm"), ("kohm", "kohm"), ("percent", "percent"),
    ("uV", "uV"), ("hPa", "hPa"), ("", "dimensionless")])
def test_unit_text_is_ascii_pint_reads_back(unit: str, text: str) -> None:
    assert unit_text(unit) == text
    assert unit_text(unit).isascii()


#: a registry that is not metrolab's, built once (building one takes a second)
_OTHER = pint.UnitRegistry()


@given(st.sampled_from(["V", "mV", "uV", "A", "mA", "ohm", "kohm", "Mohm", "degC", "K",
                        "percent", "hPa", "Hz", "s", "V/s", "degC/min"]))
def test_unit_text_round_trips_through_an_independent_registry(unit: str) -> None:
    assert _OTHER.Unit(unit_text(unit)) == _OTHER.Unit(unit)


def test_unknown_unit_refused() -> None:
    with pytest.raises(DaqInputError, match="wibble"):
        unit_text("wibble")
