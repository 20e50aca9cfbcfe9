"""Conformity risk after JCGM 106:2012: specific risk of one result, global PFA and PFR.

Everything works on arrays of test points at once: plain numpy arrays in, arrays out,
all values in the unit of the measured values, probabilities as fractions.

Specific risk (JCGM 106 clause 7): the probability of conformity of one result y is the
probability that the true value lies in the tolerance interval given y,
pc = P(TL <= Y - E <= TU) with E the measurement error. For a normal error with standard
uncertainty u that is Phi((TU - y)/u) - Phi((TL - y)/u) (JCGM 106 clause 7.3).

Global risk (JCGM 106 clause 9): with a prior density g0 of the true values x of the
population and the probability P_acc(x) that a measured value falls in the acceptance
interval [AL, AU],

    PFA = integral over x outside [TL, TU] of g0(x) P_acc(x) dx    (consumer's risk)
    PFR = integral over x inside  [TL, TU] of g0(x) (1 - P_acc(x)) dx (producer's risk)

computed by composite Gauss-Legendre quadrature on breakpoints placed at the tolerance
limits, around the acceptance limits on the scale of the measurement error, where P_acc
has a corner (AL and AU less each corner of the error distribution: AL + a and AU - a
as well as AL - a and AU + a for a rectangular error of half-width a), at the corners of
the prior density and at prior quantiles, so each panel holds a smooth integrand; the
same nodes serve every point. The integrals are taken in offsets from the middle of the
tolerance, so limits near 10^12 keep the digits of their differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrolab.conformity.errors import ConformityInputError
from metrolab.conformity.measurement import ErrorModel
from metrolab.conformity.priors import Prior

FloatArray = npt.NDArray[np.float64]

#: probability left out in each tail of the prior and of the error distribution
TAIL = 1e-14
#: Gauss-Legendre nodes per panel
NODES_PER_PANEL = 8
#: panel edges around each acceptance limit, in units of the measurement error spread
_ERROR_STEPS = np.array([-12.0, -6.0, -3.0, -1.5, 0.0, 1.5, 3.0, 6.0, 12.0])
#: panel edges inside the prior, as cumulative probabilities
_PRIOR_QUANTILES = np.array(
    [[1e-9, 1e-6, 1e-3, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98, 1 - 1e-3, 1 - 1e-6, 1 - 1e-9]]
)
_GL_T, _GL_W = np.polynomial.legendre.leggauss(NODES_PER_PANEL)


def probability_of_conformity(
    measured: FloatArray, lower: FloatArray, upper: FloatArray, error: ErrorModel
) -> FloatArray:
    """Return pc, the probability that the true value is within [lower, upper] (fraction).

    All arrays are flat, shape (n,); ``error`` describes the measurement error of each
    point. A missing limit is ``-inf``/``+inf``.
    """
    y = measured.reshape(-1, 1)
    upper_part = error.cdf(y - lower.reshape(-1, 1))
    lower_part = error.cdf(y - upper.reshape(-1, 1))
    return np.clip(upper_part - lower_part, 0.0, 1.0).reshape(-1)


@dataclass(frozen=True)
class GlobalRisk:
    """Global risks per point (fractions): false accept, false reject, prior in-tolerance."""

    pfa: FloatArray
    pfr: FloatArray
    itp: FloatArray


def global_risk(
    prior: Prior,
    lower: FloatArray,
    upper: FloatArray,
    acceptance_lower: FloatArray,
    acceptance_upper: FloatArray,
    error: ErrorModel,
) -> GlobalRisk:
    """Return the global PFA, PFR and in-tolerance probability for n flat points.

    Limit arrays have shape (n,) and may hold infinities for a one-sided tolerance. An
    acceptance interval whose lower limit is above its upper one accepts nothing. Raises
    :class:`ConformityInputError` when the integrals cannot be evaluated in double
    precision (a prior or error spread vanishing beside the values, say).
    """
    n = lower.size
    origin = _origin(lower, upper)
    with np.errstate(all="ignore"):  # inf - inf at a missing limit is NaN, dropped below
        tl, tu = lower.reshape(n, 1) - origin, upper.reshape(n, 1) - origin
        al = acceptance_lower.reshape(n, 1) - origin
        au = acceptance_upper.reshape(n, 1) - origin
    centred = prior.relative_to(origin)
    with np.errstate(all="ignore"):
        pfa, pfr, itp = _integrate(centred, tl, tu, al, au, error)
    if not (np.all(np.isfinite(pfa)) and np.all(np.isfinite(pfr)) and np.all(np.isfinite(itp))):
        raise ConformityInputError(
            "the false-accept and false-reject integrals cannot be evaluated for these "
            "values in double precision: the prior or measurement spread is too small (or "
            "too large) beside the limits; rescale the values (e.g. give them in another unit)"
        )
    return GlobalRisk(pfa=pfa, pfr=pfr, itp=itp)


def _origin(lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Return the point (n, 1) about which the integrals are taken: the middle of the
    tolerance, or its one finite limit. Offsets from it keep their digits at 10^12."""
    lo, hi = lower.reshape(-1, 1), upper.reshape(-1, 1)
    both = np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(invalid="ignore"):  # inf - inf where a limit is missing: not selected
        middle = lo + 0.5 * (hi - lo)
    return np.where(both, middle, np.where(np.isfinite(lo), lo, hi))


def _integrate(
    prior: Prior,
    tl: FloatArray,
    tu: FloatArray,
    al: FloatArray,
    au: FloatArray,
    error: ErrorModel,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (PFA, PFR, ITP), each (n,), for limits given as offsets (n, 1) from the origin
    the prior is expressed about."""
    n = tl.shape[0]
    prior_bounds = prior.ppf(np.array([[TAIL, 1.0 - TAIL]]), n)
    lo, hi = prior_bounds[:, :1], prior_bounds[:, 1:]
    spread = error.scale()
    err_lo, err_hi = error.tails(TAIL)
    steps = _ERROR_STEPS.reshape(1, -1) * spread
    # P_acc(x) = F(AU - x) - F(AL - x) has a corner wherever AL - x or AU - x is a corner
    # of the error distribution F (the ends of a rectangle, the mode of a triangle)
    corners = error.kinks()
    edges = np.concatenate(
        [
            lo,
            hi,
            tl,
            tu,
            al + steps,
            au + steps,
            al - err_hi,
            au - err_lo,
            al - corners,
            au - corners,
            prior.kinks(n),
            prior.ppf(_PRIOR_QUANTILES, n),
        ],
        axis=1,
    )
    edges = np.sort(np.clip(np.nan_to_num(edges, nan=0.0), lo, hi), axis=1)
    left, right = edges[:, :-1], edges[:, 1:]
    half = (right - left) / 2.0
    middle = (right + left) / 2.0
    # nodes: (n, panels, nodes per panel) flattened to (n, m)
    x = (middle[:, :, None] + half[:, :, None] * _GL_T[None, None, :]).reshape(n, -1)
    weight = (half[:, :, None] * _GL_W[None, None, :]).reshape(n, -1)
    density = prior.pdf(x, n) * weight
    accept = np.clip(error.cdf(au - x) - error.cdf(al - x), 0.0, 1.0)
    inside = (x >= tl) & (x <= tu)
    pfa = np.sum(np.where(inside, 0.0, density * accept), axis=1)
    pfr = np.sum(np.where(inside, density * (1.0 - accept), 0.0), axis=1)
    itp = np.sum(np.where(inside, density, 0.0), axis=1)
    return pfa, pfr, itp
