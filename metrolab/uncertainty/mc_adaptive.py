"""The adaptive Monte Carlo procedure of JCGM 101 7.9: when may the trials stop?

Trials are drawn in blocks of M = max(100/(1 - p), 10^4) (7.9.4 b). Each block gives an
estimate, a standard uncertainty and both ends of both coverage intervals; the run may
stop when twice the standard deviation of the average of the h block values of every one
of those six quantities is at most the numerical tolerance delta of u(y) (7.9.2), for
every output and test point. The block values are kept as running sums, so memory does
not grow with h.
"""

from __future__ import annotations

import math

import numpy as np

from metrolab.uncertainty.orderstats import sorted_intervals

#: names of the quantities the rule judges, in the order of :func:`block_estimates`
JUDGED = ("value", "u", "symmetric low", "symmetric high", "shortest low", "shortest high")


def block_size(coverage: float) -> int:
    """Return M of JCGM 101 7.9.4 b: at least 100/(1 - p) and 10^4 trials per block."""
    return max(math.ceil(100.0 / (1.0 - coverage)), 10_000)


def block_estimates(values: np.ndarray, coverage: float) -> np.ndarray:
    """Return the six judged quantities of one block, shape (6, m, *points).

    ``values`` are the block's model values, shape (m, M, *points).
    """
    ordered = np.sort(values, axis=1)
    sym, short = sorted_intervals(ordered, coverage)
    return np.stack(
        [
            values.mean(axis=1),
            values.std(axis=1, ddof=1),
            sym[:, 0],
            sym[:, 1],
            short[:, 0],
            short[:, 1],
        ]
    )


def tolerance(u: np.ndarray, ndig: int) -> np.ndarray:
    """Return delta of JCGM 101 7.9.2: half a unit in the ndig-th significant digit of u.

    With u written c x 10^l, c having ``ndig`` digits, delta = 10^l / 2 (in u's unit);
    NaN where u is 0 (nothing to judge against).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.where(u > 0, u, np.nan))) - (ndig - 1)
    return 0.5 * 10.0**exponent


class BlockSpread:
    """Running mean and spread of the block estimates (shape (6, m, *points) each)."""

    def __init__(self) -> None:
        self.h = 0
        self.shift: np.ndarray | None = None
        self.sum1: np.ndarray | None = None
        self.sum2: np.ndarray | None = None

    def add(self, estimates: np.ndarray) -> None:
        """Add the estimates of one more block."""
        if self.shift is None:
            self.shift = estimates.copy()
            self.sum1 = np.zeros_like(estimates)
            self.sum2 = np.zeros_like(estimates)
        assert self.sum1 is not None and self.sum2 is not None
        d = estimates - self.shift
        self.sum1 += d
        self.sum2 += d * d
        self.h += 1

    def twice_sd_of_mean(self) -> np.ndarray:
        """Return 2 s of JCGM 101 7.9.4 f-g for every quantity: 2 sqrt(var / h), var with
        divisor h - 1, in the quantities' units (shape (6, m, *points))."""
        assert self.sum1 is not None and self.sum2 is not None and self.h >= 2
        mean = self.sum1 / self.h
        var = np.maximum(self.sum2 - self.h * mean * mean, 0.0) / (self.h - 1)
        return 2.0 * np.sqrt(var / self.h)

    def unstable(self, u: np.ndarray, ndig: int) -> list[str]:
        """Return the names of the quantities not yet stable to ``ndig`` digits of ``u``
        (JCGM 101 7.9.4 j), [] when all are; ``u`` is u(y) from all trials so far."""
        if self.h < 2:
            return list(JUDGED)
        delta = tolerance(u, ndig)
        spread = self.twice_sd_of_mean()
        with np.errstate(invalid="ignore"):
            over = spread > delta[None]
        axes = tuple(range(1, over.ndim))
        return [name for name, bad in zip(JUDGED, np.any(over, axis=axes), strict=True) if bad]
