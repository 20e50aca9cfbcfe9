"""The 5522A specification tables: the data reproduce the manual and lookups pick the right row."""

import pytest
from metrolab.drivers.fluke import calibrator_profile

from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.units import Quantity

SPEC = calibrator_profile("fluke-5522a").spec
SPEC_90 = calibrator_profile("fluke-5522a").specification("90-day")

# Operators Manual Table 7-3: (range V, output V, printed upper limit - output in V,
# printed resolution in V); the limits are output ± the 90-day specification.
TABLE_7_3 = [
    (329.9999e-3, 0.0, 0.0010e-3, 0.0001e-3),
    (329.9999e-3, 329.0e-3, 0.0059e-3, 0.0001e-3),
    (3.299999, 0.0, 2e-6, 1e-6),
    (3.299999, 1.0, 11e-6, 1e-6),
    (3.299999, 3.29, 32e-6, 1e-6),
    (32.99999, 0.0, 20e-6, 10e-6),
    (32.99999, 10.0, 120e-6, 10e-6),
    (32.99999, 32.9, 350e-6, 10e-6),
    (329.9999, 50.0, 0.9e-3, 0.1e-3),
    (329.9999, 329.0, 5.1e-3, 0.1e-3),
    (1020.0, 334.0, 7e-3, 1e-3),
    (1020.0, 900.0, 15e-3, 1e-3),
    (1020.0, 1020.0, 17e-3, 1e-3),
]


@pytest.mark.parametrize(("range_v", "output_v", "printed", "resolution"), TABLE_7_3)
def test_90_day_table_reproduces_the_manual_verification_limits(
    range_v: float, output_v: float, printed: float, resolution: float
) -> None:
    for sign in (1, -1):
        tolerance = SPEC_90.tolerance(
            Function.DCV, Quantity(range_v, "V"), Quantity(sign * output_v, "V")
        )
        assert tolerance.to("V").magnitude == pytest.approx(printed, abs=resolution / 2 + 1e-12)


def test_one_year_10_v_is_12_ppm_plus_20_uv_in_the_unit_of_the_value() -> None:
    tolerance = SPEC.tolerance(Function.DCV, None, Quantity(10_000, "mV"))
    assert tolerance.units == Quantity(1, "mV").units
    assert tolerance.magnitude == pytest.approx(0.140)


def test_one_year_is_wider_than_90_day_on_every_dc_voltage_range() -> None:
    for row_90 in SPEC_90.rows:
        value = Quantity(row_90.range, "V")
        assert SPEC.tolerance(Function.DCV, value, value) > SPEC_90.tolerance(
            Function.DCV, value, value
        )


def test_auto_range_picks_the_smallest_range_that_holds_the_value() -> None:
    assert SPEC.row(Function.DCV, None, value=3.3).range == pytest.approx(32.99999)
    assert SPEC.row(Function.DCV, None, value=-3.2).range == pytest.approx(3.299999)
    assert SPEC.row(Function.RES4, None, value=10e3).range == pytest.approx(
        10.99999e3
    )


def test_resistance_and_current_tolerances_carry_their_units() -> None:
    assert SPEC.tolerance(Function.RES2, None, Quantity(100, "ohm")).to("ohm").magnitude == (
        pytest.approx(28e-6 * 100 + 0.0014)
    )
    assert SPEC.tolerance(Function.DCI, None, Quantity(1, "mA")).to("uA").magnitude == (
        pytest.approx(100e-6 * 1000 + 0.05)
    )


def test_ac_rows_depend_on_frequency() -> None:
    at_1k = SPEC.tolerance(Function.ACV, None, Quantity(1, "V"), Quantity(1, "kHz"))
    assert at_1k.to("uV").magnitude == pytest.approx(250 + 60)
    with pytest.raises(SpecificationUnavailable, match="ACV"):
        SPEC.tolerance(Function.ACV, None, Quantity(1, "V"), Quantity(1, "MHz"))
    with pytest.raises(SpecificationUnavailable):
        SPEC.tolerance(Function.ACV, None, Quantity(1, "V"))


def test_a_range_the_calibrator_does_not_have_is_refused_with_its_ranges() -> None:
    with pytest.raises(SpecificationUnavailable, match=r"ranges held: .*32\.99999 V"):
        SPEC.tolerance(Function.DCV, Quantity(10, "V"), Quantity(5, "V"))
    with pytest.raises(SpecificationUnavailable):
        SPEC.tolerance(Function.DCV, None, Quantity(1100, "V"))


def test_every_one_year_row_says_where_it_comes_from() -> None:
    assert all(row.source.startswith("[U]") and not row.verified for row in SPEC.rows)
    assert all(row.source.startswith("[P]") and row.verified for row in SPEC_90.rows)
