"""GUM (JCGM 100:2008) and EA-4/02 worked examples, reproduced within their published rounding."""

from __future__ import annotations

import numpy as np
import pytest

from metrolab.uncertainty import TypeA, TypeB, evaluate_gum, observed_together

NM_IN_MM = 1e-6


def end_gauge_inputs() -> dict:
    """GUM H.1 (end gauge calibration), Table H.1: inputs and their dof; lengths in mm."""
    nm = NM_IN_MM
    return {
        "ls": TypeB(50.000623, u=25 * nm, dof=18, unit="mm"),  # H.1.3.1: U = 0.075 µm, k = 3
        "d": TypeB(215 * nm, u=5.8 * nm, dof=24, unit="mm"),  # H.1.3.2: 13 nm / sqrt(5)
        "d1": TypeB(0.0, u=3.9 * nm, dof=5, unit="mm"),  # comparator random effects
        "d2": TypeB(0.0, u=6.7 * nm, dof=8, unit="mm"),  # comparator systematic effects
        "alpha_s": TypeB(11.5e-6, half_width=2e-6, distribution="rectangular", unit="1/delta_degC"),
        "theta": TypeB(-0.1, u=0.41, unit="delta_degC"),  # H.1.3.4: sqrt(0.2^2 + 0.35^2)
        "dalpha": TypeB(
            0.0, half_width=1e-6, distribution="rectangular", dof=50, unit="1/delta_degC"
        ),
        "dtheta": TypeB(0.0, half_width=0.05, distribution="rectangular", dof=2, unit="delta_degC"),
    }


def end_gauge(ls, d, d1, d2, alpha_s, theta, dalpha, dtheta):
    """GUM H.1.2, first-order form of (H.3): l = ls + d - ls (dalpha theta + alpha_s dtheta)."""
    return ls * (1 - (dalpha * theta + alpha_s * dtheta)) + d + d1 + d2


def test_gum_h1_end_gauge_first_order():
    """GUM H.1.4-H.1.6: l = 50.000 838 mm, u_c = 32 nm, nu_eff = 16, U99 = t99(16) u_c = 93 nm."""
    r = evaluate_gum(end_gauge, end_gauge_inputs(), coverage=0.99, output_units={"y": "mm"})
    out = r["y"]
    assert out.value.to("mm").magnitude == pytest.approx(50.000838, abs=0.5e-6)
    assert out.u.to("nm").magnitude == pytest.approx(32, abs=0.5)
    assert float(out.dof) == pytest.approx(16.7, abs=0.1)  # GUM H.1.6 prints 16.7 (from u = 32 nm)
    assert float(out.k) == pytest.approx(2.92, abs=0.005)  # t99(16), the truncated dof
    # GUM prints U99 = 2.92 x 32 nm = 93 nm from the rounded u; unrounded 31.66 nm gives 92.5 nm
    assert round(float(out.k) * round(out.u.to("nm").magnitude)) == 93
    assert out.U.to("nm").magnitude == pytest.approx(92.5, abs=0.1)
    # Table H.1 contributions |c_i| u(x_i): 25, 5.8, 3.9, 6.7, 0, 0, 2.9, 16.6 nm
    contrib = r.contributions[0] / NM_IN_MM
    assert contrib == pytest.approx([25, 5.8, 3.9, 6.7, 0, 0, 2.9, 16.6], abs=0.05)
    # sensitivity of dtheta: c = -ls alpha_s = -575 nm/°C (Table H.1)
    assert r.sensitivities[0, 7] / NM_IN_MM == pytest.approx(-575, abs=0.5)


def test_gum_h1_second_order_terms():
    """GUM H.1.7: with the second-order terms of 5.1.2 note, u_c(l) = 34 nm."""
    r = evaluate_gum(end_gauge, end_gauge_inputs(), second_order=True, output_units={"y": "nm"})
    assert float(r.u[0]) == pytest.approx(34, abs=0.5)
    assert r.settings["second_order"] is True


def test_gum_5_1_2_note_product_of_two_inputs():
    """GUM 5.1.2 NOTE: for Y = X1 X2 the higher-order term adds u^2(x1) u^2(x2)."""
    x1, u1, x2, u2 = 3.0, 0.5, 2.0, 0.4
    r = evaluate_gum(
        lambda a, b: a * b, {"a": TypeB(x1, u=u1), "b": TypeB(x2, u=u2)}, second_order=True
    )
    expected = np.sqrt(x2**2 * u1**2 + x1**2 * u2**2 + u1**2 * u2**2)
    assert float(r.u[0]) == pytest.approx(expected, rel=1e-9)


# GUM H.2, Table H.2: five sets of simultaneous observations of V (V), I (mA), phi (rad)
H2_V = [5.007, 4.994, 5.005, 4.990, 4.999]
H2_I = [19.663, 19.639, 19.640, 19.685, 19.678]
H2_PHI = [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]


def impedance(V, I, phi):  # noqa: E741 - the GUM symbols
    """GUM H.2.2, equations (H.7): R, X and Z from V, I and phi."""
    return {"R": V / I * np.cos(phi), "X": V / I * np.sin(phi), "Z": V / I}


def test_gum_h2_correlations_estimated_from_data():
    """GUM H.2.3, Table H.3: r(V, I) = -0.36, r(V, phi) = 0.86, r(I, phi) = -0.65."""
    inputs, corr = observed_together({"V": H2_V, "I": H2_I, "phi": H2_PHI})
    assert corr[("V", "I")] == pytest.approx(-0.36, abs=0.005)
    assert corr[("V", "phi")] == pytest.approx(0.86, abs=0.005)
    assert corr[("I", "phi")] == pytest.approx(-0.65, abs=0.005)
    assert float(inputs["V"].u) == pytest.approx(0.0032, abs=0.00005)
    assert float(inputs["I"].u) == pytest.approx(0.0095, abs=0.00005)
    assert float(inputs["phi"].u) == pytest.approx(0.00075, abs=0.000005)


def test_gum_h2_resistance_reactance_impedance():
    """GUM H.2.3-H.2.4, Table H.4: R = 127.732(71) Ω, X = 219.847(295) Ω, Z = 254.260(236) Ω.

    r(R, X) = -0.588, r(R, Z) = -0.485, r(X, Z) = 0.993. The uncertainties agree to within
    one unit of the last published digit (u(X) computes to 0.2956 Ω; the GUM prints 0.295).
    """
    inputs, corr = observed_together(
        {"V": H2_V, "I": H2_I, "phi": H2_PHI}, units={"V": "V", "I": "mA"}
    )
    r = evaluate_gum(impedance, inputs, correlations=corr, output_units=dict.fromkeys("RXZ", "ohm"))
    assert r.output_names == ("R", "X", "Z")
    assert r.values == pytest.approx([127.732, 219.847, 254.260], abs=0.0005)
    assert r.u == pytest.approx([0.071, 0.295, 0.236], abs=0.001)
    corr_out = r.correlation
    assert corr_out[0, 1] == pytest.approx(-0.588, abs=0.0005)
    assert corr_out[0, 2] == pytest.approx(-0.485, abs=0.0005)
    assert corr_out[1, 2] == pytest.approx(0.993, abs=0.0005)
    assert r.settings["derivative"] == "forward-mode"
    assert list(r.dof) == pytest.approx([4, 4, 4])  # one block of inputs observed together: n - 1


def test_ea_4_02_s2_weight_calibration():
    """EA-4/02 M:2022 S2 (10 kg weight): m_X = 10 000.025 g, u = 29.3 mg, U = 59 mg (k = 2).

    S2.9 budget: 22.5, 8.66, 14.4, 5.77, 5.77 mg; the pooled s = 25 mg from earlier data
    gives u(dm) = 25 mg / sqrt(3) with three observations of the difference.
    """
    # S2 gives only the mean of the three observed differences (0.020 g): any three readings with
    # that mean do, because u comes from the pooled s = 25 mg
    dm = TypeA.from_readings([0.010, 0.030, 0.020], unit="g", pooled_sd=0.025)
    inputs = {
        "m_s": TypeB(10000.005, expanded=0.045, k=2, unit="g"),
        "dm_d": TypeB(0.0, half_width=0.015, distribution="rectangular", unit="g"),
        "dm": dm,
        "dm_c": TypeB(0.0, half_width=0.010, distribution="rectangular", unit="g"),
        "dB": TypeB(0.0, half_width=0.010, distribution="rectangular", unit="g"),
    }
    r = evaluate_gum(lambda m_s, dm_d, dm, dm_c, dB: m_s + dm_d + dm + dm_c + dB, inputs)
    out = r["y"]
    assert out.value.to("g").magnitude == pytest.approx(10000.025, abs=0.0005)
    assert r.contributions[0] * 1000 == pytest.approx([22.5, 8.66, 14.4, 5.77, 5.77], abs=0.05)
    assert out.u.to("mg").magnitude == pytest.approx(29.3, abs=0.05)
    assert out.dof is not None and float(out.dof) == np.inf  # every input has infinite dof here
    U_k2 = 2 * out.u.to("mg").magnitude
    assert round(U_k2) == 59  # EA-4/02 S2.9 states U = 2 x 29.3 mg = 59 mg


def test_gum_4_4_3_type_a_temperature():
    """GUM 4.4.3 Table 1 / 4.4.3: 20 observations, mean 100.145 °C, s(t̄) = 0.33 °C, nu = 19."""
    readings = [
        96.90,
        98.18,
        98.25,
        98.61,
        99.03,
        99.49,
        99.56,
        99.74,
        99.89,
        100.07,
        100.33,
        100.42,
        100.68,
        100.95,
        101.11,
        101.20,
        101.57,
        101.84,
        102.36,
        102.72,
    ]
    t = TypeA.from_readings(readings, unit="degC", check_autocorrelation=False)
    assert float(t.value) == pytest.approx(100.145, abs=0.0005)
    assert float(t.u) == pytest.approx(0.333, abs=0.0005)
    assert float(t.dof) == 19
