"""Uncertainty engine: GUM propagation and JCGM 101 Monte Carlo over arrays of test points.

Public names: :class:`TypeA`, :func:`TypeB`, :func:`from_scipy`, :func:`observed_together`,
:func:`evaluate_gum`, :func:`evaluate_mc`, :class:`GumResult`, :class:`McResult`,
:func:`fit_polynomial`, :func:`compile_equations`, :func:`recompute`,
:func:`recompute_mc`. Pure numpy/scipy:
no instruments, no files (the command line lives in :mod:`metrolab.uncertainty.cli`).
"""

from metrolab.uncertainty.curves import CurveFit, fit_polynomial
from metrolab.uncertainty.dof import coverage_factor
from metrolab.uncertainty.errors import (
    AutocorrelationWarning,
    ModelFileError,
    NotConvergedWarning,
    UncertaintyComputationError,
    UncertaintyInputError,
)
from metrolab.uncertainty.expressions import compile_equations
from metrolab.uncertainty.gum import GumResult, OutputEstimate, evaluate_gum
from metrolab.uncertainty.inputs import Input, TypeA, TypeB, from_scipy, observed_together
from metrolab.uncertainty.model import Model
from metrolab.uncertainty.montecarlo import McResult, evaluate_mc
from metrolab.uncertainty.recompute import recompute, recompute_mc

__all__ = [
    "AutocorrelationWarning",
    "CurveFit",
    "GumResult",
    "Input",
    "McResult",
    "Model",
    "ModelFileError",
    "NotConvergedWarning",
    "OutputEstimate",
    "TypeA",
    "TypeB",
    "UncertaintyComputationError",
    "UncertaintyInputError",
    "compile_equations",
    "coverage_factor",
    "evaluate_gum",
    "evaluate_mc",
    "fit_polynomial",
    "from_scipy",
    "observed_together",
    "recompute",
    "recompute_mc",
]
