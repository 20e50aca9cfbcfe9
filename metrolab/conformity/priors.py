"""Priors: the distribution of the true values of a population of items (JCGM 106 clause 9).

A prior says how the items arriving for calibration are spread before anyone measures
them; the global false-accept and false-reject probabilities need it. Three ways to give
one: a normal distribution centred in the tolerance with a given in-tolerance probability
(ITP, also called end-of-period reliability), a normal distribution with a mean and a
standard deviation, or any frozen continuous ``scipy.stats`` distribution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from metrolab.conformity.errors import ConformityInputError
from metrolab.conformity.kinks import kinks, shifted
from metrolab.units import plain_numbers

FloatArray = npt.NDArray[np.float64]


def _json_number(value: Any) -> Any:
    """Return a JSON-safe number or list for a scalar or array parameter."""
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


def describe_distribution(distribution: Any) -> dict[str, Any]:
    """Return a frozen scipy distribution as plain data: kind, name, args and keywords."""
    dist = getattr(distribution, "dist", None)
    return {
        "kind": "scipy",
        "name": getattr(dist, "name", type(distribution).__name__),
        "args": [_json_number(a) for a in getattr(distribution, "args", ())],
        "kwds": {k: _json_number(v) for k, v in getattr(distribution, "kwds", {}).items()},
    }


@dataclass(frozen=True)
class Prior:
    """The population distribution of true values, in the unit of the measured values.

    ``loc``/``scale`` are set for a normal prior (arrays broadcasting against the test
    points); otherwise ``distribution`` is a frozen scipy distribution shared by all
    points. ``description`` is plain data for the decision record.
    """

    description: dict[str, Any]
    loc: FloatArray | None = None
    scale: FloatArray | None = None
    distribution: Any = field(default=None, repr=False)

    @classmethod
    def normal(cls, mean: npt.ArrayLike, sd: npt.ArrayLike) -> Prior:
        """Return a normal prior with this mean and standard deviation (unit of the values)."""
        loc = plain_numbers(mean, "prior mean", ConformityInputError)
        scale = plain_numbers(sd, "prior sd", ConformityInputError)
        if not np.all(np.isfinite(loc)):
            raise ConformityInputError("the prior mean must be a finite number")
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise ConformityInputError("the prior standard deviation must be a positive number")
        return cls(
            description={"kind": "normal", "mean": _json_number(loc), "sd": _json_number(scale)},
            loc=loc,
            scale=scale,
        )

    @classmethod
    def from_itp(cls, itp: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> Prior:
        """Return the normal prior centred in [lower, upper] holding a fraction ``itp`` of items.

        ``itp`` is the in-tolerance probability as a fraction in (0, 1). The standard
        deviation is T / z with T the half-width and z = Phi^-1((1 + itp) / 2). Raises
        :class:`ConformityInputError` for a one-sided tolerance (no centre) or an ITP
        outside (0, 1).
        """
        p = np.asarray(itp, dtype=float)
        if np.any(~(p > 0) | ~(p < 1)):
            raise ConformityInputError(
                f"in-tolerance probability {_json_number(p)} is not a fraction in (0, 1): "
                "give e.g. 0.95 for 95 %"
            )
        lo = plain_numbers(lower, "lower limit", ConformityInputError)
        hi = plain_numbers(upper, "upper limit", ConformityInputError)
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise ConformityInputError(
                "an in-tolerance probability needs both tolerance limits (the prior is centred "
                "in the tolerance); for a one-sided tolerance give the prior mean and sd instead"
            )
        half_width = hi / 2.0 - lo / 2.0  # no overflow for limits near +/-1.8e308
        sd = half_width / special.ndtri((1.0 + p) / 2.0)
        prior = cls.normal(hi / 2.0 + lo / 2.0, sd)
        prior.description["itp"] = _json_number(p)
        return prior

    @classmethod
    def from_distribution(cls, distribution: Any) -> Prior:
        """Return a prior from a frozen continuous ``scipy.stats`` distribution.

        Raises :class:`ConformityInputError` when the object has no ``pdf`` and ``ppf``
        (a frozen continuous distribution such as ``scipy.stats.gamma(4, scale=0.25)``).
        """
        if not (hasattr(distribution, "pdf") and hasattr(distribution, "ppf")):
            raise ConformityInputError(
                f"prior {distribution!r} is not a frozen continuous scipy.stats distribution"
            )
        description = describe_distribution(distribution)
        return cls(description=description, distribution=distribution)

    def _flat_params(self, n: int) -> tuple[FloatArray, FloatArray]:
        """Return (loc, scale) of a normal prior as (n, 1) arrays for n flattened points."""
        assert self.loc is not None and self.scale is not None
        loc = np.broadcast_to(self.loc, np.broadcast_shapes(self.loc.shape, (n,)))
        scale = np.broadcast_to(self.scale, loc.shape)
        return loc.reshape(n, 1), scale.reshape(n, 1)

    def check_shape(self, shape: tuple[int, ...]) -> None:
        """Raise :class:`ConformityInputError` if the normal parameters do not fit ``shape``."""
        if self.loc is None or self.scale is None:
            return
        try:
            target = np.broadcast_shapes(self.loc.shape, self.scale.shape, shape)
        except ValueError:
            raise ConformityInputError(
                f"prior parameters of shape {self.loc.shape} do not fit test points of "
                f"shape {shape}"
            ) from None
        if target != shape:
            raise ConformityInputError(
                f"prior parameters of shape {self.loc.shape} do not fit test points of "
                f"shape {shape}"
            )

    def pdf(self, x: FloatArray, n: int) -> FloatArray:
        """Return the density at x (shape (n, m)) for n flattened points, per unit of value."""
        if self.distribution is not None:
            return np.asarray(self.distribution.pdf(x), dtype=float)
        loc, scale = self._flat_params(n)
        z = (x - loc) / scale
        return np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))

    def ppf(self, q: FloatArray, n: int) -> FloatArray:
        """Return the quantiles for probabilities q (shape (1, k)) as an (n, k) array."""
        if self.distribution is not None:
            values = np.asarray(self.distribution.ppf(q), dtype=float)
            return np.broadcast_to(values, (n, q.shape[-1]))
        loc, scale = self._flat_params(n)
        return loc + scale * special.ndtri(q)

    def relative_to(self, origin: FloatArray) -> Prior:
        """Return this prior for n flattened points about ``origin`` (shape (n, 1)).

        The result describes X - origin: its density at an offset d is this prior's at
        origin + d, computed without rounding origin + d (a normal prior moves its mean;
        a scipy distribution its ``loc``, or, if it takes none, is evaluated at origin + d).
        """
        n = origin.shape[0]
        if self.distribution is None:
            loc, scale = self._flat_params(n)
            return Prior(self.description, loc=(loc - origin)[:, 0], scale=scale[:, 0])
        moved = shifted(self.distribution, origin)
        return Prior(self.description, distribution=moved or _Offset(self.distribution, origin))

    def kinks(self, n: int) -> FloatArray:
        """Return the (n, k) points where the prior density has a corner (none for normal)."""
        if self.distribution is None:
            return np.empty((n, 0))
        return kinks(self.distribution, n)


@dataclass(frozen=True)
class _Offset:
    """A frozen distribution seen about ``origin``: X - origin (used when it takes no loc)."""

    base: Any
    origin: FloatArray

    def pdf(self, x: FloatArray) -> FloatArray:
        """Return the density at offsets x from the origin."""
        return np.asarray(self.base.pdf(x + self.origin), dtype=float)

    def ppf(self, q: FloatArray) -> FloatArray:
        """Return the quantiles as offsets from the origin."""
        return np.asarray(self.base.ppf(q), dtype=float) - self.origin

    def support(self) -> tuple[FloatArray, FloatArray]:
        """Return the ends of the support as offsets from the origin."""
        lo, hi = self.base.support()
        return lo - self.origin, hi - self.origin
