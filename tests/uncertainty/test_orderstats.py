"""Exact order statistics of a stream (metrolab.uncertainty.orderstats) against numpy.sort.

The selector must give, bit for bit, the JCGM 101 7.7 intervals of a full sort of the same
values whatever they are: the reference here is written from the clause with numpy only.
Tiny cell counts and budgets force every path: slabs of kept values, split cells, atoms,
values far outside the first values' range, replays.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.uncertainty.orderstats import (
    StreamChangedError,
    StreamSelector,
    float_keys,
    key_floats,
)


def numpy_intervals(
    values: np.ndarray, p: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """JCGM 101 7.7.1-7.7.2 by a full sort: q = round(pM), r = round((M - q)/2),
    symmetric [y_(r), y_(r+q)], shortest the first least y_(s+q) - y_(s)."""
    y = np.sort(values)
    big_m = len(y)
    q = min(int(p * big_m + 0.5), big_m - 1)
    r = max(int((big_m - q) / 2 + 0.5), 1)
    with np.errstate(over="ignore"):  # widths of +-1e308 values overflow to inf, as ours do
        s = int(np.argmin(y[q:] - y[: big_m - q]))
    return (y[r - 1], y[r - 1 + q]), (y[s], y[s + q])


def select(data: np.ndarray, p: float, first: int, chunk: int, budget: int, cells: int):
    """Stream ``data`` (rows, M) through a selector; return its intervals and replays."""
    total = data.shape[1]

    def chunks():
        return (data[:, i : i + chunk] for i in range(first, total, chunk))

    def replay():
        yield data[:, :first]
        yield from chunks()

    selector = StreamSelector([data[:, :first]], p, budget=budget, cells=cells)
    for part in chunks():
        selector.add(part)
    return selector.intervals(replay)


def assert_same_as_sort(data: np.ndarray, p: float, result) -> None:
    for row in range(data.shape[0]):
        sym, short = numpy_intervals(data[row], p)
        assert tuple(result.symmetric[row]) == sym, f"row {row}"
        assert tuple(result.shortest[row]) == short, f"row {row}"


def test_keys_order_every_kind_of_float_and_invert():
    """Unsigned key order is float order from -inf to +inf; -0.0 shares the key of 0.0."""
    values = np.array(
        [-np.inf, -1e308, -1.0, -5e-324, -0.0, 0.0, 5e-324, 2.2e-308, 1.0, 1e308, np.inf]
    )
    keys = float_keys(values)
    assert np.all(np.diff(keys.astype(object)) >= 0)
    assert keys[4] == keys[5] and np.all(np.diff(np.delete(keys, 4).astype(object)) > 0)
    back = key_floats(keys)
    assert np.array_equal(back, values)
    rng = np.random.default_rng(1)
    sample = rng.standard_cauchy(10_000) * 10.0 ** rng.integers(-300, 300, 10_000)
    assert np.array_equal(
        np.argsort(float_keys(sample), kind="stable"), np.argsort(sample, kind="stable")
    )


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=150, deadline=None)
@given(
    base=st.lists(finite, min_size=1, max_size=6),
    picks=st.lists(st.integers(0, 5), min_size=40, max_size=600),
    noise=st.lists(finite, min_size=0, max_size=300),
    p=st.sampled_from([0.5, 0.9, 0.95, 0.99]),
    first=st.integers(5, 60),
    chunk=st.integers(1, 97),
    budget=st.integers(1, 40),
    cells=st.sampled_from([2, 3, 8, 64]),
)
def test_hostile_streams_give_the_sorted_intervals(
    base, picks, noise, p, first, chunk, budget, cells
):
    """Atoms (repeated values), zeros of both signs, huge and tiny magnitudes, values far
    beyond the first chunk: with cell counts and budgets this small the selector must split
    cells and keep slabs over several replays, and still equal the full sort exactly."""
    values = np.array([base[i % len(base)] for i in picks] + list(noise), dtype=float)
    np.random.default_rng(len(values)).shuffle(values)
    first = min(first, len(values))
    result = select(values[None, :], p, first, chunk, budget, cells)
    assert_same_as_sort(values[None, :], p, result)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(
        ["normal", "cauchy", "lognormal", "uniform", "bimodal", "rounded", "offset"]
    ),
    rows=st.integers(1, 4),
    p=st.sampled_from([0.9, 0.95, 0.99]),
    seed=st.integers(0, 2**32 - 1),
    budget=st.sampled_from([50, 2_000, 100_000]),
)
def test_continuous_and_discrete_rows_give_the_sorted_intervals(kind, rows, p, seed, budget):
    """Several rows at once (outputs x test points), each its own distribution and scale."""
    rng = np.random.default_rng(seed)
    size = (rows, 20_000)
    data = {
        "normal": lambda: rng.normal(0, 1, size),
        "cauchy": lambda: rng.standard_cauchy(size),
        "lognormal": lambda: np.exp(rng.normal(0, 2, size)),
        "uniform": lambda: rng.uniform(-1, 1, size),
        "bimodal": lambda: rng.normal(0, 1, size) + 6 * (rng.random(size) < 0.3),
        "rounded": lambda: np.round(rng.normal(0, 0.8, size)),
        "offset": lambda: 1e6 + rng.normal(0, 1e-9, size),
    }[kind]() * 10.0 ** rng.integers(-5, 5, (rows, 1))
    result = select(data, p, 2_000, 1_500, budget, 256)
    assert_same_as_sort(data, p, result)


def test_a_stream_that_changes_on_replay_is_refused():
    """A replay that differs from the first pass (a model with its own randomness) is an
    error naming the cause, not a silently wrong interval."""
    rng = np.random.default_rng(3)
    data = rng.uniform(0, 1, (1, 50_000))
    selector = StreamSelector([data[:, :5_000]], 0.95, budget=500, cells=64)
    selector.add(data[:, 5_000:])
    other = rng.uniform(0, 1, (1, 50_000))
    with pytest.raises(StreamChangedError, match="not a function of its inputs"):
        selector.intervals(lambda: iter([other]))


def test_guessed_cells_settle_a_smooth_output_without_replaying():
    """The cells kept on guess from the first values hold both interval ends of a smooth
    output, so no replay is needed (the common case at 10^7 and 10^8 trials)."""
    data = np.random.default_rng(5).normal(10.0, 0.1, (1, 1_000_000))

    def no_replay():
        raise AssertionError("replayed")

    selector = StreamSelector([data[:, :100_000]], 0.95, budget=200_000, cells=2**16)
    for i in range(100_000, 1_000_000, 100_000):
        selector.add(data[:, i : i + 100_000])
    result = selector.intervals(no_replay)
    assert result.replays == 0
    assert_same_as_sort(data, 0.95, result)
