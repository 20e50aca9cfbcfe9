"""How many Monte Carlo trials a request may ask for: read, bounded below and above.

Below: JCGM 101:2008 7.2.2 asks for a number of trials M large compared with 1/(1 - p)
for a coverage probability p, and the smallest batch its own adaptive procedure ever
draws is M = max(J, 10^4), J the smallest integer >= 100/(1 - p) (7.9.2): 10^4 for
95 %, 10^5 for 99.9 %. Fewer trials cannot give a p coverage interval worth printing
(two trials "95 %" interval is two draws), so they are refused.

Above: :data:`MAX_TRIALS`, the adaptive procedure's own cap, so that no request runs for
hours (10^8 trials of a small model take minutes and stay in bounded memory).
"""

from __future__ import annotations

import math
import re
from typing import Any

from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.uncertainty.montecarlo import DEFAULT_MAX_TRIALS

#: the most trials a request may ask for (and the cap of the adaptive procedure)
MAX_TRIALS = DEFAULT_MAX_TRIALS

_INTEGER_TEXT = re.compile(r"^\s*[+]?\d+(?:\.0*)?(?:[eE][+]?\d+)?\s*$")


def minimum_trials(coverage: float) -> int:
    """Return the fewest trials accepted for coverage probability ``coverage``:
    max(10^4, ceil(100 / (1 - p))) (JCGM 101 7.9.2's block size)."""
    return max(10_000, math.ceil(100.0 / (1.0 - coverage)))


def parse_trials(value: Any, what: str) -> int | str:
    """Return a number of trials or ``"adaptive"`` from an option text or a setting.

    ``what`` names the source in messages (``--trials``, ``settings.trials``). Raises
    :class:`UncertaintyInputError` for anything but a whole number (``1000000``,
    ``1e6``) or ``adaptive``, and for more than :data:`MAX_TRIALS`.
    """
    if isinstance(value, str) and value.strip().lower() == "adaptive":
        return "adaptive"
    if isinstance(value, bool):
        count = None
    elif isinstance(value, int):
        count = value
    elif isinstance(value, float) and value.is_integer():
        count = int(value)
    elif isinstance(value, str) and _INTEGER_TEXT.match(value):
        number = float(value)  # 1e400 is infinite: above the cap like any huge count
        count = int(number) if math.isfinite(number) else MAX_TRIALS + 1
    else:
        count = None
    if count is None:
        raise UncertaintyInputError(
            f"{what}: expected a whole number of trials or 'adaptive', got {value!r}"
        )
    if count > MAX_TRIALS:
        raise UncertaintyInputError(
            f"{what}: {value} trials is more than the {MAX_TRIALS:,} metrolab runs; ask for "
            "fewer, or 'adaptive' to stop as soon as the results are stable (JCGM 101 7.9)"
        )
    return count


def check_enough_trials(trials: int | str, coverage: float, what: str) -> None:
    """Raise :class:`UncertaintyInputError` when ``trials`` is below
    :func:`minimum_trials` for ``coverage``, or when that minimum is above the cap."""
    least = minimum_trials(coverage)
    if least > MAX_TRIALS:
        raise UncertaintyInputError(
            f"coverage {coverage}: a Monte Carlo interval needs at least {least} trials "
            f"(100 / (1 - p), JCGM 101 7.9.2), more than the {MAX_TRIALS:,} metrolab runs"
        )
    if trials != "adaptive" and int(trials) < least:
        raise UncertaintyInputError(
            f"{what}: {trials} trials cannot give a {100 * coverage:g} % coverage interval; "
            f"give at least {least} (JCGM 101 7.2.2 asks for many more trials than "
            f"1/(1 - p); 7.9.2 draws at least max(10^4, 100/(1 - p)))"
        )
