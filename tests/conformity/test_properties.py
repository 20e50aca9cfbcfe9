"""Properties that must hold for any input: the rules agree with each other, and a wider
guard band trades false accepts for false rejects."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.conformity import decide

pytestmark = pytest.mark.filterwarnings("ignore::metrolab.conformity.errors.LowTURWarning")

finite = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
positive = st.floats(min_value=0.01, max_value=2.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(y=finite, centre=finite, half=positive, big_u=positive, w=st.floats(0.0, 1.0))
def test_nonbinary_agrees_with_the_binary_rules(
    y: float, centre: float, half: float, big_u: float, w: float
) -> None:
    limits = {"lower": centre - half, "upper": centre + half}
    common = {"measured": y, "U": big_u, **limits}
    nonbinary = decide(**common, rule="nonbinary", guard=w).to_dict()["statement"]
    guarded = decide(**common, rule="guarded", guard=w).to_dict()["statement"]
    simple = decide(**common, rule="simple").to_dict()["statement"]
    assert (nonbinary == "pass") == (guarded == "pass")
    assert (nonbinary in ("pass", "conditional_pass")) == (simple == "pass")


@settings(max_examples=40, deadline=None)
@given(itp=st.floats(0.3, 0.999), tur=st.floats(0.8, 8.0))
def test_wider_guard_band_lowers_pfa_and_raises_pfr(itp: float, tur: float) -> None:
    widths = np.linspace(0.0, 0.9, 10)
    decision = decide(None, np.full(10, 1.0 / tur), lower=-1, upper=1, rule="guarded",
                      guard=widths, prior=itp)  # fmt: skip
    assert decision.pfa is not None and decision.pfr is not None
    assert np.all(np.diff(decision.pfa) <= 1e-15)
    assert np.all(np.diff(decision.pfr) >= -1e-15)
