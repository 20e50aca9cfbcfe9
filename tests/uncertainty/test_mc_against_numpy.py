"""Differential tests: Monte Carlo intervals against plain numpy on the same draws.

hypothesis picks an output distribution (heavy-tailed, skewed, wide, bimodal, discrete,
U-shaped, a tiny spread on a large offset) and its parameters; metrolab runs it, the model
records what it returned on the first pass, and numpy sorts those values and applies JCGM
101 7.7 (q = round(pM), r = round((M - q)/2), symmetric [y_(r), y_(r+q)], shortest the
first least y_(s+q) - y_(s)). Stated tolerance: none for the intervals (the same order
statistics, equal to the last bit), 1e-9 relative for the mean and u (summation order;
numpy's are taken about the median so a tiny spread on 1e8 keeps its digits).

At 10^6 trials the large-trial path is forced (store_limit 2e5 values) so its guesses,
slabs, splits and replays are exercised; at 10^7 it runs with the default limits.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.uncertainty import TypeB, evaluate_mc
from metrolab.units import Quantity


def recording(func):
    """Return ``func`` keeping every chunk of values it returns as ``.recorded``."""
    store: list[np.ndarray] = []

    @functools.wraps(func)
    def model(*args, **kwargs):
        out = func(*args, **kwargs)
        if np.ndim(out) and not isinstance(out, Quantity):
            store.append(np.array(out, dtype=float))
        return out

    model.recorded = store  # type: ignore[attr-defined]
    return model


def numpy_intervals(values: np.ndarray, p: float):
    y = np.sort(values)
    big_m = len(y)
    q = int(p * big_m + 0.5)
    r = int((big_m - q) / 2 + 0.5)
    s = int(np.argmin(y[q:] - y[: big_m - q]))
    return [y[r - 1], y[r - 1 + q]], [y[s], y[s + q]]


def numpy_mean_u(values: np.ndarray) -> tuple[float, float]:
    """Return numpy's mean and standard deviation (divisor M - 1) of ``values``, taken
    about their median so that a tiny spread on a large value keeps its digits."""
    centre = np.median(values)
    d = values - centre
    return float(centre + np.mean(d)), float(np.std(d, ddof=1))


def family(kind: str, a: float, b: float):
    """Return (model of inputs x1, x2, the inputs) for an output distribution ``kind``;
    ``a`` in [0, 1] and ``b`` in [0, 1] set its shape and scale."""
    n1 = TypeB(1.0, u=0.1)
    if kind == "ratio":  # Cauchy-like tails: the denominator comes near zero
        return (lambda x1, x2: x1 / x2), {"x1": n1, "x2": TypeB(1.0, u=0.05 + 0.4 * a)}
    if kind == "exp":  # log-normal, strongly skewed
        return (lambda x1, x2: np.exp(x1 + x2)), {
            "x1": TypeB(0.0, u=0.2 + 2.8 * a),
            "x2": TypeB(0.0, u=0.1, distribution="rectangular"),
        }
    if kind == "square":  # bounded below, piled up at zero
        return (lambda x1, x2: (x1 + x2) ** 2), {
            "x1": TypeB(a, u=1.0),
            "x2": TypeB(0.0, u=0.1 + b, distribution="triangular"),
        }
    if kind == "bimodal":  # two modes: the shortest interval may sit on either
        return (lambda x1, x2: x1 + (3.0 + 5.0 * a) * np.sign(x2)), {
            "x1": TypeB(0.0, u=1.0),
            "x2": TypeB(b - 0.5, u=1.0, distribution="rectangular"),
        }
    if kind == "rounded":  # atoms: a reading rounded to a resolution
        step = 0.05 + a
        return (lambda x1, x2: np.round((x1 + x2) / step) * step), {
            "x1": TypeB(0.0, u=1.0),
            "x2": TypeB(0.0, u=0.1, distribution="rectangular"),
        }
    if kind == "arcsine":  # U-shaped: the densest values are at the edges
        return (lambda x1, x2: np.sin(x1) + 0.01 * x2), {
            "x1": TypeB(0.0, half_width=3.0 + 10 * a, distribution="rectangular"),
            "x2": TypeB(0.0, u=1.0),
        }
    if kind == "t":  # heavy but finite-variance tails
        return (lambda x1, x2: x1 * (1.0 + 0.1 * x2)), {
            "x1": TypeB(0.0, u=1.0, distribution="t", dof=2.1 + 8 * a),
            "x2": TypeB(0.0, u=1.0),
        }
    # a tiny spread on a large value: order statistics among few distinct floats
    return (lambda x1, x2: 1e8 + x1 * 10.0 ** (-8 + 3 * a) + x2), {
        "x1": TypeB(0.0, u=1.0),
        "x2": TypeB(0.0, u=1e-12 * b),
    }


KINDS = ["ratio", "exp", "square", "bimodal", "rounded", "arcsine", "t", "offset"]


def check_against_numpy(kind, a, b, p, seed, trials, store_limit=None) -> None:
    func, inputs = family(kind, a, b)
    model = recording(func)
    extra = {} if store_limit is None else {"store_limit": store_limit}
    r = evaluate_mc(model, inputs, trials=trials, seed=seed, coverage=p, **extra)
    assert not r.settings["samples_kept"]
    values = np.concatenate(model.recorded)[:trials]
    sym, short = numpy_intervals(values, p)
    assert list(r.interval_symmetric[0]) == sym
    assert list(r.interval_shortest[0]) == short
    mean, u = numpy_mean_u(values)
    assert float(r.values[0]) == pytest.approx(mean, rel=1e-9)
    assert float(r.u[0]) == pytest.approx(u, rel=1e-9)


distributions = {
    "kind": st.sampled_from(KINDS),
    "a": st.floats(0.0, 1.0),
    "b": st.floats(0.0, 1.0),
    "p": st.sampled_from([0.9, 0.95, 0.99]),
    "seed": st.integers(0, 2**63 - 1),
}


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**distributions)
def test_million_trials_equal_a_full_sort_of_the_same_draws(kind, a, b, p, seed):
    """10^6 trials through the large-trial path: the full sort of the same draws."""
    check_against_numpy(kind, a, b, p, seed, 1_000_000, store_limit=200_000)


@pytest.mark.slow
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**distributions)
def test_ten_million_trials_equal_a_full_sort_of_the_same_draws(kind, a, b, p, seed):
    """10^7 trials with the default limits: the full sort of the same draws."""
    check_against_numpy(kind, a, b, p, seed, 10_000_000)


@pytest.mark.parametrize("kind", KINDS)
def test_every_family_at_a_million_trials(kind):
    """Every family once, whatever hypothesis draws, at fixed parameters."""
    check_against_numpy(kind, 0.5, 0.5, 0.95, 20_101, 1_000_000, store_limit=200_000)


def test_several_outputs_and_test_points_equal_the_kept_path():
    """Outputs x test points are rows of their own: beyond store_limit every row's
    intervals equal those of sorting all its values (the same seed with every value kept)."""
    inputs = {
        "a": TypeB(np.array([1.0, 5.0, 20.0]), u=np.array([0.3, 0.1, 4.0])),
        "b": TypeB(0.0, u=1.0, distribution="rectangular"),
    }

    def model(a, b):
        return {"ratio": a / (1.2 + b), "rounded": np.round(a * b)}

    kept = evaluate_mc(model, inputs, trials=200_000, seed=12)
    streamed = evaluate_mc(model, inputs, trials=200_000, seed=12, store_limit=60_000)
    assert kept.settings["samples_kept"] and not streamed.settings["samples_kept"]
    assert streamed.interval_symmetric.shape == (2, 2, 3)
    assert np.array_equal(streamed.interval_symmetric, kept.interval_symmetric)
    assert np.array_equal(streamed.interval_shortest, kept.interval_shortest)
    assert streamed.u == pytest.approx(kept.u, rel=1e-12)
