"""What every procedure does with the numbers of a point: decide, and keep the warnings.

:func:`noting_warnings` runs a procedure's evaluation and hands the engines' warnings
(autocorrelated readings, say) to the runner as :class:`Note` messages, so they go into
the journal and the record instead of being lost on a screen. :func:`decide_error`
takes the conformity decision on a point's error under the run's decision rule.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import pint

from metrolab.conformity import Decision, decide
from metrolab.conformity.errors import LowTURWarning
from metrolab.runner.engine import RunSettings
from metrolab.runner.procedure import Note, PointOutcome
from metrolab.uncertainty import OutputEstimate


def noting_warnings(evaluate: Callable[[], PointOutcome]
                    ) -> Generator[Note, Any, PointOutcome]:
    """Call ``evaluate()``; yield a :class:`Note` per warning it raised; return its outcome.

    Use in a plan as ``return (yield from noting_warnings(lambda: evaluate(...)))``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = evaluate()
    for warning in caught:
        yield Note(f"{warning.category.__name__}: {warning.message}")
    return outcome


def decide_error(settings: RunSettings, error: OutputEstimate, lower: pint.Quantity,
                 upper: pint.Quantity) -> Decision:
    """Return the decision on ``error`` against ``[lower, upper]`` (in the error's unit).

    Uses the run's decision rule and guard band with the error's coverage factor. A low
    TUR is not warned about: the TUR is in every decision, hence in the record.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowTURWarning)
        return decide(error.value, error.U, lower=lower, upper=upper,
                      k=float(np.asarray(error.k)), rule=settings.rule, guard=settings.guard)
