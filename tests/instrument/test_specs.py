"""Accuracy specifications held as data."""

from pathlib import Path

import pytest

from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.specs import AccuracySpec
from metrolab.units import ureg

SPEC = """
model = "X1"
interval = "1 year"
[[spec]]
functions = ["DCV"]
range = 10.0
reading_pct = 0.0035
range_pct = 0.0005
[[spec]]
functions = ["ACV"]
range = 1.0
reading_pct = 0.06
range_pct = 0.03
frequency_min = 10
frequency_max = 20000
"""


@pytest.fixture
def spec(tmp_path: Path) -> AccuracySpec:
    path = tmp_path / "x1.toml"
    path.write_text(SPEC)
    return AccuracySpec.load(path)


def test_tolerance_is_reading_plus_range_term_in_the_value_unit(spec: AccuracySpec) -> None:
    tol = spec.tolerance(Function.DCV, 10 * ureg.V, 10 * ureg.V)
    assert tol.to("uV").magnitude == pytest.approx(400.0)
    tol_mv = spec.tolerance(Function.DCV, 10.0, -5000 * ureg.mV)
    assert tol_mv.units == ureg.mV
    assert tol_mv.magnitude == pytest.approx(0.225)


def test_ac_needs_a_frequency_inside_a_band(spec: AccuracySpec) -> None:
    tol = spec.tolerance(Function.ACV, 1 * ureg.V, 0.5 * ureg.V, 1 * ureg.kHz)
    assert tol.to("mV").magnitude == pytest.approx(0.6)
    with pytest.raises(SpecificationUnavailable, match="frequency"):
        spec.tolerance(Function.ACV, 1 * ureg.V, 0.5 * ureg.V)
    with pytest.raises(SpecificationUnavailable, match="frequency"):
        spec.tolerance(Function.ACV, 1 * ureg.V, 0.5 * ureg.V, 50_000.0)


def test_missing_range_names_the_ranges_held(spec: AccuracySpec) -> None:
    with pytest.raises(SpecificationUnavailable, match=r"ranges held: 10"):
        spec.tolerance(Function.DCV, 1 * ureg.V, 1 * ureg.V)
    with pytest.raises(SpecificationUnavailable):
        spec.tolerance(Function.DCI, 1 * ureg.A, 1 * ureg.A)


def test_quantities_of_the_wrong_dimension_are_user_input_errors(spec: AccuracySpec) -> None:
    with pytest.raises(UserInputError, match="DCV"):
        spec.tolerance(Function.DCV, 10 * ureg.A, 10 * ureg.V)
    with pytest.raises(UserInputError):
        spec.tolerance(Function.ACV, 1 * ureg.V, 0.5 * ureg.V, 1 * ureg.V)


def test_malformed_file_is_user_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('model = "X"\n[[spec]]\nfunctions = ["DCV"]\n')
    with pytest.raises(UserInputError, match=r"bad\.toml"):
        AccuracySpec.load(path)


def test_caveat_names_unverified_rows_and_provisional_tables(tmp_path: Path) -> None:
    """A [U]-tagged row or a provisional table gives a one-line caveat; a verified row none."""
    path = tmp_path / "x2.toml"
    path.write_text(SPEC.replace('frequency_min = 10', 'source = "[U] recalled datasheet"\n'
                                 'frequency_min = 10'))
    spec = AccuracySpec.load(path)
    assert spec.caveat(Function.DCV, 10 * ureg.V, 10 * ureg.V) is None
    caveat = spec.caveat(Function.ACV, 1 * ureg.V, 1 * ureg.V, 1e3 * ureg.Hz)
    assert caveat == "X1 1 year specification, unverified data: [U] recalled datasheet"
    path.write_text('provisional = true\nsource = "a sister model"\n' + SPEC)
    provisional = AccuracySpec.load(path)
    assert "provisional table: a sister model" in str(
        provisional.caveat(Function.DCV, 10 * ureg.V, 10 * ureg.V)
    )
    with pytest.raises(SpecificationUnavailable):
        spec.caveat(Function.DCV, 100 * ureg.V, 50 * ureg.V)
