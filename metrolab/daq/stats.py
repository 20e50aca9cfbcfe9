"""Running statistics of each column, in constant memory, for the live table and the summary.

Blocks are merged with Chan, Golub and LeVeque's pairwise update of count, mean and the
sum of squared deviations, so a 10^8-reading run keeps five numbers per column. NaN
(an overloaded reading) is counted apart and left out of the statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class RunningStats:
    """Count, mean, standard deviation, minimum, maximum and latest value of one column."""

    count: int = 0
    mean: float = math.nan
    m2: float = 0.0
    minimum: float = math.nan
    maximum: float = math.nan
    latest: float = math.nan
    missing: int = 0

    def add(self, values: np.ndarray) -> None:
        """Merge a block of readings (NaN counted as missing, not averaged)."""
        if values.size == 0:
            return
        if values.size == 1:  # a slow log: one reading a step, plain floats are faster
            self._add_one(float(values[0]))
            return
        self.latest = float(values[-1])
        finite = values[~np.isnan(values)]
        self.missing += int(values.size - finite.size)
        if finite.size == 0:
            return
        n_b = int(finite.size)
        mean_b = float(finite.mean())
        m2_b = float(((finite - mean_b) ** 2).sum())
        if self.count == 0:
            self.count, self.mean, self.m2 = n_b, mean_b, m2_b
            self.minimum, self.maximum = float(finite.min()), float(finite.max())
            return
        total = self.count + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / total
        self.m2 += m2_b + delta * delta * self.count * n_b / total
        self.count = total
        self.minimum = min(self.minimum, float(finite.min()))
        self.maximum = max(self.maximum, float(finite.max()))

    def _add_one(self, value: float) -> None:
        """Welford's update for one reading."""
        self.latest = value
        if math.isnan(value):
            self.missing += 1
            return
        if self.count == 0:
            self.count, self.mean, self.m2 = 1, value, 0.0
            self.minimum = self.maximum = value
            return
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.m2 += delta * (value - self.mean)
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)

    @property
    def std(self) -> float:
        """Return the sample standard deviation (n − 1), NaN below two readings."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else math.nan
