"""Tolerance intervals: two-sided (symmetric or not) and one-sided, as plain arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pint

from metrolab.conformity.errors import ConformityInputError
from metrolab.units import Quantity, as_ours, plain_numbers

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
            hi = plain_numbers(upper, "upper limit", ConformityInputError)
            lo = np.full(hi.shape, -np.inf)
        elif upper is None:
            lo = plain_numbers(lower, "lower limit", ConformityInputError)
            hi = np.full(lo.shape, np.inf)
        else:
            lo = plain_numbers(lower, "lower limit", ConformityInputError)
            hi = plain_numbers(upper, "upper limit", ConformityInputError)
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
    about 95 %, k = 2), both plain numbers in one unit or both pint Quantities (of any
    registry). ``inf`` for a one-sided tolerance (T infinite) is returned as NaN.
    """
    t, u = _same_unit(half_width, "tolerance half-width", expanded_uncertainty, "U")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t / u
    return np.where(np.isfinite(t), ratio, np.nan)


def tar(dut_half_width: npt.ArrayLike, standard_half_width: npt.ArrayLike) -> FloatArray:
    """Return the test accuracy ratio TAR (dimensionless).

    TAR compares specifications only: the half-width of the device-under-test
    tolerance over the half-width of the reference standard's accuracy specification,
    both plain numbers in the same unit or both pint Quantities (of any registry).
    """
    dut, std = _same_unit(
        dut_half_width, "DUT half-width", standard_half_width, "standard's half-width"
    )
    if np.any(std <= 0):
        raise ConformityInputError(
            "the standard's accuracy half-width must be positive to form a TAR"
        )
    return dut / std


def _same_unit(a: Any, a_name: str, b: Any, b_name: str) -> tuple[FloatArray, FloatArray]:
    """Return the magnitudes of ``a`` and ``b`` in one unit (a's, for quantities).

    Raises :class:`ConformityInputError` when one is a quantity and the other is not, or
    their units do not convert.
    """
    a, b = as_ours(a, a_name, ConformityInputError), as_ours(b, b_name, ConformityInputError)
    if isinstance(a, Quantity) != isinstance(b, Quantity):
        quantity, number = (a_name, b_name) if isinstance(a, Quantity) else (b_name, a_name)
        raise ConformityInputError(
            f"{quantity} has a unit but {number} is a plain number: give both with units or none"
        )
    if isinstance(a, Quantity):
        try:
            b = b.to(a.units)
        except pint.errors.DimensionalityError:
            raise ConformityInputError(
                f"{b_name} in {b.units} cannot be expressed in {a.units} ({a_name})"
            ) from None
        a, b = a.magnitude, b.magnitude
    return (
        plain_numbers(a, a_name, ConformityInputError),
        plain_numbers(b, b_name, ConformityInputError),
    )
