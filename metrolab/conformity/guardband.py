"""Guard bands: how far the acceptance limits sit inside the tolerance limits.

The guard band w is taken off each tolerance limit: AL = TL + w, AU = TU - w
(ILAC-G8:09/2019 clause 4.2.2). Ways to choose w:

- an explicit width (``GuardBand.width``), one for both sides or one per side;
- a multiple of the expanded uncertainty, w = r U (``GuardBand.multiple``), r chosen by the lab;
- a formula giving the acceptance half-width A from the tolerance half-width T and the
  expanded uncertainty U (``GuardBand.method``):
  ``rss`` A = sqrt(T^2 - U^2); ``rp10`` A = T (1.25 - 1/TUR) (NCSLI RP-10, capped at T);
  ``u`` A = T - U; ``dobbert`` A = T - M U with M = 1.04 - exp(0.38 ln TUR - 0.54)
  (Dobbert 2008, managed guard band, M >= 0);
- a target global PFA given a prior (``GuardBand.target_pfa``), e.g. 2 % of ANSI/NCSL
  Z540.3 clause 5.3, solved by bisection on w for every point at once.

A is never below zero (the acceptance interval shrinks to the centre).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy import special

from metrolab.conformity.errors import ConformityError, ConformityInputError
from metrolab.conformity.measurement import ErrorModel
from metrolab.conformity.priors import Prior
from metrolab.conformity.risk import global_risk
from metrolab.units import plain_numbers

FloatArray = npt.NDArray[np.float64]

#: formula guard-band methods and what they compute
METHODS: Final[dict[str, str]] = {
    "rss": "A = sqrt(T^2 - U^2)",
    "rp10": "A = T (1.25 - 1/TUR), at most T (NCSLI RP-10)",
    "u": "A = T - U",
    "dobbert": "A = T - M U, M = 1.04 - exp(0.38 ln TUR - 0.54), M >= 0 (Dobbert 2008)",
}

#: bisection steps when solving for a target PFA (halves the bracket each step)
_BISECTION_STEPS = 60


def acceptance_half_width(method: str, half_width: FloatArray, expanded: FloatArray) -> FloatArray:
    """Return the acceptance half-width A (unit of T) for a formula method, A >= 0.

    ``half_width`` is T, ``expanded`` the expanded uncertainty U (same unit). Raises
    :class:`ConformityInputError` for an unknown method name.
    """
    t = plain_numbers(half_width, "tolerance half-width", ConformityInputError)
    big_u = plain_numbers(expanded, "U", ConformityInputError)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = t / big_u
        if method == "rss":
            accept = np.sqrt(np.clip(t * t - big_u * big_u, 0.0, None))
        elif method == "rp10":
            accept = np.minimum(t * (1.25 - 1.0 / ratio), t)
        elif method == "u":
            accept = t - big_u
        elif method == "dobbert":
            multiplier = np.clip(1.04 - np.exp(0.38 * np.log(ratio) - 0.54), 0.0, None)
            accept = t - multiplier * big_u
        else:
            raise ConformityInputError(
                f"unknown guard-band method {method!r}: use one of {', '.join(METHODS)}"
            )
    return np.clip(accept, 0.0, None)


def multiplier_for_specific_risk(risk: float, k: float = 2.0) -> float:
    """Return r such that w = r U leaves this specific risk at the acceptance limit.

    For a normal measurement distribution a result on the acceptance limit AU = TU - r U
    has probability ``risk`` (fraction) of a true value beyond TU when r = z / k with
    z = Phi^-1(1 - risk). Dimensionless.
    """
    if not 0.0 < risk < 0.5:
        raise ConformityInputError(f"specific risk {risk} must be a fraction in (0, 0.5)")
    return float(special.ndtri(1.0 - risk) / k)


@dataclass(frozen=True)
class GuardBand:
    """How to choose the guard band; resolved per point by :meth:`resolve`.

    ``kind`` is ``none``, ``width``, ``multiple``, ``method`` or ``target_pfa``; the
    other fields hold its parameter.
    """

    kind: str
    lower_width: Any = None
    upper_width: Any = None
    r: float | None = None
    method_name: str | None = None
    target: float | None = None

    @classmethod
    def none(cls) -> GuardBand:
        """Return "no guard band" (acceptance limits equal the tolerance limits)."""
        return cls(kind="none")

    @classmethod
    def width(cls, w: npt.ArrayLike, upper: npt.ArrayLike | None = None) -> GuardBand:
        """Return an explicit guard band: w off each limit, or w off the lower and ``upper`` off
        the upper limit (measured unit). A negative width is guarded rejection."""
        lower_w = plain_numbers(w, "guard-band width", ConformityInputError)
        upper_w = (
            lower_w
            if upper is None
            else plain_numbers(upper, "upper guard-band width", ConformityInputError)
        )
        if not (np.all(np.isfinite(lower_w)) and np.all(np.isfinite(upper_w))):
            raise ConformityInputError("a guard-band width must be a finite number")
        return cls(kind="width", lower_width=lower_w, upper_width=upper_w)

    @classmethod
    def multiple(cls, r: float) -> GuardBand:
        """Return w = r U, with r chosen by the laboratory (dimensionless, r >= 0)."""
        if not np.isfinite(r) or r < 0:
            raise ConformityInputError(f"guard-band multiple r = {r} must be a number >= 0")
        return cls(kind="multiple", r=float(r))

    @classmethod
    def method(cls, name: str) -> GuardBand:
        """Return a formula guard band: ``rss``, ``rp10``, ``u`` or ``dobbert``."""
        if name not in METHODS:
            raise ConformityInputError(
                f"unknown guard-band method {name!r}: use one of {', '.join(METHODS)}"
            )
        return cls(kind="method", method_name=name)

    @classmethod
    def target_pfa(cls, target: float) -> GuardBand:
        """Return the guard band that meets a target global PFA (fraction); needs a prior."""
        if not 0.0 < target < 1.0:
            raise ConformityInputError(
                f"target PFA {target} is not a fraction in (0, 1): give e.g. 0.02 for 2 %"
            )
        return cls(kind="target_pfa", target=float(target))

    @classmethod
    def coerce(cls, guard: Any) -> GuardBand:
        """Return a GuardBand from None, a method name, a width (number/array), a
        (lower, upper) pair of widths, or a GuardBand."""
        if guard is None:
            return cls.none()
        if isinstance(guard, GuardBand):
            return guard
        if isinstance(guard, str):
            return cls.method(guard)
        if isinstance(guard, tuple) and len(guard) == 2:
            return cls.width(guard[0], guard[1])
        try:
            return cls.width(guard)
        except (TypeError, ValueError):
            raise ConformityInputError(
                f"guard band {guard!r} is not a method name, a width or a (lower, upper) pair"
            ) from None

    def describe(self) -> dict[str, Any]:
        """Return the guard-band choice as plain data for the decision record."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind == "width":
            data["lower"] = np.asarray(self.lower_width).tolist()
            data["upper"] = np.asarray(self.upper_width).tolist()
        elif self.kind == "multiple":
            data["r"] = self.r
        elif self.kind == "method":
            data["method"] = self.method_name
            data["formula"] = METHODS[str(self.method_name)]
        elif self.kind == "target_pfa":
            data["target_pfa"] = self.target
        return data

    def resolve(
        self,
        lower: FloatArray,
        upper: FloatArray,
        expanded: FloatArray,
        error: ErrorModel,
        prior: Prior | None,
    ) -> tuple[FloatArray, FloatArray]:
        """Return the guard-band widths (off the lower, off the upper limit) for n flat points.

        Raises :class:`ConformityInputError` when a formula method meets a one-sided
        tolerance or a target PFA has no prior, and :class:`ConformityError` when the
        target PFA cannot be met.
        """
        n = lower.size
        half_width = (upper - lower) / 2.0
        if self.kind == "none":
            zeros = np.zeros(n)
            return zeros, zeros.copy()
        if self.kind == "width":
            lw = np.broadcast_to(self.lower_width, (n,)).astype(float)
            uw = np.broadcast_to(self.upper_width, (n,)).astype(float)
            return lw, uw
        if self.kind == "multiple":
            w = float(self.r or 0.0) * expanded
            return w, w.copy()
        if self.kind == "method":
            if self.method_name != "u" and not np.all(np.isfinite(half_width)):
                raise ConformityInputError(
                    f"guard-band method {self.method_name!r} needs a two-sided tolerance "
                    "(it uses the half-width T); give both limits, or use 'u', a width or "
                    "a target PFA"
                )
            if self.method_name == "u":
                w = expanded.copy()
            else:
                w = half_width - acceptance_half_width(str(self.method_name), half_width, expanded)
            return w, w.copy()
        if prior is None:
            raise ConformityInputError(
                "a target PFA needs a prior: give an in-tolerance probability or the prior "
                "mean and standard deviation"
            )
        w = solve_target_pfa(float(self.target or 0.0), prior, lower, upper, error)
        return w, w.copy()


def solve_target_pfa(
    target: float, prior: Prior, lower: FloatArray, upper: FloatArray, error: ErrorModel
) -> FloatArray:
    """Return the smallest guard band w >= 0 per point whose global PFA is at most ``target``.

    The same w comes off each finite limit. Where PFA without a guard band already meets
    the target, w = 0. Solved by bisection on all points at once (unit: measured values).
    Raises :class:`ConformityError` where no w reaches the target.
    """
    n = lower.size
    finite_half = np.isfinite(lower) & np.isfinite(upper)
    bounds = prior.ppf(np.array([[1e-12, 1.0 - 1e-12]]), n)
    # widest useful w: the acceptance interval shrinks to the centre (two-sided) or the
    # acceptance limit leaves the prior's support (one-sided)
    one_sided_max = (
        np.where(np.isfinite(upper), upper - bounds[:, 0], bounds[:, 1] - lower)
        + 12.0 * error.scale()[:, 0]
    )
    high = np.where(finite_half, (upper - lower) / 2.0, np.maximum(one_sided_max, 0.0))

    def pfa_at(w: FloatArray) -> FloatArray:
        return global_risk(prior, lower, upper, lower + w, upper - w, error).pfa

    at_zero = pfa_at(np.zeros(n))
    at_high = pfa_at(high)
    unreachable = at_high > target
    if np.any(unreachable & (at_zero > target)):
        index = np.flatnonzero(unreachable)[:5].tolist()
        raise ConformityError(
            f"target PFA {target} cannot be met at points {index}: even the widest guard "
            f"band leaves PFA {float(np.max(at_high)):.3g}; lower the uncertainty or raise "
            "the target"
        )
    low = np.zeros(n)
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2.0
        too_risky = pfa_at(middle) > target
        low = np.where(too_risky, middle, low)
        high = np.where(too_risky, high, middle)
    return np.where(at_zero <= target, 0.0, high)
