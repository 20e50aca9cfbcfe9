"""Statements of conformity (ILAC-G8:09/2019 clause 4.2) and their DCC 3.3.0 names.

Four statements, mapped one to one onto the ``conformity`` values of the Digital
Calibration Certificate. The DCC also has ``noPass`` and ``noFail``; metrolab never
issues them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

PASS: Final = "pass"
CONDITIONAL_PASS: Final = "conditional_pass"
CONDITIONAL_FAIL: Final = "conditional_fail"
FAIL: Final = "fail"

#: every statement, from the most to the least favourable
STATEMENTS: Final[tuple[str, ...]] = (PASS, CONDITIONAL_PASS, CONDITIONAL_FAIL, FAIL)

#: metrolab statement -> DCC 3.3.0 ``conformity`` value (one to one)
DCC_CONFORMITY: Final[dict[str, str]] = {
    PASS: "pass",
    CONDITIONAL_PASS: "conditionalPass",
    CONDITIONAL_FAIL: "conditionalFail",
    FAIL: "fail",
}

#: statements that say the item is in tolerance (their specific risk is 1 - pc)
CLAIMS_CONFORMITY: Final[frozenset[str]] = frozenset({PASS, CONDITIONAL_PASS})


def dcc_conformity(statement: str) -> str:
    """Return the DCC 3.3.0 ``conformity`` value (text) for a metrolab statement.

    Raises KeyError naming the statement if it is not one of :data:`STATEMENTS`.
    """
    try:
        return DCC_CONFORMITY[statement]
    except KeyError:
        raise KeyError(
            f"{statement!r} is not a conformity statement; expected one of {', '.join(STATEMENTS)}"
        ) from None


def human(statement: str) -> str:
    """Return the statement as words for people ("conditional pass"), text."""
    return statement.replace("_", " ")


def classify(
    measured: npt.NDArray[np.float64],
    tolerance_lower: npt.NDArray[np.float64],
    tolerance_upper: npt.NDArray[np.float64],
    acceptance_lower: npt.NDArray[np.float64],
    acceptance_upper: npt.NDArray[np.float64],
    *,
    binary: bool,
) -> npt.NDArray[np.str_]:
    """Return the statement for each measured value (array of text, same shape).

    Limits may be ``-inf``/``+inf`` for a one-sided tolerance. A value exactly on a
    limit counts as inside it: on an acceptance limit it passes, on a tolerance limit
    (non-binary) it is a conditional pass. The binary rules give only pass or fail
    (pass inside the acceptance interval). The non-binary rule gives pass inside the
    acceptance interval, conditional pass between it and the tolerance limits,
    conditional fail within one guard band beyond the tolerance limits
    (mirrored: between TU and TU + (TU - AU)), and fail beyond.
    """
    inside_acceptance = (measured >= acceptance_lower) & (measured <= acceptance_upper)
    if binary:
        return np.where(inside_acceptance, PASS, FAIL)
    inside_tolerance = (measured >= tolerance_lower) & (measured <= tolerance_upper)
    # mirror the acceptance limits about the tolerance limits; an infinite limit stays infinite
    with np.errstate(invalid="ignore"):
        outer_lower = np.where(
            np.isfinite(tolerance_lower), 2 * tolerance_lower - acceptance_lower, -np.inf
        )
        outer_upper = np.where(
            np.isfinite(tolerance_upper), 2 * tolerance_upper - acceptance_upper, np.inf
        )
    inside_outer = (measured >= outer_lower) & (measured <= outer_upper)
    return np.select(
        [inside_acceptance, inside_tolerance, inside_outer],
        [PASS, CONDITIONAL_PASS, CONDITIONAL_FAIL],
        default=FAIL,
    )
