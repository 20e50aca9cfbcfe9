"""The distribution of the measurement error (measured minus true value).

Normal with standard uncertainty u by default (GUM); any frozen continuous
``scipy.stats`` distribution of the error otherwise, for example a rectangular one
when a resolution dominates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from metrolab.conformity.errors import ConformityInputError
from metrolab.conformity.kinks import kinks

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ErrorModel:
    """Measurement error distribution for n flattened points (values in the measured unit).

    ``u`` is the standard uncertainty per point, shape (n,). ``distribution`` (optional)
    is a frozen scipy distribution of the error shared by all points; when set it is
    used instead of the normal N(0, u).
    """

    u: FloatArray
    distribution: Any = None

    @classmethod
    def build(cls, u: FloatArray, distribution: Any = None) -> ErrorModel:
        """Return the error model; raise :class:`ConformityInputError` for bad u or distribution."""
        if distribution is not None and not (
            hasattr(distribution, "cdf") and hasattr(distribution, "ppf")
        ):
            raise ConformityInputError(
                f"measurement distribution {distribution!r} is not a frozen continuous "
                "scipy.stats distribution"
            )
        if distribution is None and (not np.all(np.isfinite(u)) or np.any(u <= 0)):
            raise ConformityInputError(
                "the uncertainty of measurement must be a positive number at every point"
            )
        return cls(u=np.asarray(u, dtype=float), distribution=distribution)

    def cdf(self, z: FloatArray) -> FloatArray:
        """Return P(error <= z) for z of shape (n, m), as fractions."""
        if self.distribution is not None:
            return np.asarray(self.distribution.cdf(z), dtype=float)
        return np.asarray(special.ndtr(z / self.u.reshape(-1, 1)), dtype=float)

    def scale(self) -> FloatArray:
        """Return a spread of the error per point, shape (n, 1), in the measured unit."""
        if self.distribution is not None:
            spread = float(self.distribution.std())
            if not np.isfinite(spread) or spread <= 0:
                q = self.distribution.ppf([0.1587, 0.8413])
                spread = float(q[1] - q[0]) / 2.0
            return np.full((self.u.size, 1), spread)
        return self.u.reshape(-1, 1)

    def tails(self, probability: float) -> tuple[FloatArray, FloatArray]:
        """Return the (lower, upper) error quantiles for a tail probability, each (n, 1)."""
        if self.distribution is not None:
            lo = float(self.distribution.ppf(probability))
            hi = float(self.distribution.isf(probability))
            return np.full((self.u.size, 1), lo), np.full((self.u.size, 1), hi)
        z = -special.ndtri(probability)
        u = self.u.reshape(-1, 1)
        return -z * u, z * u

    def kinks(self) -> FloatArray:
        """Return the (n, k) errors at which the error's distribution has a corner.

        None for a normal error; the support ends of a rectangular one, and the mode of a
        triangular one, for example (values in the measured unit).
        """
        if self.distribution is None:
            return np.empty((self.u.size, 0))
        return kinks(self.distribution, self.u.size)
