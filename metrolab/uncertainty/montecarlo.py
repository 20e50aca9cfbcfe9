"""Propagation of distributions by Monte Carlo (JCGM 101:2008; JCGM 102:2011 for several outputs).

Trials are drawn in chunks so memory stays bounded: the mean and covariance are
accumulated as the chunks pass, and the output values are either kept (small runs: exact
order statistics, JCGM 101 7.7) or binned into a fine histogram whose size does not grow
with the number of trials (large runs). The adaptive procedure of JCGM 101 7.9 draws
blocks of M trials until twice the standard deviation of the block estimates of y, u(y)
and both interval endpoints is below the numerical tolerance of u(y) (7.9.2, 7.9.4).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrolab.uncertainty.errors import (
    NotConvergedWarning,
    UncertaintyComputationError,
    UncertaintyInputError,
)
from metrolab.uncertainty.gum import check_coverage, correlated_blocks
from metrolab.uncertainty.inputs import Input
from metrolab.uncertainty.model import Model, as_model
from metrolab.uncertainty.prepare import CorrelationSpec, Prepared, prepare
from metrolab.uncertainty.results import EvaluationRecord, plain, unit_text

#: values of all outputs x points x trials kept in memory before switching to histograms
DEFAULT_STORE_LIMIT = 4_000_000
#: input samples drawn per chunk (all inputs x points x trials)
DEFAULT_CHUNK_VALUES = 2_000_000
#: cap of the adaptive procedure
DEFAULT_MAX_TRIALS = 100_000_000


@dataclass(kw_only=True)
class McResult(EvaluationRecord):
    """A Monte Carlo evaluation; arrays have outputs first and test points trailing.

    ``interval_symmetric`` and ``interval_shortest`` have shape (outputs, 2, *points);
    ``region_k`` holds the JCGM 102 7.7.2 hyper-ellipsoidal coverage factor of each test
    point (several outputs, trials kept: up to ``store_limit`` output values) or None.
    ``seed`` reproduces the run with the same ``chunk`` and trials.
    """

    interval_symmetric: np.ndarray
    interval_shortest: np.ndarray
    trials: int
    seed: int
    adaptive: bool
    converged: bool
    region_k: np.ndarray | None

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
        }
        return self.record("mc", outputs, details, self.region_k)


class _Sampler:
    """Draws chunks of input samples (working units), correlated blocks via a Gaussian copula."""

    def __init__(self, prep: Prepared, rng: np.random.Generator) -> None:
        self.prep = prep
        self.rng = rng
        self.blocks = correlated_blocks(len(prep.names), prep.correlation)
        self.roots: dict[int, np.ndarray] = {}
        corr = prep.correlation
        for b, members in enumerate(self.blocks):
            if len(members) > 1 and corr is not None:
                sub = corr[np.ix_(members, members)]
                w, v = np.linalg.eigh(sub)
                self.roots[b] = v * np.sqrt(np.clip(w, 0.0, None))

    def draw(self, count: int) -> list[np.ndarray]:
        """Return one array of ``count`` x points samples per input."""
        prep, shape = self.prep, self.prep.shape
        samples: list[np.ndarray] = [np.empty(0)] * len(prep.names)
        for b, members in enumerate(self.blocks):
            if len(members) == 1:
                i = members[0]
                dist = prep.inputs[i].distribution
                samples[i] = dist.draw(self.rng, prep.x[i], prep.u[i], (count, *shape))
                continue
            from scipy.special import ndtr

            normal = self.rng.standard_normal((count, *shape, len(members))) @ self.roots[b].T
            for col, i in enumerate(members):
                dist = prep.inputs[i].distribution
                z = normal[..., col]
                if not dist.is_normal:
                    z = dist.ppf(np.clip(ndtr(z), 1e-300, 1.0 - 1e-16))
                samples[i] = prep.x[i] + prep.u[i] * z
        return samples


class _Accumulator:
    """Streaming mean/covariance, with the output samples kept while they fit.

    Samples are kept (exact order statistics) until more than ``limit`` values would be
    held; then they are moved, chunk by chunk, into fixed-size histograms whose range
    comes from the samples seen so far, and later chunks are binned as they arrive.
    """

    def __init__(self, m: int, shape: tuple[int, ...], limit: int, bins: int) -> None:
        self.m, self.shape, self.limit, self.bins = m, shape, limit, bins
        self.points = int(np.prod(shape)) if shape else 1
        self.keep = True
        self.count = 0
        self.shift: np.ndarray | None = None
        self.sum1 = np.zeros((m, *shape))
        self.sum2 = np.zeros((m, m, *shape))
        self.kept: list[np.ndarray] = []
        self.lo: np.ndarray | None = None
        self.width: np.ndarray | None = None
        self.counts: np.ndarray | None = None

    def add(self, y: np.ndarray) -> None:
        """Add a chunk of outputs of shape (m, trials, *points)."""
        if self.shift is None:
            self.shift = y.mean(axis=1)
        d = y - self.shift[:, None]
        self.sum1 += d.sum(axis=1)
        self.sum2 += np.einsum("at...,bt...->ab...", d, d)
        self.count += y.shape[1]
        if not self.keep:
            self._bin(y)
            return
        self.kept.append(y)
        if self.count * self.m * self.points > self.limit:
            self._switch_to_histograms()

    def _switch_to_histograms(self) -> None:
        ymin = np.min([k.min(axis=1) for k in self.kept], axis=0)
        ymax = np.max([k.max(axis=1) for k in self.kept], axis=0)
        span = np.where(ymax > ymin, ymax - ymin, np.abs(ymax) * 1e-12 + 1e-300)
        self.lo = ymin - 0.5 * span
        self.width = 2.0 * span / self.bins
        self.counts = np.zeros((self.m, *self.shape, self.bins + 2), dtype=np.int64)
        self.keep = False
        while self.kept:
            self._bin(self.kept.pop())

    def _bin(self, y: np.ndarray) -> None:
        assert self.lo is not None and self.width is not None and self.counts is not None
        idx = np.floor((y - self.lo[:, None]) / self.width[:, None]) + 1
        idx = np.clip(idx, 0, self.bins + 1).astype(np.int64)
        rows = np.arange(int(np.prod(self.counts.shape[:-1]))).reshape((self.m, 1, *self.shape))
        flat = (rows * (self.bins + 2) + idx).ravel()
        self.counts += np.bincount(flat, minlength=self.counts.size).reshape(self.counts.shape)

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (mean (m, *points), covariance (m, m, *points)) with divisor M - 1."""
        assert self.shift is not None
        n = self.count
        mean_d = self.sum1 / n
        cov = (self.sum2 - n * mean_d[:, None] * mean_d[None, :]) / max(n - 1, 1)
        return self.shift + mean_d, cov

    def intervals(self, p: float) -> tuple[np.ndarray, np.ndarray]:
        """Return (symmetric, shortest) intervals, each (m, 2, *points)."""
        if self.keep:
            ordered = np.sort(np.concatenate(self.kept, axis=1), axis=1)
            return sorted_intervals(ordered, p)
        return self._histogram_intervals(p)

    def _histogram_intervals(self, p: float) -> tuple[np.ndarray, np.ndarray]:
        assert self.counts is not None and self.lo is not None and self.width is not None
        counts = self.counts
        outside = counts[..., 0] + counts[..., -1]
        if np.any(outside > 0.25 * (1.0 - p) * self.count):
            raise UncertaintyComputationError(
                "Monte Carlo: the output distribution has tails far beyond the range of the "
                "trials kept before binning; raise store_limit or run fewer trials"
            )
        cdf = np.cumsum(counts, axis=-1) / self.count  # cdf at the upper edge of each bin
        rows = cdf.reshape(-1, cdf.shape[-1])
        lo = self.lo.reshape(-1)
        width = self.width.reshape(-1)

        def quantile(probs: np.ndarray) -> np.ndarray:
            """Return the quantiles at ``probs`` of every row (output x point), interpolated."""
            # vectorised search over rows: offset each row's cdf by its row number
            nrow = rows.shape[0]
            offset = np.arange(nrow)[:, None]
            edges = (rows + 2.0 * offset).ravel()
            targets = (probs[None, :] + 2.0 * offset).ravel()
            pos = np.searchsorted(edges, targets).reshape(nrow, -1) - offset * rows.shape[1]
            pos = np.clip(pos, 1, rows.shape[1] - 2)
            upper = np.take_along_axis(rows, pos, axis=1)
            lower = np.take_along_axis(rows, pos - 1, axis=1)
            frac = np.where(
                upper > lower,
                (probs[None, :] - lower) / np.where(upper > lower, upper - lower, 1.0),
                0.5,
            )
            # bin pos (1-based among inner bins) spans lo + (pos-1) w .. lo + pos w
            return lo[:, None] + (pos - 1 + np.clip(frac, 0.0, 1.0)) * width[:, None]

        sym = quantile(np.array([0.5 * (1.0 - p), 0.5 * (1.0 + p)]))
        grid = np.linspace(0.0, 1.0 - p, 2001)
        q_lo, q_hi = quantile(grid), quantile(grid + p)
        best = np.argmin(q_hi - q_lo, axis=1)
        short = np.stack(
            [q_lo[np.arange(len(best)), best], q_hi[np.arange(len(best)), best]], axis=1
        )
        target_shape = (self.m, *self.shape, 2)
        return (
            np.moveaxis(sym.reshape(target_shape), -1, 1),
            np.moveaxis(short.reshape(target_shape), -1, 1),
        )

    def region_k(self, p: float, mean: np.ndarray, cov: np.ndarray) -> np.ndarray | None:
        """Return the JCGM 102 7.7.2 hyper-ellipsoid coverage factor per test point, or None.

        For each point, k_p is the square root of the p-quantile of the squared Mahalanobis
        distances (y_r - y)^T V_y^+ (y_r - y) of the kept trials (V_y^+ the pseudo-inverse,
        so a singular covariance measures within its range). Shape ``points`` (0-d for
        scalar inputs); None for one output or when the trials were binned (no samples).
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


def sorted_intervals(ordered: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (probabilistically symmetric, shortest) intervals from sorted samples.

    ``ordered`` has shape (m, M, *points), sorted along axis 1. JCGM 101 7.7.1-7.7.2:
    q = pM (rounded), the symmetric interval is [y_(r), y_(r+q)] with r = (M - q)/2 rounded,
    the shortest the one of least length among [y_(r), y_(r+q)], r = 1 .. M - q.
    Each result has shape (m, 2, *points).
    """
    big_m = ordered.shape[1]
    q = min(int(p * big_m + 0.5), big_m - 1)
    r = max(int((big_m - q) / 2 + 0.5), 1)
    sym = np.stack([ordered[:, r - 1], ordered[:, r - 1 + q]], axis=1)
    widths = ordered[:, q:] - ordered[:, : big_m - q]
    best = np.argmin(widths, axis=1)[:, None]
    low = np.take_along_axis(ordered, best, axis=1)[:, 0]
    high = np.take_along_axis(ordered, best + q, axis=1)[:, 0]
    return sym, np.stack([low, high], axis=1)


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
    ``chunk_values`` input samples per chunk and ``store_limit`` kept output values.
    Correlated inputs are drawn from a multivariate normal; non-normal ones among them
    through a Gaussian copula (the correlation of the marginals then differs slightly).
    """
    check_coverage(coverage)
    adaptive = trials == "adaptive"
    if not adaptive and (
        not isinstance(trials, int | np.integer) or isinstance(trials, bool) or trials < 2
    ):
        raise UncertaintyInputError(f"trials must be an integer >= 2 or 'adaptive', got {trials!r}")
    the_model = as_model(model, outputs)
    prep = prepare(the_model, inputs, correlations, output_units)
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        seed = int(entropy) % (2**63)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    sampler = _Sampler(prep, rng)
    points = int(np.prod(prep.shape)) if prep.shape else 1
    m = len(prep.out_names)
    chunk = max(1, chunk_values // (max(len(prep.names), m, 1) * points))
    block = max(math.ceil(100.0 / (1.0 - coverage)), 10_000)

    def run(count: int, acc: _Accumulator) -> None:
        """Draw ``count`` trials chunk by chunk into ``acc``."""
        done = 0
        while done < count:
            c = min(chunk, count - done)
            acc.add(_outputs(prep, sampler.draw(c)))
            done += c

    bins = int(min(65536, max(1024, store_limit // (m * points))))
    acc = _Accumulator(m, prep.shape, store_limit, bins)
    converged = True
    if adaptive:
        estimates: list[np.ndarray] = []
        converged = False
        while acc.count + block <= max_trials:
            part = _Accumulator(m, prep.shape, block * m * points, bins)
            run(block, part)
            mean, cov = part.mean_cov()
            sym, _ = part.intervals(coverage)
            estimates.append(
                np.stack([mean, np.sqrt(np.einsum("aa...->a...", cov)), sym[:, 0], sym[:, 1]])
            )
            for y in part.kept:
                acc.add(y)
            if len(estimates) >= 2 and _stable(np.stack(estimates), acc, ndig):
                converged = True
                break
        if not converged:
            warnings.warn(
                f"Monte Carlo: the adaptive procedure did not reach {ndig} significant digits "
                f"of u(y) within {acc.count} trials; results are less precise than asked",
                NotConvergedWarning,
                stacklevel=2,
            )
    else:
        run(int(trials), acc)
    mean, cov = acc.mean_cov()
    if not np.all(np.isfinite(mean)):
        raise UncertaintyComputationError(
            "Monte Carlo: the model returned NaN or infinity for some trials"
        )
    sym, short = acc.intervals(coverage)
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
        region_k=region,
        settings={
            "chunk": chunk,
            "ndig": ndig,
            "block": block,
            "samples_kept": acc.keep,
            "generator": "numpy PCG64 (default_rng)",
        },
    )


def _outputs(prep: Prepared, samples: list[np.ndarray]) -> np.ndarray:
    """Return the model outputs for one chunk, shape (m, trials, *points), working units."""
    count = samples[0].shape[0] if samples else 1
    with np.errstate(all="ignore"):
        out = prep.model(*samples)
    return np.stack([np.broadcast_to(o, (count, *prep.shape)) for o in out])


def _stable(estimates: np.ndarray, acc: _Accumulator, ndig: int) -> bool:
    """Return True when JCGM 101 7.9.4 says the adaptive procedure may stop.

    ``estimates`` has shape (h, 4, m, *points): block values of y, u(y), y_low, y_high.
    """
    h = estimates.shape[0]
    spread = 2.0 * estimates.std(axis=0, ddof=1) / math.sqrt(h)
    _, cov = acc.mean_cov()
    u = np.sqrt(np.maximum(np.einsum("aa...->a...", cov), 0.0))
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log10(np.where(u > 0, u, 1.0))) - (ndig - 1)
    delta = 0.5 * 10.0**exponent
    return bool(np.all(np.where(u > 0, spread <= delta[None], True)))
