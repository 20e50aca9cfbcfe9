"""Propagation of distributions by Monte Carlo (JCGM 101:2008; JCGM 102:2011 for several outputs).

Trials are drawn in chunks (:mod:`metrolab.uncertainty.mc_trials`) so memory stays
bounded: the mean and covariance are accumulated as the chunks pass, and the output
values are kept while they fit (``store_limit``; exact order statistics, JCGM 101 7.7).
Beyond that the coverage intervals come from :mod:`metrolab.uncertainty.orderstats`,
which counts the values in cells of key space and keeps only those near the interval
ends, replaying the trials from the seed when it must: the intervals are the same, bit for
bit, as a full sort of the same draws, at any number of trials. The adaptive procedure of
JCGM 101 7.9 (:mod:`metrolab.uncertainty.mc_adaptive`) judges the estimate, u(y) and both
ends of both intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrolab.uncertainty.errors import (
    FewReadingsWarning,
    NotConvergedWarning,
    UncertaintyInputError,
)
from metrolab.uncertainty.gum import check_coverage
from metrolab.uncertainty.inputs import Input
from metrolab.uncertainty.mc_adaptive import BlockSpread, block_estimates, block_size
from metrolab.uncertainty.mc_trials import TrialStream
from metrolab.uncertainty.model import Model, as_model
from metrolab.uncertainty.orderstats import StreamSelector, sorted_intervals
from metrolab.uncertainty.prepare import CorrelationSpec, Prepared, prepare
from metrolab.uncertainty.results import EvaluationRecord, plain, unit_text

#: values of all outputs x points x trials kept in memory; beyond, the large-trial path
DEFAULT_STORE_LIMIT = 4_000_000
#: large-trial path: cells of the first partition of key space, over all outputs x points
LEVEL1_CELLS = 2**18
#: large-trial path: values kept at once near the interval ends, over all outputs x points
SELECT_BUDGET = 2_000_000
#: input samples drawn per chunk (inputs, or outputs, at least 2, x points x trials)
DEFAULT_CHUNK_VALUES = 2_000_000
#: cap of the adaptive procedure
DEFAULT_MAX_TRIALS = 100_000_000


@dataclass(kw_only=True)
class McResult(EvaluationRecord):
    """A Monte Carlo evaluation; arrays have outputs first and test points trailing.

    ``interval_symmetric`` and ``interval_shortest`` have shape (outputs, 2, *points);
    ``region_k`` holds the JCGM 102 7.7.2 hyper-ellipsoidal coverage factor of each test
    point (several outputs, trials kept: up to ``store_limit`` output values) or None.
    ``seed`` reproduces the run with the same ``chunk`` and trials. ``converged`` is
    False only for an adaptive run stopped by its cap; ``unstable`` then names the judged
    quantities (JCGM 101 7.9) that were not yet stable.
    """

    interval_symmetric: np.ndarray
    interval_shortest: np.ndarray
    trials: int
    seed: int
    adaptive: bool
    converged: bool
    region_k: np.ndarray | None
    unstable: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-safe plain data (numbers in the outputs' units)."""
        outputs = {
            name: {
                "value": plain(self.values[i]),
                "u": plain(self.u[i]),
                "unit": unit_text(self.units[i]),
                "interval_symmetric": plain(self.interval_symmetric[i]),
                "interval_shortest": plain(self.interval_shortest[i]),
                "trials": self.trials,
            }
            for i, name in enumerate(self.output_names)
        }
        details = {
            "trials": self.trials,
            "seed": self.seed,
            "adaptive": self.adaptive,
            "converged": self.converged,
            "unstable": list(self.unstable),
        }
        return self.record("mc", outputs, details, self.region_k)


class _Accumulator:
    """Streaming mean/covariance, and the output values kept while they fit.

    Values are kept (exact order statistics by sorting) until more than ``limit`` values
    would be held; then they seed a :class:`StreamSelector`, which counts every later
    chunk and gives the same intervals without holding the values.
    """

    def __init__(self, m: int, shape: tuple[int, ...], limit: int, coverage: float) -> None:
        self.m, self.shape, self.limit, self.coverage = m, shape, limit, coverage
        self.points = int(np.prod(shape)) if shape else 1
        self.count = 0
        self.shift: np.ndarray | None = None
        self.sum1 = np.zeros((m, *shape))
        self.sum2 = np.zeros((m, m, *shape))
        self.kept: list[np.ndarray] = []
        self.selector: StreamSelector | None = None
        self.replays = 0

    @property
    def keep(self) -> bool:
        """Return True while every output value is kept."""
        return self.selector is None

    def add(self, y: np.ndarray) -> None:
        """Add a chunk of outputs of shape (m, trials, *points)."""
        if self.shift is None:
            self.shift = y.mean(axis=1)
        d = y - self.shift[:, None]
        self.sum1 += d.sum(axis=1)
        self.sum2 += np.einsum("at...,bt...->ab...", d, d)
        self.count += y.shape[1]
        if self.selector is not None:
            self.selector.add(rows(y))
            return
        self.kept.append(y)
        if self.count * self.m * self.points > self.limit:
            first = [rows(y) for y in self.kept]
            self.kept = []
            rows_count = self.m * self.points
            self.selector = StreamSelector(
                first,
                self.coverage,
                budget=SELECT_BUDGET,
                cells=max(LEVEL1_CELLS // rows_count, 256),
            )

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (mean (m, *points), covariance (m, m, *points)) with divisor M - 1."""
        assert self.shift is not None
        n = self.count
        mean_d = self.sum1 / n
        cov = (self.sum2 - n * mean_d[:, None] * mean_d[None, :]) / max(n - 1, 1)
        return self.shift + mean_d, cov

    def intervals(
        self, replay: Callable[[], Iterator[np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (symmetric, shortest) intervals, each (m, 2, *points), exact order
        statistics of all values; ``replay`` yields the output chunks again if needed."""
        if self.selector is None:
            ordered = np.sort(np.concatenate(self.kept, axis=1), axis=1)
            return sorted_intervals(ordered, self.coverage)
        found = self.selector.intervals(lambda: (rows(y) for y in replay()))
        self.replays = found.replays
        shape = (self.m, *self.shape, 2)
        return (
            np.moveaxis(found.symmetric.reshape(shape), -1, 1),
            np.moveaxis(found.shortest.reshape(shape), -1, 1),
        )

    def region_k(self, p: float, mean: np.ndarray, cov: np.ndarray) -> np.ndarray | None:
        """Return the JCGM 102 7.7.2 hyper-ellipsoid coverage factor per test point, or None.

        For each point, k_p is the square root of the p-quantile of the squared Mahalanobis
        distances (y_r - y)^T V_y^+ (y_r - y) of the kept trials (V_y^+ the pseudo-inverse,
        so a singular covariance measures within its range). Shape ``points`` (0-d for
        scalar inputs); None for one output or beyond ``store_limit`` (no values kept).
        """
        if not self.keep or self.m < 2:
            return None
        y = np.concatenate(self.kept, axis=1).reshape(self.m, self.count, -1)  # (m, M, P)
        d = y - mean.reshape(self.m, 1, -1)
        inverse = np.linalg.pinv(np.moveaxis(cov.reshape(self.m, self.m, -1), -1, 0))  # (P,m,m)
        dist2 = np.einsum("atp,atp->pt", d, np.einsum("pab,btp->atp", inverse, d))  # (P, M)
        q = min(int(p * self.count + 0.5), self.count) - 1
        k2 = np.partition(dist2, q, axis=1)[:, q]
        return np.sqrt(k2).reshape(self.shape)


def expanded_from_interval(low: float, high: float, u: float) -> tuple[float, float | None]:
    """Return (U, k) of a Monte Carlo output: U the half-width of its probabilistically
    symmetric coverage interval ``[low, high]`` (output unit), k = U / u (None when u is 0).

    This is how metrolab states a Monte Carlo result as value ± U for a conformity
    decision and in reports (JCGM 101 7.7 gives the interval; a decision takes U and k).
    """
    half = 0.5 * (float(high) - float(low))
    return half, (half / u if u > 0 else None)


def rows(y: np.ndarray) -> np.ndarray:
    """Return outputs of shape (m, trials, *points) as rows (m x points, trials)."""
    m, t = y.shape[0], y.shape[1]
    if y.ndim == 2:
        return y
    return np.moveaxis(y, 1, -1).reshape(m * int(np.prod(y.shape[2:])), t)


def evaluate_mc(
    model: Model | Callable[..., Any],
    inputs: Mapping[str, Input],
    *,
    correlations: CorrelationSpec = None,
    coverage: float = 0.95,
    trials: int | str = 1_000_000,
    seed: int | None = None,
    output_units: Mapping[str, str] | None = None,
    outputs: tuple[str, ...] | None = None,
    ndig: int = 2,
    max_trials: int = DEFAULT_MAX_TRIALS,
    chunk_values: int = DEFAULT_CHUNK_VALUES,
    store_limit: int = DEFAULT_STORE_LIMIT,
) -> McResult:
    """Return the Monte Carlo evaluation (JCGM 101) of ``model`` for ``inputs``.

    ``trials`` is a number of trials or ``"adaptive"`` (JCGM 101 7.9 with ``ndig``
    significant digits of u(y), at most ``max_trials``). ``seed`` (recorded in the
    result; drawn at random when None) makes the run reproducible. Memory is bounded by
    ``chunk_values`` input samples per chunk, ``store_limit`` kept output values and the
    large-trial path's fixed budget; the coverage intervals are exact order statistics
    of all the trials whatever their number. Correlated inputs are drawn from a
    multivariate normal; non-normal ones among them through a Gaussian copula (the
    correlation of the marginals then differs slightly).

    Raises :class:`~metrolab.uncertainty.errors.NonFiniteOutputError` when a trial makes
    the model NaN or infinite; warns :class:`~metrolab.uncertainty.errors.FewReadingsWarning`
    for a Type A input of 3 readings or fewer and
    :class:`~metrolab.uncertainty.errors.NotConvergedWarning` when the adaptive procedure
    reaches ``max_trials``.
    """
    check_coverage(coverage)
    adaptive = trials == "adaptive"
    if not adaptive and (
        not isinstance(trials, int | np.integer) or isinstance(trials, bool) or trials < 2
    ):
        raise UncertaintyInputError(f"trials must be an integer >= 2 or 'adaptive', got {trials!r}")
    if not adaptive and int(trials) > max(max_trials, DEFAULT_MAX_TRIALS):
        raise UncertaintyInputError(
            f"trials = {trials:,} is more than the {max(max_trials, DEFAULT_MAX_TRIALS):,} "
            "metrolab runs (raise max_trials to allow more, or use 'adaptive')")
    the_model = as_model(model, outputs)
    prep = prepare(the_model, inputs, correlations, output_units)
    _warn_few_readings(prep)
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        seed = int(entropy) % (2**63)  # type: ignore[arg-type]
    points = int(np.prod(prep.shape)) if prep.shape else 1
    m = len(prep.out_names)
    chunk = max(1, chunk_values // (max(len(prep.names), m, 2) * points))
    block = block_size(coverage)
    if adaptive and not (isinstance(max_trials, int | np.integer) and max_trials >= 2 * block):
        raise UncertaintyInputError(
            f"max_trials must allow two blocks of {block} trials for the adaptive procedure "
            f"(JCGM 101 7.9.4), got {max_trials!r}"
        )
    stream = TrialStream(prep, seed, min(chunk, block) if adaptive else chunk)
    acc = _Accumulator(m, prep.shape, store_limit, coverage)
    converged = True
    unstable: tuple[str, ...] = ()
    if adaptive:
        converged, unstable = _adaptive(stream, acc, block, coverage, ndig, max_trials)
    else:
        for y in stream.draw(int(trials)):
            acc.add(y)
    mean, cov = acc.mean_cov()
    sym, short = acc.intervals(stream.replay)
    u = np.sqrt(np.maximum(np.einsum("aa...->a...", cov), 0.0))
    scale = prep.out_scale.reshape((-1,) + (1,) * len(prep.shape))
    offset = prep.out_offset.reshape((-1,) + (1,) * len(prep.shape))
    region = acc.region_k(coverage, mean, cov)
    return McResult(
        **prep.identity(),
        values=(mean - offset) / scale,
        u=u / scale,
        covariance=cov / (scale[:, None] * scale[None, :]),
        interval_symmetric=(sym - offset[:, None]) / scale[:, None],
        interval_shortest=(short - offset[:, None]) / scale[:, None],
        coverage=coverage,
        trials=acc.count,
        seed=seed,
        adaptive=adaptive,
        converged=converged,
        unstable=unstable,
        region_k=region,
        settings={
            "chunk": stream.chunk,
            "ndig": ndig,
            "block": block,
            "samples_kept": acc.keep,
            "replays": acc.replays,
            "generator": "numpy PCG64 (default_rng)",
        },
    )


def _adaptive(
    stream: TrialStream,
    acc: _Accumulator,
    block: int,
    coverage: float,
    ndig: int,
    max_trials: int,
) -> tuple[bool, tuple[str, ...]]:
    """Draw blocks of ``block`` trials into ``acc`` until JCGM 101 7.9.4 says stop.

    Returns (converged, names of the quantities still unstable when the cap was hit).
    """
    spread = BlockSpread()
    unstable = ["value"]
    while acc.count + block <= max_trials:
        chunks = list(stream.draw(block))
        spread.add(block_estimates(np.concatenate(chunks, axis=1), coverage))
        for y in chunks:
            acc.add(y)
        _, cov = acc.mean_cov()
        unstable = spread.unstable(np.sqrt(np.maximum(np.einsum("aa...->a...", cov), 0.0)), ndig)
        if not unstable:
            return True, ()
    warnings.warn(
        f"Monte Carlo: the adaptive procedure stopped at its cap of {acc.count} trials "
        f"before {', '.join(unstable)} reached {ndig} significant digits of u(y) "
        "(JCGM 101 7.9); the results are less precise than asked",
        NotConvergedWarning,
        stacklevel=3,
    )
    return False, tuple(unstable)


def _warn_few_readings(prep: Prepared) -> None:
    """Warn for each Type A input whose t distribution has no finite variance (n <= 3)."""
    for name, inp in zip(prep.names, prep.inputs, strict=True):
        dist = inp.distribution
        if dist.name != "t-scaled" or dist.dof > 2.0:
            continue
        n = None if inp.readings is None else int(inp.readings.shape[-1])
        if n == dist.dof + 1:
            what, advice = f"from {n} readings", "take at least 4 readings, or give pooled_sd"
        else:
            what, advice = f"with {dist.dof:g} degrees of freedom", "give pooled_dof above 2"
        detail = (
            "neither a finite mean nor a finite variance"
            if dist.dof <= 1.0
            else "no finite variance"
        )
        warnings.warn(
            f"input {name!r}: Type A {what}: Monte Carlo draws it from a t distribution with "
            f"{dist.dof:g} degrees of freedom, which has {detail} (JCGM 101 6.4.9 gives a "
            "standard deviation for n > 3 readings only): the Monte Carlo u(y) of every output "
            "it enters grows with the number of trials and means nothing (the coverage "
            f"intervals stay valid); {advice}",
            FewReadingsWarning,
            stacklevel=3,
        )
