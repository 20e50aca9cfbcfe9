"""Probability distributions of input quantities, standardised to mean 0 and variance 1.

Each distribution knows how to turn a half-width into a standard uncertainty (GUM 4.3,
JCGM 101 6.4) and how to draw standardised samples, either directly or through its
quantile function (used to correlate non-normal inputs through a Gaussian copula).
Plain numpy arrays throughout; scipy is imported only where a quantile needs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrolab.uncertainty.errors import UncertaintyInputError

#: names accepted in ``distribution=`` (model files use the same names)
DISTRIBUTION_NAMES = ("normal", "rectangular", "triangular", "arcsine", "trapezoidal", "t")


@dataclass(frozen=True)
class Distribution:
    """A standardised distribution (mean 0, variance 1) of one input.

    ``name`` is one of :data:`DISTRIBUTION_NAMES`, ``"t-scaled"`` (JCGM 101 6.4.9: Type A
    readings, scale = standard deviation of the mean) or ``"scipy"``; ``beta`` is the
    trapezoid's ratio of top to base width; ``dof`` the Student-t degrees of freedom.
    """

    name: str
    beta: float = 0.0
    dof: float = math.inf
    frozen: Any = None  # a frozen scipy.stats distribution when name == "scipy"

    def half_width_factor(self) -> float:
        """Return u / a, the standard uncertainty per unit half-width (dimensionless)."""
        factors = {
            "rectangular": 1.0 / math.sqrt(3.0),
            "triangular": 1.0 / math.sqrt(6.0),
            "arcsine": 1.0 / math.sqrt(2.0),
            "trapezoidal": math.sqrt((1.0 + self.beta**2) / 6.0),
        }
        if self.name not in factors:
            raise UncertaintyInputError(
                f"a half-width has no meaning for a {self.name} distribution: give u instead"
            )
        return factors[self.name]

    @property
    def is_normal(self) -> bool:
        """Return True when samples are standard normal."""
        return self.name == "normal"

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """Return independent standardised samples of shape ``size`` (dimensionless)."""
        name = self.name
        if name == "normal":
            return rng.standard_normal(size)
        if name == "rectangular":
            return rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), size)
        if name == "triangular":
            return (rng.random(size) - rng.random(size)) * math.sqrt(6.0)
        if name == "arcsine":
            return np.sin(math.pi * (rng.random(size) - 0.5)) * math.sqrt(2.0)
        if name == "trapezoidal":
            b = self.beta
            raw = (1.0 + b) * rng.random(size) + (1.0 - b) * rng.random(size) - 1.0
            return raw / math.sqrt((1.0 + b**2) / 6.0)
        if name == "t":
            return rng.standard_t(self.dof, size) * math.sqrt((self.dof - 2.0) / self.dof)
        if name == "t-scaled":
            return rng.standard_t(self.dof, size)
        return self.ppf(rng.random(size))

    def draw(
        self, rng: np.random.Generator, loc: np.ndarray, scale: np.ndarray, size: tuple[int, ...]
    ) -> np.ndarray:
        """Return samples of loc + scale x Z (Z standardised) of shape ``size``, in loc's unit.

        Normal and rectangular inputs are drawn in one pass by the generator itself.
        """
        if self.name == "normal":
            return rng.normal(loc, scale, size)
        if self.name == "rectangular":
            half = math.sqrt(3.0) * scale
            return rng.uniform(loc - half, loc + half, size)
        return loc + scale * self.sample(rng, size)

    def ppf(self, p: np.ndarray) -> np.ndarray:
        """Return the standardised quantile at probabilities ``p`` (dimensionless)."""
        from scipy import special

        name = self.name
        if name == "normal":
            return np.asarray(special.ndtri(p))
        if name == "rectangular":
            return (2.0 * p - 1.0) * math.sqrt(3.0)
        if name == "triangular":
            x = np.where(p < 0.5, np.sqrt(2.0 * p) - 1.0, 1.0 - np.sqrt(2.0 * (1.0 - p)))
            return x * math.sqrt(6.0)
        if name == "arcsine":
            return np.sin(math.pi * (p - 0.5)) * math.sqrt(2.0)
        if name == "trapezoidal":
            return _trapezoid_ppf(p, self.beta) / math.sqrt((1.0 + self.beta**2) / 6.0)
        if name == "t":
            return np.asarray(special.stdtrit(self.dof, p)) * math.sqrt((self.dof - 2.0) / self.dof)
        if name == "t-scaled":
            return np.asarray(special.stdtrit(self.dof, p))
        mean, std = self.frozen.mean(), self.frozen.std()
        return (np.asarray(self.frozen.ppf(p)) - mean) / std


def _trapezoid_ppf(p: np.ndarray, beta: float) -> np.ndarray:
    """Quantile of the symmetric trapezoid on [-1, 1] with top half-width beta."""
    if beta >= 1.0:
        return 2.0 * p - 1.0
    # density: rises linearly on [-1, -beta], flat on [-beta, beta], falls on [beta, 1]
    height = 1.0 / (1.0 + beta)
    ramp = 1.0 - beta
    p_ramp = 0.5 * ramp * height
    q = np.minimum(p, 1.0 - p)
    lower = np.where(
        q < p_ramp,
        -1.0 + np.sqrt(2.0 * q * ramp / height),
        -beta + (q - p_ramp) / height,
    )
    return np.where(p < 0.5, lower, -lower)


def make_distribution(
    name: str, *, dof: float = math.inf, beta: float | None = None
) -> Distribution:
    """Return the :class:`Distribution` called ``name``, checking its parameters.

    Raises :class:`UncertaintyInputError` for an unknown name, a trapezoid without a
    ``beta`` in [0, 1], or a ``t`` without a finite dof above 2 (no finite variance, or
    no dof given at all).
    """
    key = name.strip().lower()
    aliases = {
        "uniform": "rectangular",
        "u-shaped": "arcsine",
        "gaussian": "normal",
        "student-t": "t",
        "student_t": "t",
    }
    key = aliases.get(key, key)
    if key not in DISTRIBUTION_NAMES:
        raise UncertaintyInputError(
            f"unknown distribution {name!r}: use one of {', '.join(DISTRIBUTION_NAMES)}"
        )
    if key == "trapezoidal":
        if beta is None or not 0.0 <= beta <= 1.0:
            raise UncertaintyInputError(
                "a trapezoidal distribution needs beta (top width / base width) in [0, 1]"
            )
        return Distribution(key, beta=float(beta))
    if key == "t":
        if not 2.0 < dof < math.inf:
            raise UncertaintyInputError(
                f"a t distribution needs finite dof > 2 for u to be its standard deviation, "
                f"got {dof} (an input known exactly is normal)"
            )
        return Distribution(key, dof=float(dof))
    return Distribution(key)
