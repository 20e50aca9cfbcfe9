"""Conformity decisions and their risks (ILAC-G8:09/2019, JCGM 106:2012, ANSI/NCSL Z540.3).

Pure numpy/scipy code: no instruments, no files. The entry point is :func:`decide`,
which works on arrays of test points at once.
"""

from metrolab.conformity.decision import RULES, Decision, decide
from metrolab.conformity.errors import ConformityError, ConformityInputError, LowTURWarning
from metrolab.conformity.guardband import (
    METHODS,
    GuardBand,
    acceptance_half_width,
    multiplier_for_specific_risk,
    solve_target_pfa,
)
from metrolab.conformity.measurement import ErrorModel
from metrolab.conformity.priors import Prior
from metrolab.conformity.risk import GlobalRisk, global_risk, probability_of_conformity
from metrolab.conformity.statements import DCC_CONFORMITY, STATEMENTS, dcc_conformity
from metrolab.conformity.tolerance import Tolerance, tar, tur

__all__ = [
    "DCC_CONFORMITY",
    "METHODS",
    "RULES",
    "STATEMENTS",
    "ConformityError",
    "ConformityInputError",
    "Decision",
    "ErrorModel",
    "GlobalRisk",
    "GuardBand",
    "LowTURWarning",
    "Prior",
    "Tolerance",
    "acceptance_half_width",
    "dcc_conformity",
    "decide",
    "global_risk",
    "multiplier_for_specific_risk",
    "probability_of_conformity",
    "solve_target_pfa",
    "tar",
    "tur",
]
