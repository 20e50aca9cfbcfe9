"""Tolerance intervals: two-sided (symmetric or not) and one-sided, as plain arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrolab.conformity.errors import ConformityInputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Tolerance:
    """A tolerance interval [lower, upper]; a missing side is ``-inf`` or ``+inf``.

    Arrays broadcast against the measured values. All values are in the unit of the
    measured values.
    """

    lower: FloatArray
    upper: FloatArray

    @classmethod
    def from_limits(cls, lower: npt.ArrayLike | None, upper: npt.ArrayLike | None) -> Tolerance:
        """Return the tolerance with these limits (None for a missing side).

        Raises :class:`ConformityInputError` when both limits are missing, a limit is
        NaN, or lower is not below upper.
        """
        if lower is None and upper is None:
            raise ConformityInputError(
                "no tolerance limit given: give a lower limit, an upper limit or both"
            )
        if lower is None:
            hi = np.asarray(upper, dtype=float)
            lo = np.full(hi.shape, -np.inf)
        elif upper is None:
            lo = np.asarray(lower, dtype=float)
            hi = np.full(lo.shape, np.inf)
        else:
            lo = np.asarray(lower, dtype=float)
            hi = np.asarray(upper, dtype=float)
        if np.isnan(lo).any() or np.isnan(hi).any():
            raise ConformityInputError("a tolerance limit is NaN: give numbers")
        if lower is not None and upper is not None and np.any(lo >= hi):
            bad = np.flatnonzero(np.broadcast_to(lo >= hi, np.broadcast_shapes(lo.shape, hi.shape)))
            raise ConformityInputError(
                f"lower tolerance limit not below the upper one (at index {bad[:5].tolist()}): "
                "swap or correct the limits"
            )
        return cls(lower=lo, upper=hi)


def tur(half_width: npt.ArrayLike, expanded_uncertainty: npt.ArrayLike) -> FloatArray:
    """Return the test uncertainty ratio TUR = T / U (dimensionless).

    T is the tolerance half-width, U the expanded uncertainty (ANSI/NCSL Z540.3: at
    about 95 %, k = 2). ``inf`` for a one-sided tolerance (T infinite) is returned as NaN.
    """
    t = np.asarray(half_width, dtype=float)
    u = np.asarray(expanded_uncertainty, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t / u
    return np.where(np.isfinite(t), ratio, np.nan)


def tar(dut_half_width: npt.ArrayLike, standard_half_width: npt.ArrayLike) -> FloatArray:
    """Return the test accuracy ratio TAR (dimensionless).

    TAR compares specifications only: the half-width of the device-under-test
    tolerance over the half-width of the reference standard's accuracy specification,
    both in the same unit.
    """
    dut = np.asarray(dut_half_width, dtype=float)
    std = np.asarray(standard_half_width, dtype=float)
    if np.any(std <= 0):
        raise ConformityInputError(
            "the standard's accuracy half-width must be positive to form a TAR"
        )
    return dut / std
