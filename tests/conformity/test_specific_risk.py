"""Probability of conformity of one result (JCGM 106:2012 clause 7) and ILAC-G8 guard bands.

Sources used here:
- JCGM 106:2012 clause 7.3 (formula for a normal PDF, restated in
  shared/reference/records.md section 3b): pc = Phi((TU - y)/u) - Phi((TL - y)/u).
- The JCGM 106:2012 clause 7.4 example data y = 13.6, u = 1.8, TL = 12.5, TU = 16.3 as
  restated by metrologyrules.com (March 2022, "Decision rules ... using spreadsheet
  functions"); the value pc = 0.663 asserted below is our own evaluation of that formula
  (Phi(1.5) - Phi(-0.611)), the guide's printed figure was not available to us.
- ILAC-G8:09/2019 guard bands w = r U and the quoted specific risks at the acceptance
  limit (shared/reference/records.md section 3a): r = 0.83 gives < 5 % (ISO 14253-1:2017),
  r = 1 gives < 2.5 %, r = 1.5 gives < 0.16 %, r = 3 gives < 1 ppm; and the Cenker/Zumbrun
  NCSLI multiplier r = NORM.S.INV(pc)/2 (quoted on start-with-the-end-in-mind.pages.dev).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metrolab.conformity import (
    ConformityInputError,
    ErrorModel,
    GuardBand,
    decide,
    multiplier_for_specific_risk,
    probability_of_conformity,
)

pytestmark = pytest.mark.filterwarnings("ignore::metrolab.conformity.errors.LowTURWarning")


def test_jcgm106_clause_7_4_example_two_limits() -> None:
    # JCGM 106:2012 7.4 example data (via metrologyrules.com, 2022-03); k = 1 so U = u = 1.8
    data = decide(13.6, 1.8, k=1.0, lower=12.5, upper=16.3).to_dict()
    expected = stats.norm.cdf(1.5) - stats.norm.cdf((12.5 - 13.6) / 1.8)
    assert data["probability_of_conformity"] == pytest.approx(expected, rel=1e-12)
    assert data["probability_of_conformity"] == pytest.approx(0.663, abs=5e-4)
    assert data["statement"] == "pass"  # simple acceptance: inside the tolerance
    assert data["specific_risk"] == pytest.approx(1 - expected, rel=1e-12)


@pytest.mark.parametrize(
    ("z", "pc"),
    [(1.645, 0.95), (1.96, 0.975), (2.326, 0.99), (3.09, 0.999)],
)
def test_jcgm106_single_upper_limit_pc_is_phi_of_the_distance_in_u(z: float, pc: float) -> None:
    # JCGM 106:2012 7.3 with TL = -inf: pc = Phi((TU - y)/u); standard normal quantiles
    data = decide(10.0 - z * 0.5, 1.0, upper=10.0).to_dict()  # u = U/k = 0.5
    assert data["probability_of_conformity"] == pytest.approx(pc, abs=2e-5)


@pytest.mark.parametrize(
    ("r", "published_bound", "recomputed"),
    [(0.83, 0.05, 0.0485), (1.0, 0.025, 0.0228), (1.5, 0.0016, 0.00135), (3.0, 1e-6, 1.0e-9)],
)
def test_ilac_g8_guard_band_multiples_bound_the_risk_at_the_acceptance_limit(
    r: float, published_bound: float, recomputed: float
) -> None:
    # a result exactly on AU = TU - r U (k = 2) passes, with specific risk 1 - pc
    decision = decide(1.0 - r * 0.1, 0.1, lower=-1, upper=1, rule="guarded",
                      guard=GuardBand.multiple(r))  # fmt: skip
    data = decision.to_dict()
    assert data["statement"] == "pass"
    assert data["specific_risk"] < published_bound
    assert data["specific_risk"] == pytest.approx(recomputed, rel=0.02)


@pytest.mark.parametrize("risk", [0.05, 0.025, 0.0016])
def test_multiplier_for_a_specific_risk_reproduces_that_risk(risk: float) -> None:
    r = multiplier_for_specific_risk(risk, k=2.0)
    data = decide(1.0 - r * 0.2, 0.2, lower=-1, upper=1, rule="guarded",
                  guard=GuardBand.multiple(r)).to_dict()  # fmt: skip
    assert data["specific_risk"] == pytest.approx(risk, rel=1e-9)
    assert multiplier_for_specific_risk(0.05) == pytest.approx(1.645 / 2, abs=1e-3)
    with pytest.raises(ConformityInputError):
        multiplier_for_specific_risk(0.7)


def test_rejected_result_carries_pc_as_its_specific_risk() -> None:
    data = decide(1.05, 0.2, lower=-1, upper=1, rule="nonbinary").to_dict()
    assert data["statement"] == "conditional_fail"
    assert data["specific_risk"] == pytest.approx(data["probability_of_conformity"])
    assert data["probability_of_conformity"] == pytest.approx(stats.norm.cdf(-0.5), rel=1e-9)


def test_pc_with_a_rectangular_error_matches_monte_carlo() -> None:
    # measurement error rectangular on [-0.3, 0.3] (a resolution-dominated reading).
    # Exact: pc = P(y - e <= TU) = P(e >= y - TU) = (0.3 - (y - TU)) / 0.6 (clipped to [0, 1])
    error = stats.uniform(loc=-0.3, scale=0.6)
    y = np.array([0.8, 0.9, 1.0, 1.2])
    model = ErrorModel.build(np.full(4, 0.3 / np.sqrt(3)), error)
    pc = probability_of_conformity(y, np.full(4, -1.0), np.full(4, 1.0), model)
    assert pc == pytest.approx(np.clip((0.3 - (y - 1.0)) / 0.6, 0.0, 1.0))
    assert pc == pytest.approx([5 / 6, 4 / 6, 3 / 6, 1 / 6])
    # Monte Carlo, seeded: 400 000 draws, binomial sd <= 0.0008; tolerance 0.004 = 5 sd
    rng = np.random.default_rng(2012)
    draws = rng.uniform(-0.3, 0.3, 400_000)
    for value, p in zip(y, pc, strict=True):
        true = value - draws
        assert np.mean((true >= -1.0) & (true <= 1.0)) == pytest.approx(p, abs=0.004)


def test_decide_uses_a_given_measurement_distribution() -> None:
    error = stats.uniform(loc=-0.3, scale=0.6)
    data = decide(0.9, 0.35, lower=-1, upper=1, measurement=error).to_dict()
    assert data["probability_of_conformity"] == pytest.approx(0.4 / 0.6)
    assert data["parameters"]["measurement_distribution"] == {
        "kind": "scipy",
        "name": "uniform",
        "args": [],
        "kwds": {"loc": -0.3, "scale": 0.6},
    }
