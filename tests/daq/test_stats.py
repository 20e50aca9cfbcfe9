"""Running statistics merged block by block equal numpy's over the whole run."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from metrolab.daq.stats import RunningStats

_blocks = st.lists(arrays(np.float64, st.integers(1, 50),
                          elements=st.floats(-1e6, 1e6, allow_nan=False)), min_size=1,
                   max_size=20)


@given(_blocks)
def test_merged_statistics_equal_numpy(blocks: list[np.ndarray]) -> None:
    stats = RunningStats()
    for block in blocks:
        stats.add(block)
    everything = np.concatenate(blocks)
    assert stats.count == everything.size
    assert math.isclose(stats.mean, everything.mean(), rel_tol=1e-9, abs_tol=1e-6)
    if everything.size > 1:
        assert math.isclose(stats.std, everything.std(ddof=1), rel_tol=1e-6, abs_tol=1e-6)
    assert (stats.minimum, stats.maximum, stats.latest) == (
        everything.min(), everything.max(), everything[-1])


def test_nan_is_counted_missing_not_averaged() -> None:
    stats = RunningStats()
    stats.add(np.array([1.0, np.nan, 3.0]))
    assert (stats.count, stats.missing, stats.mean) == (2, 1, 2.0)
    assert math.isnan(RunningStats().std)
