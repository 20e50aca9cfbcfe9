"""Fuzz test of ``metrolab risk`` (issue 10): random arguments, hostile numbers.

hypothesis draws option lists (limits, u, k, measured value, rule, guard band, priors,
target PFA) with values from inf, nan, 5e-324, 1e308, 10^30, text and empty strings, half
of them after a typical bench case so the risk integrals run too. Every case must exit 0
or 2, with exactly one "error: ..." line on 2, no traceback, no numpy warning leaking,
within the time bound. In-process and a fixed example count: a few seconds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..uncertainty.hostile import RISK_BASE, RISK_OPTIONS, contract_broken, run

TIME_BOUND = 20.0


@settings(
    max_examples=300,
    deadline=timedelta(seconds=TIME_BOUND),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(argv=RISK_OPTIONS, typical=st.booleans())
def test_every_risk_argument_list_keeps_the_input_contract(argv: list[str], typical: bool):
    """Exit 0 or 2; one stderr line on 2; no traceback; bounded time."""
    argv = [argv[0], *(RISK_BASE if typical else []), *argv[1:]]
    outcome = run(argv)
    broken = contract_broken(outcome, TIME_BOUND)
    assert broken is None, f"{broken}\nargv: {argv}"


@pytest.mark.parametrize(
    "argv",
    [
        # issue 10: "--lower inf" was accepted; numpy's "invalid value encountered in
        # subtract" came out twice as warnings and the limits as null
        ["--lower", "inf", "--u", "1e-300", "--json"],
        # a RuntimeWarning and the source line under it leaked above the error line
        ["--lower", "-1", "--upper", "1", "--u", "0.2", "--itp", "1e-308"],
        # "overflow encountered in divide" warnings with a tiny prior sd and U
        ["--lower", "-1", "--upper", "1", "--u", "5e-324", "--prior-mean", "1e-308",
         "--prior-sd", "5e-324", "--json"],
    ],
)  # fmt: skip
def test_numpy_warnings_do_not_leak(argv: list[str]):
    """Each case exits 2 with one error line, and no numpy warning in any form."""
    outcome = run(["risk", *argv])
    assert contract_broken(outcome, TIME_BOUND) is None, contract_broken(outcome, TIME_BOUND)
    assert outcome.code == 2
