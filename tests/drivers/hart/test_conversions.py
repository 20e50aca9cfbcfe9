"""Temperature conversions of the readout family against published values and an
independent implementation.

* ITS-90 (H. Preston-Thomas, Metrologia 27 (1990) 3-10): Table 1 gives the reference
  ratio Wr at every defining fixed point to 8 decimals; §3.3.2 says the inverse functions
  agree with the direct ones within 0.1 mK (9b) and 0.13 mK (10b).
* IEC 60751:2008 Table 1: Pt100 resistance (Ω, 2 decimals) against temperature.
* NIST Monograph 175 (ITS-90 thermocouple tables, 1993): emf in mV, 3 decimals.
* ptcal (PyPI, an independent ITS-90 and Callendar-Van Dusen implementation).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrolab.drivers.hart.its90 import (
    DeviationFunction,
    StandardPlatinumResistance,
    reference_ratio,
    reference_temperature,
)
from metrolab.drivers.hart.sensors import PlatinumResistance, Thermocouple

from metrolab.errors import UserInputError

#: ITS-90 Table 1: T90 / K -> Wr(T90)
ITS90_TABLE_1 = {
    13.8033: 0.00119007, 24.5561: 0.00844974, 54.3584: 0.09171804, 83.8058: 0.21585975,
    234.3156: 0.84414211, 273.16: 1.00000000, 302.9146: 1.11813889, 429.7485: 1.60980185,
    505.078: 1.89279768, 692.677: 2.56891730, 933.473: 3.37600860, 1234.93: 4.28642053,
}
#: IEC 60751:2008 Table 1, Pt100: °C -> Ω
IEC_60751_TABLE = {
    -200: 18.52, -150: 39.72, -100: 60.26, -50: 80.31, 0: 100.00, 50: 119.40, 100: 138.51,
    200: 175.86, 300: 212.05, 400: 247.09, 500: 280.98, 600: 313.71, 700: 345.28,
    800: 375.70, 850: 390.48,
}
#: NIST Monograph 175: (type, °C) -> mV, reference junction at 0 °C
NIST_175 = {
    ("K", 25.0): 1.000, ("K", 100.0): 4.096, ("K", 1000.0): 41.276, ("J", 100.0): 5.269,
    ("T", 100.0): 4.279, ("E", 100.0): 6.319, ("N", 100.0): 2.774, ("S", 1000.0): 9.587,
    ("R", 1000.0): 10.506, ("B", 1000.0): 4.834,
}


@pytest.mark.parametrize(("kelvin", "ratio"), ITS90_TABLE_1.items())
def test_its90_reference_function_reproduces_table_1(kelvin: float, ratio: float) -> None:
    assert reference_ratio(kelvin - 273.15) == pytest.approx(ratio, abs=1e-8)
    # the inverse functions agree with the direct ones within 0.13 mK (§3.3.2)
    assert reference_temperature(ratio) == pytest.approx(kelvin - 273.15, abs=0.13e-3)


def test_its90_range_is_enforced() -> None:
    with pytest.raises(UserInputError, match="outside the range of the reference functions"):
        reference_ratio(1000.0)
    with pytest.raises(UserInputError, match="outside"):
        reference_ratio(-270.0)


@settings(max_examples=60, deadline=None)
@given(t=st.floats(min_value=-259.3, max_value=961.7),
       a=st.floats(min_value=-5e-4, max_value=5e-4), b=st.floats(min_value=-5e-5, max_value=5e-5),
       c=st.floats(min_value=-5e-6, max_value=5e-6))
def test_an_sprt_with_any_deviation_round_trips(t: float, a: float, b: float, c: float) -> None:
    sprt = StandardPlatinumResistance(25.5, DeviationFunction(a_low=a, b_low=b, a=a, b=b, c=c))
    assert sprt.temperature(sprt.resistance(t)) == pytest.approx(t, abs=1e-6)


def test_an_sprt_without_deviation_is_the_reference_function() -> None:
    sprt = StandardPlatinumResistance(25.0)
    # zinc point: W = Wr = 2.56891730, R = 25 Ω × W
    assert sprt.resistance(419.527) == pytest.approx(25.0 * 2.56891730, abs=25 * 1e-8)
    assert sprt.temperature(25.0 * 1.60980185) == pytest.approx(156.5985, abs=1e-6)


@pytest.mark.parametrize(("celsius", "ohms"), IEC_60751_TABLE.items())
def test_cvd_reproduces_the_iec_60751_table(celsius: float, ohms: float) -> None:
    pt100 = PlatinumResistance()
    assert pt100.resistance(celsius) == pytest.approx(ohms, abs=0.005)
    assert pt100.temperature(ohms) == pytest.approx(celsius, abs=0.005 / pt100.sensitivity(
        celsius))


@settings(max_examples=80, deadline=None)
@given(t=st.floats(min_value=-200.0, max_value=850.0))
def test_cvd_inverse_round_trips(t: float) -> None:
    pt100 = PlatinumResistance()
    assert pt100.temperature(pt100.resistance(t)) == pytest.approx(t, abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(t=st.floats(min_value=0.02, max_value=961.78))
def test_its90_and_cvd_against_ptcal(t: float) -> None:
    core = pytest.importorskip("ptcal.core")
    assert reference_ratio(t) == pytest.approx(core.its90_w_ref_calc(t), abs=1e-12)
    pt100 = PlatinumResistance()
    t = min(t, 850.0)
    assert pt100.resistance(t) == pytest.approx(
        core.cvd_r(t, 100.0, pt100.a, pt100.b, pt100.c), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(t=st.floats(min_value=-259.3, max_value=0.009))
def test_its90_below_zero_against_ptcal_which_returns_ln_wr(t: float) -> None:
    """ptcal 0.1.4's ``its90_w_ref_calc`` returns ln Wr, not Wr, below 0.01 °C (eq. 9a is
    ln Wr = A0 + Σ Ai x^i): compared through exp, it agrees."""
    core = pytest.importorskip("ptcal.core")
    assert reference_ratio(t) == pytest.approx(math.exp(core.its90_w_ref_calc(t)), rel=1e-12)


@pytest.mark.parametrize(("key", "millivolts"), NIST_175.items())
def test_thermocouples_reproduce_nist_monograph_175(key: tuple[str, float],
                                                    millivolts: float) -> None:
    letter, celsius = key
    couple = Thermocouple(letter)
    assert couple.emf(celsius) == pytest.approx(millivolts, abs=0.0005)
    assert couple.temperature(millivolts) == pytest.approx(
        celsius, abs=0.0005 / couple.sensitivity(celsius))


def test_thermocouple_cold_junction_compensation() -> None:
    couple = Thermocouple("K")
    # 100 °C against a 25 °C reference junction: 4.096 mV - 1.000 mV (NIST 175)
    assert couple.emf(100.0, reference_c=25.0) == pytest.approx(3.096, abs=0.001)
    assert couple.temperature(couple.emf(100.0, 25.0), reference_c=25.0) == pytest.approx(
        100.0, abs=1e-6)
