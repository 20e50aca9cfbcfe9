"""Global false-accept and false-reject probabilities (JCGM 106:2012 clause 9), TUR-based
guard bands and the ANSI/NCSL Z540.3 2 % rule.

Sources used here:
- Deaver, D., "How to maintain your confidence (in a world of declining test uncertainty
  ratios)", NCSL Workshop & Symposium 1993/1994: normal process and test distributions,
  specification limit SL in process sigmas and TUR = sigma_process / sigma_test. Figures
  as cited with page numbers in Sandia's suncal test suite (sandialabs/suncal,
  test/test_risk.py): SL = 2, TUR = 4 -> PFA 0.8 %, PFR 1.5 % (p. 7); SL = 2.5, TUR = 4 ->
  PFA 0.25 % (p. 7); SL = 2, TUR = 2 with acceptance limits at 0.91 SL -> PFA 0.8 %,
  PFR 6.6 % (p. 10). With SL = 2 sigma our TUR = T / U95 (k = 2) is the same number.
- Morehouse (mhforce.com, "Why a 4:1 TUR is not enough", 2019): TUR 4:1, k = 2, 95 %
  end-of-period reliability -> PFA below 1 % and PFR slightly over 1.5 %.
- JCGM 106:2012 clause 9.5.4 (ball bearings, radial error motion, TU = 2 um, gamma prior
  with shape 4 and rate 4 per um), as worked in Sandia suncal's "Risk - Ball Bearing"
  example: 4.2 % of bearings out of tolerance, u = 0.25 um gives PFA 0.8 %, an acceptance
  limit of about 1.67 um gives PFA 0.1 %.
- ANSI/NCSL Z540.3-2006 clause 5.3: PFA shall not exceed 2 % (records.md section 3c);
  Dobbert, M., "A guard-band strategy for managing false-accept risk", NCSLI 2008: the
  managed guard band M = 1.04 - exp(0.38 ln TUR - 0.54) keeps PFA <= 2 % whatever the
  in-tolerance probability. RSS, RP-10 and U-subtraction formulas as in records.md 3c.
- Regression numbers at TUR 2, ITP 95 % computed independently with scipy in
  shared/reference/records.md section 3c (not a publication): none 1.34 %/4.18 %,
  RSS 0.68 %/8.4 %, Dobbert 0.65 %/8.7 %, RP-10 0.32 %/14.0 %, U 0.036 %/32.9 %.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from metrolab.conformity import (
    ConformityError,
    ErrorModel,
    GuardBand,
    Prior,
    acceptance_half_width,
    decide,
    global_risk,
)

pytestmark = pytest.mark.filterwarnings("ignore::metrolab.conformity.errors.LowTURWarning")

STANDARD_NORMAL = Prior.normal(0.0, 1.0)


def risks(decision_kwargs: dict[str, object]) -> tuple[float, float]:
    data = decide(None, **decision_kwargs).to_dict()  # type: ignore[arg-type]
    return data["pfa"], data["pfr"]


def test_deaver_sl2_tur4_no_guard_band() -> None:
    # Deaver p. 7: SL = 2 sigma, TUR = 4 -> PFA 0.8 %, PFR 1.5 % (sigma_test = 0.25)
    pfa, pfr = risks({"U": 0.5, "lower": -2, "upper": 2, "prior": STANDARD_NORMAL})
    assert pfa == pytest.approx(0.008, abs=1e-4)
    assert pfr == pytest.approx(0.015, abs=5e-4)
    assert decide(None, 0.5, lower=-2, upper=2).to_dict()["tur"] == pytest.approx(4.0)
    # the prior puts 95.45 % of items within +/-2 sigma (Deaver's SL = 2)
    limits = np.array([-2.0]), np.array([2.0])
    risk = global_risk(STANDARD_NORMAL, *limits, *limits, ErrorModel.build(np.array([0.25])))
    assert risk.itp[0] == pytest.approx(0.954500, abs=1e-6)
    assert risk.pfa[0] == pytest.approx(pfa, rel=1e-12)


def test_deaver_sl2p5_tur4_no_guard_band() -> None:
    # Deaver p. 7: SL = 2.5 sigma, TUR = sigma_p / sigma_t = 4 -> PFA 0.25 %
    pfa, _ = risks({"U": 0.5, "lower": -2.5, "upper": 2.5, "prior": STANDARD_NORMAL})
    assert pfa == pytest.approx(0.0025, abs=1e-4)


def test_deaver_sl2_tur2_with_acceptance_at_091_sl() -> None:
    # Deaver p. 10: TUR 2 (sigma_test = 0.5), acceptance limits 0.91 x 2 -> PFA 0.8 %, PFR 6.6 %
    kwargs = {"U": 1.0, "lower": -2, "upper": 2, "prior": STANDARD_NORMAL, "rule": "guarded"}
    pfa, pfr = risks({**kwargs, "guard": 2 - 0.91 * 2})
    assert pfa == pytest.approx(0.008, abs=5e-4)
    assert pfr == pytest.approx(0.066, abs=1e-3)


def test_morehouse_tur4_at_95_percent_reliability() -> None:
    # mhforce.com: TUR 4:1 (k = 2), EOPR 95 % -> PFA < 1 %, PFR slightly over 1.5 %
    pfa, pfr = risks({"U": 0.25, "lower": -1, "upper": 1, "prior": 0.95})
    assert 0.008 < pfa < 0.01
    assert 0.015 < pfr < 0.016


def test_jcgm106_ball_bearing_gamma_prior() -> None:
    # JCGM 106 9.5.4 via suncal: gamma(4, rate 4 / um) prior, TU = 2 um, u = 0.25 um
    bearings = stats.gamma(4, scale=0.25)
    assert bearings.sf(2.0) == pytest.approx(0.042, abs=5e-4)  # 4.2 % out of tolerance
    pfa, _ = risks({"U": 0.5, "upper": 2.0, "prior": bearings})
    assert pfa == pytest.approx(0.008, abs=1e-4)
    # target 0.1 %: the acceptance limit comes out near 1.67 um
    data = decide(None, 0.5, upper=2.0, prior=bearings, rule="guarded",
                  guard=GuardBand.target_pfa(0.001)).to_dict()  # fmt: skip
    assert data["pfa"] == pytest.approx(0.001, rel=1e-6)
    assert data["acceptance_upper"] == pytest.approx(1.67, abs=0.01)


def test_global_risk_agrees_with_adaptive_quadrature() -> None:
    # independent check of the fixed-node integrator with scipy.integrate.quad
    prior = stats.gamma(4, scale=0.25)
    au, u = 1.8, 0.25

    def accepted(x: float) -> float:
        return float(stats.norm.cdf((au - x) / u))

    pfa_ref = integrate.quad(lambda x: prior.pdf(x) * accepted(x), 2.0, np.inf, epsabs=1e-14)[0]
    pfr_ref = integrate.quad(lambda x: prior.pdf(x) * (1 - accepted(x)), 0.0, 2.0,
                             epsabs=1e-14, points=[au])[0]  # fmt: skip
    pfa, pfr = risks({"U": 0.5, "upper": 2.0, "prior": prior, "rule": "guarded", "guard": 0.2})
    assert pfa == pytest.approx(pfa_ref, rel=1e-8)
    assert pfr == pytest.approx(pfr_ref, rel=1e-8)


@pytest.mark.parametrize(
    ("guard", "pfa", "pfr"),
    [
        (None, 0.0134, 0.0418),
        ("rss", 0.0068, 0.084),
        ("dobbert", 0.0065, 0.087),
        ("rp10", 0.0032, 0.140),
        ("u", 0.00036, 0.329),
    ],
)
def test_guard_band_trade_off_at_tur2_itp95(guard: str | None, pfa: float, pfr: float) -> None:
    # records.md 3c (computed there with scipy): TUR 2, ITP 95 %
    rule = "simple" if guard is None else "guarded"
    got_pfa, got_pfr = risks(
        {"U": 0.5, "lower": -1, "upper": 1, "prior": 0.95, "rule": rule, "guard": guard}
    )
    assert got_pfa == pytest.approx(pfa, rel=0.02)
    assert got_pfr == pytest.approx(pfr, rel=0.02)


def test_guard_band_formulas() -> None:
    # T = 1, TUR = 2 (U = 0.5); records.md 3c and Dobbert 2008
    t, big_u = np.array([1.0]), np.array([0.5])
    assert acceptance_half_width("rss", t, big_u) == pytest.approx(np.sqrt(1 - 0.25))
    assert acceptance_half_width("rp10", t, big_u) == pytest.approx(1.25 - 1 / 2)
    assert acceptance_half_width("u", t, big_u) == pytest.approx(0.5)
    m = 1.04 - np.exp(0.38 * np.log(2.0) - 0.54)
    assert acceptance_half_width("dobbert", t, big_u) == pytest.approx(1 - m * 0.5)
    # edges: RP-10 never widens beyond T; Dobbert needs no guard band above TUR ~4.6;
    # TUR < 1 leaves no acceptance interval with RSS
    assert acceptance_half_width("rp10", t, np.array([0.1])) == pytest.approx(1.0)
    assert acceptance_half_width("dobbert", t, np.array([0.2])) == pytest.approx(1.0)
    assert acceptance_half_width("rss", t, np.array([1.5])) == pytest.approx(0.0)


def test_z540_3_target_pfa_of_2_percent_is_met() -> None:
    # Z540.3 5.3: PFA <= 2 %; TUR 2, ITP 80 % would give 4.2 % PFA without a guard band
    without = risks({"U": 0.5, "lower": -1, "upper": 1, "prior": 0.8})[0]
    assert without > 0.02
    data = decide(None, 0.5, lower=-1, upper=1, prior=0.8, rule="guarded",
                  guard=GuardBand.target_pfa(0.02)).to_dict()  # fmt: skip
    assert data["pfa"] == pytest.approx(0.02, rel=1e-9)
    assert 0.0 < 1 - data["acceptance_upper"] < 0.5


def test_target_already_met_needs_no_guard_band() -> None:
    data = decide(None, 0.25, lower=-1, upper=1, prior=0.95, rule="guarded",
                  guard=GuardBand.target_pfa(0.02)).to_dict()  # fmt: skip
    assert data["acceptance_upper"] == 1.0
    assert data["pfa"] < 0.02


def test_unreachable_target_is_a_named_error() -> None:
    # a population far outside the tolerance: even the widest guard band cannot reach 1e-9
    with pytest.raises(ConformityError, match="cannot be met"):
        decide(None, 0.5, upper=2.0, prior=(2.0, 1e-3), rule="guarded",
               guard=GuardBand.target_pfa(1e-9), measurement=stats.cauchy(scale=5.0))  # fmt: skip


def test_dobbert_managed_guard_band_keeps_worst_case_pfa_within_2_percent() -> None:
    # Z540.3 2 % rule met for every in-tolerance probability (Dobbert 2008), vectorised over ITP
    itp = np.linspace(0.3, 0.9999, 300)
    prior = Prior.from_itp(itp, -1.0, 1.0)
    for tur in (1.0, 1.5, 2.0, 3.0, 4.0, 4.5):
        guarded = decide(None, np.full(itp.shape, 1 / tur), lower=-1, upper=1, prior=prior,
                         rule="guarded", guard="dobbert")  # fmt: skip
        plain = decide(None, np.full(itp.shape, 1 / tur), lower=-1, upper=1, prior=prior)
        assert guarded.pfa is not None and plain.pfa is not None
        assert guarded.pfa.max() <= 0.02
        assert guarded.pfa.max() > 0.018  # and not needlessly tight
        assert np.all(guarded.pfa <= plain.pfa + 1e-15)
    # TUR 4 without a guard band exceeds 2 % at the worst ITP (about 65 %)
    plain4 = decide(None, np.full(itp.shape, 0.25), lower=-1, upper=1, prior=prior)
    assert plain4.pfa is not None and plain4.pfa.max() > 0.02


# Monte Carlo cross-checks for non-normal priors. Seeded; N = 2 000 000 items. For a
# probability p the binomial standard deviation is sqrt(p (1 - p) / N) <= 1e-4 for
# p <= 0.02; the tolerance of 5e-4 is 5 standard deviations, so a failure means a wrong
# integral, not bad luck.
N_ITEMS = 2_000_000


def monte_carlo(true: np.ndarray, error: np.ndarray, tl: float, tu: float, al: float,
                au: float) -> tuple[float, float]:  # fmt: skip
    measured = true + error
    inside = (true >= tl) & (true <= tu)
    accepted = (measured >= al) & (measured <= au)
    return float(np.mean(~inside & accepted)), float(np.mean(inside & ~accepted))


@pytest.mark.parametrize(
    ("name", "prior", "tl", "tu", "u", "w"),
    [
        ("gamma", stats.gamma(4, scale=0.25), -np.inf, 2.0, 0.25, 0.1),
        ("uniform", stats.uniform(loc=-1.3, scale=2.6), -1.0, 1.0, 0.15, 0.1),
        ("lognormal", stats.lognorm(0.5, scale=1.0), -np.inf, 2.5, 0.2, 0.0),
        ("student-t", stats.t(3, scale=0.4), -1.0, 1.0, 0.2, 0.05),
        ("triangular", stats.triang(0.3, loc=-1.5, scale=3.0), -1.0, 1.0, 0.2, 0.2),
    ],
)
def test_non_normal_prior_against_monte_carlo(
    name: str, prior: object, tl: float, tu: float, u: float, w: float
) -> None:
    rng = np.random.default_rng(106)
    true = prior.rvs(size=N_ITEMS, random_state=rng)  # type: ignore[attr-defined]
    error = rng.normal(0.0, u, N_ITEMS)
    lower = None if np.isinf(tl) else tl
    decision = decide(None, 2 * u, lower=lower, upper=tu, prior=prior, rule="guarded",
                      guard=w)  # fmt: skip
    data = decision.to_dict()
    al = -np.inf if lower is None else tl + w
    mc_pfa, mc_pfr = monte_carlo(true, error, tl, tu, al, tu - w)
    assert data["pfa"] == pytest.approx(mc_pfa, abs=5e-4), name
    assert data["pfr"] == pytest.approx(mc_pfr, abs=5e-4), name


def test_non_normal_measurement_error_against_monte_carlo() -> None:
    # rectangular error (half-width 0.3) with a normal prior, ITP 90 %; same N and tolerance
    error_dist = stats.uniform(loc=-0.3, scale=0.6)
    rng = np.random.default_rng(98)
    sd = 1.0 / stats.norm.ppf(0.95)
    true = rng.normal(0.0, sd, N_ITEMS)
    error = error_dist.rvs(size=N_ITEMS, random_state=rng)
    data = decide(None, 0.35, lower=-1, upper=1, prior=0.9, measurement=error_dist).to_dict()
    mc_pfa, mc_pfr = monte_carlo(true, error, -1, 1, -1, 1)
    assert data["pfa"] == pytest.approx(mc_pfa, abs=5e-4)
    assert data["pfr"] == pytest.approx(mc_pfr, abs=5e-4)
