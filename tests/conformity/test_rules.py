"""Decision rules of ILAC-G8:09/2019 clause 4.2: statements, limits, equality, sides and units.

Zone layout checked here (ILAC-G8:09/2019 clause 4.2.2 and figure 4, as summarised in
shared/reference/records.md section 3a): binary simple acceptance passes up to the
tolerance limit; binary guarded acceptance passes up to AL = TL - w; the non-binary rule
gives pass below TL - w, conditional pass in [TL - w, TL], conditional fail in
[TL, TL + w] and fail above TL + w.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from metrolab.conformity import (
    DCC_CONFORMITY,
    STATEMENTS,
    ConformityInputError,
    GuardBand,
    LowTURWarning,
    dcc_conformity,
    decide,
    tar,
)
from metrolab.units import ureg

# low-TUR warnings are checked in their own tests below
pytestmark = pytest.mark.filterwarnings("ignore::metrolab.conformity.errors.LowTURWarning")

INTERFACE_KEYS = {
    "rule", "parameters", "measured", "U", "k", "lower_limit", "upper_limit",
    "acceptance_lower", "acceptance_upper", "statement", "probability_of_conformity",
    "pfa", "pfr", "tur",
}  # fmt: skip


def statements(**kwargs: object) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowTURWarning)
        return list(decide(**kwargs).to_dict()["statement"])  # type: ignore[arg-type]


def test_simple_acceptance_passes_up_to_and_on_the_limit() -> None:
    # ILAC-G8 4.2.1: simple acceptance, acceptance limit = tolerance limit (w = 0)
    got = statements(
        measured=np.array([-1.0 - 1e-12, -1.0, 0.0, 1.0, 1.0 + 1e-12]), U=0.2, lower=-1, upper=1
    )
    assert got == ["fail", "pass", "pass", "pass", "fail"]


def test_guarded_acceptance_with_w_equal_u_moves_the_limits_in() -> None:
    # ILAC-G8 4.2.2: AL = TL - w with w = r U; r = 1 here, U = 0.25
    decision = decide(
        np.array([0.74, 0.75, 0.75 + 1e-12, 0.9]),
        0.25,
        lower=-1,
        upper=1,
        rule="guarded",
        guard=GuardBand.multiple(1.0),
    )
    data = decision.to_dict()
    assert data["acceptance_lower"] == [-0.75] * 4
    assert data["acceptance_upper"] == [0.75] * 4
    assert data["statement"] == ["pass", "pass", "fail", "fail"]
    assert data["parameters"]["guard_band"] == {"kind": "multiple", "r": 1.0}


def test_guarded_rule_defaults_to_w_equal_u() -> None:
    data = decide(0.0, 0.2, lower=-1, upper=1, rule="guarded").to_dict()
    assert data["acceptance_upper"] == pytest.approx(0.8)
    assert data["acceptance_lower"] == pytest.approx(-0.8)


def test_nonbinary_zones_and_what_happens_exactly_on_each_limit() -> None:
    # ILAC-G8 4.2.3 with w = U = 0.25 around TU = 1 (and mirrored at TL = -1)
    measured = np.array([0.0, 0.75, 0.8, 1.0, 1.1, 1.25, 1.3, -0.75, -1.0, -1.25, -1.3])
    got = statements(measured=measured, U=0.25, lower=-1, upper=1, rule="nonbinary")
    assert got == [
        "pass", "pass", "conditional_pass", "conditional_pass", "conditional_fail",
        "conditional_fail", "fail", "pass", "conditional_pass", "conditional_fail", "fail",
    ]  # fmt: skip


def test_one_sided_upper_limit() -> None:
    decision = decide(np.array([-50.0, 1.5, 1.8, 2.1, 2.3]), 0.2, upper=2.0, rule="nonbinary")
    data = decision.to_dict()
    assert data["lower_limit"] == [None] * 5
    assert data["acceptance_lower"] == [None] * 5
    assert data["acceptance_upper"] == [1.8] * 5
    assert data["tur"] == [None] * 5  # TUR needs a half-width
    assert data["statement"] == ["pass", "pass", "pass", "conditional_fail", "fail"]
    assert json.loads(json.dumps(data)) == data


def test_one_sided_lower_limit() -> None:
    got = statements(measured=np.array([0.5, 1.05, 0.95, 0.85]), U=0.1, lower=1.0, rule="nonbinary")
    assert got == ["fail", "conditional_pass", "conditional_fail", "fail"]


def test_asymmetric_tolerance_with_asymmetric_guard_bands() -> None:
    decision = decide(
        np.array([-0.95, -0.85, 2.6, 2.8, 3.2, 3.4]),
        0.2,
        lower=-1.0,
        upper=3.0,
        rule="nonbinary",
        guard=(0.1, 0.3),
    )
    data = decision.to_dict()
    assert data["acceptance_lower"][0] == pytest.approx(-0.9)
    assert data["acceptance_upper"][0] == pytest.approx(2.7)
    assert data["tur"][0] == pytest.approx(2.0 / 0.2)  # T = 2 for [-1, 3]
    assert data["statement"] == [
        "conditional_pass", "pass", "pass", "conditional_pass", "conditional_fail", "fail",
    ]  # fmt: skip


def test_formula_guard_band_on_asymmetric_tolerance_uses_the_half_width() -> None:
    # rss: A = sqrt(T^2 - U^2) with T = 2, U = 1 about the centre 1
    data = decide(None, 1.0, lower=-1.0, upper=3.0, rule="guarded", guard="rss").to_dict()
    assert data["acceptance_lower"] == pytest.approx(1.0 - np.sqrt(3.0))
    assert data["acceptance_upper"] == pytest.approx(1.0 + np.sqrt(3.0))


def test_negative_width_is_guarded_rejection_for_the_binary_rule() -> None:
    data = decide(1.05, 0.1, lower=-1, upper=1, rule="guarded", guard=-0.1).to_dict()
    assert data["acceptance_upper"] == pytest.approx(1.1)
    assert data["statement"] == "pass"
    # a pass whose true value is likely out of tolerance: the specific risk says so
    assert data["specific_risk"] == pytest.approx(1.0 - data["probability_of_conformity"])
    assert data["specific_risk"] > 0.5


def test_every_statement_maps_to_its_own_dcc_value() -> None:
    # DCC 3.3.0 conformity vocabulary (shared/reference/records.md section 2b)
    dcc_vocabulary = {"pass", "fail", "conditionalPass", "conditionalFail", "noPass", "noFail"}
    assert set(DCC_CONFORMITY) == set(STATEMENTS)
    assert len(set(DCC_CONFORMITY.values())) == len(STATEMENTS)
    assert set(DCC_CONFORMITY.values()) <= dcc_vocabulary
    assert dcc_conformity("conditional_fail") == "conditionalFail"
    with pytest.raises(KeyError, match="not a conformity statement"):
        dcc_conformity("maybe")


def test_to_dict_holds_the_interface_keys_and_is_json_safe() -> None:
    data = decide(0.3, 0.1, lower=-1, upper=1, rule="nonbinary", prior=0.9).to_dict()
    assert set(data) >= INTERFACE_KEYS
    assert data["dcc_conformity"] == "pass"
    assert data["k"] == 2.0
    assert data["parameters"]["prior"]["itp"] == 0.9
    assert "inside" in data["parameters"]["equality"]
    assert json.loads(json.dumps(data)) == data


def test_quantities_are_converted_to_the_unit_of_the_measured_value() -> None:
    q = ureg.Quantity
    data = decide(
        q(10.0004, "V"), q(0.2, "mV"), lower=q(9999.5, "mV"), upper=q(10.0005, "V"), rule="guarded"
    ).to_dict()
    assert data["unit"] == "V"
    assert data["acceptance_upper"] == pytest.approx(10.0003)
    assert data["statement"] == "fail"
    assert data["tur"] == pytest.approx(2.5)


def test_guard_band_width_as_a_quantity() -> None:
    q = ureg.Quantity
    data = decide(
        q(1.0, "V"), q(1.0, "mV"), lower=q(0.99, "V"), upper=q(1.01, "V"), rule="guarded",
        guard=(q(2.0, "mV"), q(0.004, "V")),
    ).to_dict()  # fmt: skip
    assert data["acceptance_lower"] == pytest.approx(0.992)
    assert data["acceptance_upper"] == pytest.approx(1.006)
    with pytest.raises(ConformityInputError, match="plain number"):
        decide(q(1.0, "V"), q(1.0, "mV"), upper=q(1.01, "V"), rule="guarded", guard=0.002)


def test_plain_numbers_mixed_with_quantities_are_refused() -> None:
    with pytest.raises(ConformityInputError, match="unit"):
        decide(ureg.Quantity(1.0, "V"), 0.1, lower=0, upper=2)
    with pytest.raises(ConformityInputError, match="cannot be expressed"):
        decide(ureg.Quantity(1.0, "V"), ureg.Quantity(1.0, "A"), upper=ureg.Quantity(2.0, "V"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measured": 0.0, "U": 0.1}, "no tolerance limit"),
        ({"measured": 0.0, "U": 0.1, "lower": 1, "upper": 1}, "not below"),
        ({"measured": 0.0, "U": 0.0, "lower": -1, "upper": 1}, "positive"),
        ({"measured": 0.0, "U": 0.1, "lower": -1, "upper": 1, "rule": "lenient"}, "unknown"),
        ({"measured": 0.0, "U": 0.1, "lower": -1, "upper": 1, "guard": "rss"}, "simple"),
        (
            {
                "measured": 0.0,
                "U": 0.1,
                "lower": -1,
                "upper": 1,
                "rule": "nonbinary",
                "guard": -0.1,
            },
            ">= 0",
        ),
        (
            {"measured": 0.0, "U": 0.1, "upper": 1, "rule": "guarded", "guard": "dobbert"},
            "two-sided",
        ),
        (
            {
                "measured": 0.0,
                "U": 0.1,
                "lower": -1,
                "upper": 1,
                "rule": "guarded",
                "guard": "magic",
            },
            "unknown guard-band method",
        ),
        ({"measured": 0.0, "U": 0.1, "upper": 1, "prior": 0.95}, "both tolerance limits"),
        ({"measured": 0.0, "U": 0.1, "lower": -1, "upper": 1, "prior": 1.5}, "fraction"),
        ({"measured": np.zeros(3), "U": np.ones(2), "lower": -1, "upper": 1}, "broadcast"),
        ({"measured": 0.0, "U": 0.1, "lower": -1, "upper": 1, "k": 0}, "coverage factor"),
        (
            {
                "measured": 0.0,
                "U": 0.1,
                "lower": -1,
                "upper": 1,
                "rule": "guarded",
                "guard": GuardBand.target_pfa(0.02),
            },
            "needs a prior",
        ),
    ],
)
def test_bad_inputs_name_the_problem(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConformityInputError, match=message):
        decide(**kwargs)  # type: ignore[arg-type]


def test_low_tur_without_risk_analysis_warns_and_is_recorded() -> None:
    with pytest.warns(LowTURWarning, match="Z540.3"):
        decision = decide(0.0, 0.5, lower=-1, upper=1)
    assert "below 4:1" in decision.to_dict()["warnings"][0]


def test_no_warning_with_a_prior_or_at_tur_four() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", LowTURWarning)
        assert decide(0.0, 0.5, lower=-1, upper=1, prior=0.95).warnings == []
        assert decide(0.0, 0.25, lower=-1, upper=1).warnings == []


def test_arrays_decide_point_by_point_like_single_calls() -> None:
    rng = np.random.default_rng(7)
    measured = rng.normal(0.0, 0.8, 200)
    big_u = rng.uniform(0.05, 0.6, 200)
    lower = -rng.uniform(0.5, 1.5, 200)
    upper = rng.uniform(0.5, 1.5, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowTURWarning)
        many = decide(
            measured, big_u, lower=lower, upper=upper, rule="nonbinary", guard="dobbert", prior=0.9
        )
        for i in range(0, 200, 17):
            one = decide(
                measured[i],
                big_u[i],
                lower=lower[i],
                upper=upper[i],
                rule="nonbinary",
                guard="dobbert",
                prior=0.9,
            )
            assert one.to_dict()["statement"] == many.to_dict()["statement"][i]
            assert one.pfa is not None and many.pfa is not None
            assert one.pfa[0] == pytest.approx(many.pfa[i], rel=1e-12)
            assert one.acceptance_upper[0] == pytest.approx(many.acceptance_upper[i])


def test_tar_is_the_ratio_of_specifications() -> None:
    assert tar(0.004, 0.001) == pytest.approx(4.0)
    with pytest.raises(ConformityInputError, match="positive"):
        tar(1.0, 0.0)
