"""Monte Carlo of one model file split over Dask: independent streams, merged exactly.

A thin layer over the public :func:`~metrolab.uncertainty.evaluate_mc`. The trials are
cut into streams of ``chunk`` trials; stream j draws from its own seed, spawned from the
run's seed by numpy's ``SeedSequence`` (independent streams; the same seed and chunk
give the same run on any number of workers). Each stream runs the ordinary engine on a
worker, with the model wrapped so the stream sees its own output values (in the
engine's base units), and returns what merges without loss:

- count, mean and co-moment sums (merged pairwise, Chan et al.): the estimate, u and
  the covariance of the outputs as one machine would give them;
- for each end of the probabilistically symmetric interval (JCGM 101 7.7.1), the number
  of values below a window and the values inside it: the window comes from a pilot run
  (its order statistics at the end's rank ± 8 binomial standard deviations), so the
  merged end is the exact order statistic of all the trials; should the rank fall outside
  a window, the streams are replayed from their seeds with wider windows;
- a histogram of 65 536 cells over the pilot's range widened by half on each side: the
  shortest interval (JCGM 101 7.7.2) is found on it, to within one cell (the width is
  reported as ``shortest_resolution``).

What is assumed of the engine: besides evaluations on pint Quantities (to find units)
and on the estimates (0-d arrays), neither counted, it evaluates the model on 1-D float
arrays of trials in base units, each trial once when its values are kept
(``store_limit`` is set to hold a whole stream); the stream checks that it saw exactly
its trials and says so otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError
from metrolab.uncertainty.model import Model
from metrolab.uncertainty.modelfile import ModelSpec, parse_model_text
from metrolab.uncertainty.montecarlo import evaluate_mc
from metrolab.uncertainty.prepare import prepare

#: trials per stream (one Dask task each)
DEFAULT_CHUNK = 2_000_000
#: trials of the pilot run that places the windows and the histogram
PILOT_TRIALS = 100_000
#: cells of the merged histogram (the shortest interval is found to one cell)
CELLS = 65_536
#: half-width of a window, in binomial standard deviations of the pilot's rank
WINDOW_SIGMAS = 8.0


def coverage_ranks(count: int, p: float) -> tuple[int, int]:
    """Return (q, r) of JCGM 101 7.7.1 for ``count`` values and coverage ``p``: the
    symmetric interval is [y_(r), y_(r+q)] (1-based ranks)."""
    q = min(int(p * count + 0.5), count - 1)
    r = max(int((count - q) / 2 + 0.5), 1)
    return q, r


def stream_seeds(seed: int, streams: int) -> tuple[int, ...]:
    """Return ``streams`` independent seeds spawned from ``seed`` (plus the pilot's last)."""
    children = np.random.SeedSequence(seed).spawn(streams + 1)
    return tuple(int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children)


def _observed(spec: ModelSpec, trials: int, seed: int, coverage: float) -> np.ndarray:
    """Return the output values (outputs x trials, base units) of one stream."""
    model = spec.model
    seen: list[np.ndarray] = []

    def observing(**kwargs: Any) -> dict[str, Any]:
        outputs = model(*(kwargs[name] for name in model.input_names))
        trials = max((np.shape(v)[0] for v in kwargs.values()
                      if not isinstance(v, pint.Quantity) and np.ndim(v) >= 1), default=0)
        if trials:  # not the evaluation on Quantities (units) or on the estimates
            seen.append(np.stack([np.broadcast_to(np.asarray(o, dtype=float), (trials,))
                                  for o in outputs]))
        return dict(zip(model.output_names or (), outputs, strict=True))

    if model.output_names is None:  # names come from one evaluation on the estimates
        prepare(model, spec.inputs, spec.correlations or None, spec.output_units)
    wrapped = Model(observing, model.input_names, model.output_names, model.source,
                    model.equations)
    outputs = len(model.output_names or ())
    evaluate_mc(wrapped, spec.inputs, correlations=spec.correlations or None,
                coverage=coverage, trials=trials, seed=seed, output_units=spec.output_units,
                store_limit=trials * outputs + 1)
    values = np.concatenate([v.reshape(outputs, -1) for v in seen], axis=1) if seen \
        else np.empty((outputs, 0))
    if values.shape[1] != trials:
        raise UncertaintyComputationError(
            f"distributed Monte Carlo: the engine evaluated the model on {values.shape[1]} "
            f"trials for a stream of {trials}; it may have changed how it draws trials "
            "(run without --scheduler)")
    return values


@dataclass
class StreamSummary:
    """What one stream returns: count, mean and co-moments (outputs x outputs) of its
    values, per output and interval end the count below the window and the sorted values
    in it, and the histogram counts (under- and overflow first and last)."""

    count: int
    mean: np.ndarray
    comoment: np.ndarray
    below: np.ndarray
    windows: list[list[np.ndarray]]
    histogram: np.ndarray


@dataclass(frozen=True)
class _Layout:
    """Where the streams look: windows (outputs x 2 ends x (low, high)) and histogram edges."""

    windows: np.ndarray
    low: np.ndarray
    high: np.ndarray


def summarise(values: np.ndarray, layout: _Layout) -> StreamSummary:
    """Return the mergeable summary of one stream's values (outputs x trials)."""
    m, n = values.shape
    mean = values.mean(axis=1)
    centred = values - mean[:, None]
    below = np.zeros((m, 2), dtype=np.int64)
    windows: list[list[np.ndarray]] = []
    histogram = np.zeros((m, CELLS + 2), dtype=np.int64)
    for a in range(m):
        row = values[a]
        ends = []
        for end in range(2):
            low, high = layout.windows[a, end]
            below[a, end] = int(np.count_nonzero(row < low))
            ends.append(np.sort(row[(row >= low) & (row <= high)]))
        windows.append(ends)
        cells = np.floor((row - layout.low[a]) / (layout.high[a] - layout.low[a]) * CELLS)
        index = np.clip(cells, -1, CELLS).astype(np.int64) + 1
        histogram[a] = np.bincount(index, minlength=CELLS + 2)
    return StreamSummary(n, mean, centred @ centred.T, below, windows, histogram)


def run_stream(text: str, source: str, coverage: float, layout: _Layout,
               job: tuple[int, int]) -> StreamSummary:
    """Run one stream (trials, seed) of the model file ``text``; return its summary."""
    trials, seed = job
    spec = parse_model_text(text, source)
    return summarise(_observed(spec, trials, seed, coverage), layout)


def _layout(pilot: np.ndarray, total: int, coverage: float, widen: float) -> _Layout:
    """Return windows around the symmetric interval's ends and the histogram's range."""
    m, n = pilot.shape
    ordered = np.sort(pilot, axis=1)
    q, r = coverage_ranks(total, coverage)
    windows = np.empty((m, 2, 2))
    for end, rank in enumerate((r, r + q)):
        fraction = rank / total
        half = widen * (WINDOW_SIGMAS * math.sqrt(n * fraction * (1 - fraction)) + 2)
        first, last = int(fraction * n - half), math.ceil(fraction * n + half)
        windows[:, end, 0] = ordered[:, first] if first > 0 else -np.inf
        windows[:, end, 1] = ordered[:, last] if last < n - 1 else np.inf
    span = ordered[:, -1] - ordered[:, 0]
    span = np.where(span > 0, span, np.maximum(np.abs(ordered[:, 0]), 1.0) * 1e-12)
    return _Layout(windows, ordered[:, 0] - span / 2, ordered[:, -1] + span / 2)


def _merge_moments(parts: list[StreamSummary]) -> tuple[int, np.ndarray, np.ndarray]:
    count, mean, comoment = parts[0].count, parts[0].mean.copy(), parts[0].comoment.copy()
    for part in parts[1:]:
        total = count + part.count
        delta = part.mean - mean
        mean = mean + delta * part.count / total
        comoment = comoment + part.comoment + np.outer(delta, delta) * count * part.count / total
        count = total
    return count, mean, comoment


def _exact_end(parts: list[StreamSummary], a: int, end: int, rank: int) -> float | None:
    below = sum(int(p.below[a, end]) for p in parts)
    inside = np.sort(np.concatenate([p.windows[a][end] for p in parts]))
    if below < rank <= below + inside.size:
        return float(inside[rank - below - 1])
    return None


def _shortest(histogram: np.ndarray, low: float, high: float, q: int) -> tuple[float, float]:
    """Return the shortest run of cells holding at least q + 1 values (cell edges)."""
    edges = np.linspace(low, high, CELLS + 1)
    cumulative = np.concatenate([[0], np.cumsum(histogram[1:-1])]) + histogram[0]
    need = cumulative[:-1] + q + 1  # values from the start of cell i on
    ends = np.searchsorted(cumulative, need, side="left")  # first edge index reaching it
    valid = ends <= CELLS
    widths = np.where(valid, edges[np.minimum(ends, CELLS)] - edges[:-1], np.inf)
    best = int(np.argmin(widths))
    return float(edges[best]), float(edges[min(int(ends[best]), CELLS)])


@dataclass
class DistributedMcResult:
    """A Monte Carlo evaluation merged from streams: the fields ``metrolab uncertainty``
    reports of a :class:`~metrolab.uncertainty.McResult` (values, u, covariance and the
    two intervals per output, in the outputs' units), and ``settings`` (streams, chunk,
    scheduler, pilot, shortest_resolution per output)."""

    output_names: tuple[str, ...]
    values: np.ndarray
    u: np.ndarray
    covariance: np.ndarray
    interval_symmetric: np.ndarray
    interval_shortest: np.ndarray
    coverage: float
    trials: int
    seed: int
    adaptive: bool = False
    converged: bool = True
    settings: dict[str, Any] = field(default_factory=dict)
    #: a fixed number of trials: no quantity is judged, none is left unstable
    unstable: tuple[str, ...] = ()

    @property
    def correlation(self) -> np.ndarray:
        """Return the correlation matrix of the outputs."""
        scale = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.covariance / np.outer(scale, scale)


Mapper = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


def evaluate_mc_distributed(text: str, source: str, *, trials: int, seed: int | None,
                            coverage: float, mapper: Mapper,
                            chunk: int = DEFAULT_CHUNK, scheduler: str = "") -> DistributedMcResult:
    """Return the Monte Carlo evaluation of the model file ``text`` over ``trials``
    trials, its streams run by ``mapper(function, jobs)`` (e.g. :func:`metrolab.cluster.run_map`).

    Raises :class:`UncertaintyInputError` for a model of several test points or fewer
    than two trials, and :class:`UncertaintyComputationError` when the engine does not
    behave as this layer assumes (module doc).
    """
    spec = parse_model_text(text, source)
    if not isinstance(trials, int) or trials < 2:
        raise UncertaintyInputError(f"distributed Monte Carlo needs a number of trials >= 2, "
                                    f"not {trials!r}")
    prep = prepare(spec.model, spec.inputs, spec.correlations or None, spec.output_units)
    if prep.shape not in ((), (1,)):
        raise UncertaintyInputError("distributed Monte Carlo takes a model of one test point")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy) % (2**63)  # type: ignore[arg-type]
    chunk = max(2, min(chunk, trials))
    sizes = [chunk] * (trials // chunk)
    if trials % chunk:
        sizes.append(trials % chunk)
    if len(sizes) > 1 and sizes[-1] < 2:
        sizes[-2] += sizes.pop()
    seeds = stream_seeds(seed, len(sizes))
    jobs = list(zip(sizes, seeds[:-1], strict=True))
    pilot = _observed(spec, min(PILOT_TRIALS, max(trials, 1000)), seeds[-1], coverage)
    q, r = coverage_ranks(trials, coverage)
    widen, attempts = 1.0, 0
    for attempts in range(1, 5):  # noqa: B007 - the count is reported
        layout = _layout(pilot, trials, coverage, widen)
        parts = mapper(partial(run_stream, text, source, coverage, layout), jobs)
        m = parts[0].mean.size
        ends = [[_exact_end(parts, a, end, rank) for end, rank in enumerate((r, r + q))]
                for a in range(m)]
        if all(e is not None for row in ends for e in row):
            break
        widen *= 4.0
    else:
        raise UncertaintyComputationError(
            "distributed Monte Carlo: the coverage interval's ends fell outside the windows "
            "four times; run without --scheduler")
    count, mean, comoment = _merge_moments(parts)
    histogram = np.sum([p.histogram for p in parts], axis=0)
    scale = prep.out_scale.reshape(-1)
    offset = prep.out_offset.reshape(-1)
    symmetric = (np.asarray(ends, dtype=float) - offset[:, None]) / scale[:, None]
    shortest = np.array([_shortest(histogram[a], layout.low[a], layout.high[a], q)
                         for a in range(m)])
    resolution = (layout.high - layout.low) / CELLS / scale
    covariance = comoment / max(count - 1, 1) / np.outer(scale, scale)
    return DistributedMcResult(
        output_names=tuple(prep.out_names), values=(mean - offset) / scale,
        u=np.sqrt(np.maximum(np.diag(covariance), 0.0)), covariance=covariance,
        interval_symmetric=symmetric,
        interval_shortest=(shortest - offset[:, None]) / scale[:, None],
        coverage=coverage, trials=count, seed=seed,
        settings={"streams": len(jobs), "chunk": chunk, "scheduler": scheduler or "local",
                  "pilot_trials": int(pilot.shape[1]), "window_attempts": attempts,
                  "shortest_resolution": resolution.tolist(),
                  "generator": "numpy PCG64 (default_rng), one SeedSequence child per stream"})
