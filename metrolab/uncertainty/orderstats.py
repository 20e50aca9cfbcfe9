"""Exact order statistics of a long stream of values, in memory that does not grow with it.

JCGM 101 7.7 defines the coverage intervals by order statistics of the M model values:
with q = pM rounded, the probabilistically symmetric interval is [y_(r), y_(r+q)] with
r = (M - q)/2 rounded, the shortest the one of least length y_(s+q) - y_(s). Sorting
needs all M values; this module finds the same order statistics, bit for bit, while the
values stream past in chunks and only a bounded number of them is ever held:

1. Every float gets an unsigned 64-bit key whose order is the order of the floats
   (:func:`float_keys`), so a range of keys is a range of values with exact float bounds.
2. Each value is counted in one cell of a partition of key space, set up from the first
   values (:class:`Level1Grid`: an even grid of cells across the bulk of the
   distribution and two outer cells reaching to the extremes). The counts are exact, so
   for every rank the cell that holds that order statistic is known, and for every
   candidate shortest interval so are a lower and an upper bound of its length.
3. Only the cells that can hold an interval end matter: those that hold the two ranks
   of the symmetric interval, and those of every candidate shortest interval whose
   lower bound does not exceed the best upper bound. Their values are kept; the widths
   there are computed exactly; every other candidate is ruled out by its bounds.
4. The cells needed are first guessed from the first values and kept as the stream goes
   past (usually enough). If they were not kept, the caller replays the stream (Monte
   Carlo regenerates the same draws from its seed) and the needed cells are kept in
   slabs that fit the budget; a cell too full to keep is split into finer cells by
   counting again. Every replay re-counts what it keeps and refuses a stream that
   changed (a model that is not a function of its inputs).

There is no approximation anywhere: results equal ``numpy.sort`` of all the values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from metrolab.uncertainty.errors import UncertaintyComputationError

_SIGN = np.int64(-(2**63))
_U64_MAX = 2**64 - 1
#: largest number of replays before the selection gives up (it needs 0 to 3 in practice)
MAX_REPLAYS = 64
#: most key ranges kept per row in one replay
_KEEP_SLOTS = 6
#: most cells split per row in one replay, and the finer cells each is split into
_SPLIT_SLOTS = 2
_SPLIT_CELLS = 65536
#: the row indices of kept values when there is one row (not stored)
_NO_ROWS = np.zeros(0, dtype=np.int32)


def float_keys(values: np.ndarray) -> np.ndarray:
    """Return uint64 keys of float64 ``values`` whose unsigned order is the values' order.

    Negative floats have all their bits flipped and non-negative ones their sign bit
    set, so -inf < ... < 0.0 < ... < +inf map to increasing keys; -0.0 (equal to 0.0)
    gets the key of 0.0. Dimensionless.
    """
    bits = np.add(values, 0.0, dtype=np.float64).view(np.int64)  # -0.0 + 0.0 is +0.0
    mask = bits >> 63
    mask |= _SIGN
    mask ^= bits
    return mask.view(np.uint64)


def key_floats(keys: np.ndarray) -> np.ndarray:
    """Return the float64 values whose :func:`float_keys` are ``keys`` (its inverse)."""
    bits = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
    return (bits ^ (~(bits >> 63) | _SIGN)).view(np.float64)


def _key(value: float) -> int:
    """Return the key of one float as a Python int."""
    return int(float_keys(np.array([value]))[0])


def _value(key: int) -> float:
    """Return the float whose key is ``key``."""
    return float(key_floats(np.array([key], dtype=np.uint64))[0])


def coverage_ranks(count: int, p: float) -> tuple[int, int]:
    """Return (q, r) of JCGM 101 7.7 for ``count`` values and coverage probability ``p``.

    q = pM rounded (at most M - 1) values lie in a coverage interval; the symmetric one is
    [y_(r), y_(r+q)] with r = (M - q)/2 rounded, at least 1 (1-based ranks).
    """
    q = min(int(p * count + 0.5), count - 1)
    r = max(int((count - q) / 2 + 0.5), 1)
    return q, r


def sorted_intervals(ordered: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (probabilistically symmetric, shortest) intervals from sorted samples.

    ``ordered`` has shape (m, M, *points), sorted along axis 1. JCGM 101 7.7.1-7.7.2
    (:func:`coverage_ranks`); the shortest interval is the first of least length among
    [y_(s), y_(s+q)], s = 1 .. M - q. Each result has shape (m, 2, *points), in the
    values' unit.
    """
    big_m = ordered.shape[1]
    q, r = coverage_ranks(big_m, p)
    sym = np.stack([ordered[:, r - 1], ordered[:, r - 1 + q]], axis=1)
    widths = ordered[:, q:] - ordered[:, : big_m - q]
    best = np.argmin(widths, axis=1)[:, None]
    low = np.take_along_axis(ordered, best, axis=1)[:, 0]
    high = np.take_along_axis(ordered, best + q, axis=1)[:, 0]
    return sym, np.stack([low, high], axis=1)


class StreamChangedError(UncertaintyComputationError):
    """A replayed stream differed from the first pass (the model is not a function of its
    inputs: it draws its own random numbers or keeps state between calls)."""


# --- the first partition of key space -------------------------------------------------------


class Level1Grid:
    """Per row, an even grid of cells over the key range of the bulk of the values.

    Built from a sorted sample of each row (shape (rows, S)): the grid spans the sample's
    0.05 % to 99.95 % quantiles widened by half their distance on each side. When that
    window straddles zero, the keys of the values within 10^-6 of the window's size of
    zero are merged into one central cell, so the cells are spent on the magnitudes that
    occur rather than on the ~2000 binades of tiny floats. Cell 0 holds everything below
    the grid and the last cell everything above; cells are numbered in value order.
    """

    def __init__(self, ordered: np.ndarray, cells: int) -> None:
        rows, size = ordered.shape
        bits = max(1, cells.bit_length() - 1)  # at most 2**bits <= cells grid cells
        self.low = np.zeros(rows, dtype=np.uint64)
        self.shift = np.zeros(rows, dtype=np.uint64)
        self.top = np.zeros(rows, dtype=np.uint64)  # index of the overflow cell
        self.mid_low = np.full(rows, _U64_MAX, dtype=np.uint64)
        self.mid_high = np.full(rows, _U64_MAX, dtype=np.uint64)
        self.gap = np.zeros(rows, dtype=np.uint64)
        for i in range(rows):
            lo_v = float(ordered[i, int(0.0005 * (size - 1))])
            hi_v = float(ordered[i, math.ceil(0.9995 * (size - 1))])
            half = 0.5 * (hi_v - lo_v)
            a, b = (lo_v - half, hi_v + half) if math.isfinite(half) else (-1e300, 1e300)
            a, b = (min(max(v, -1e300), 1e300) for v in (a, b))
            if a < 0.0 < b:
                tiny = 1e-6 * max(-a, b)
                self.mid_low[i], self.mid_high[i] = _key(-tiny), _key(tiny)
                self.gap[i] = self.mid_high[i] - self.mid_low[i]
            klo, khi = self._merge(_key(a), i), self._merge(_key(b), i)
            width = khi - klo + 1
            shift = max(0, (width - 1).bit_length() - bits)
            self.low[i], self.shift[i] = klo, shift
            self.top[i] = ((width - 1) >> shift) + 2

    def _merge(self, key: int, row: int) -> int:
        """Return ``key`` with the central keys of ``row`` merged into one."""
        mid_low, mid_high = int(self.mid_low[row]), int(self.mid_high[row])
        if key > mid_high:
            return key - (mid_high - mid_low)
        return min(key, mid_low)

    def cells(self, keys: np.ndarray) -> np.ndarray:
        """Return the cell index of every key (int64, shape of ``keys``: (rows, t))."""
        col = (slice(None), None)
        low = self.low[col]
        if np.any(self.gap):  # merge the central keys: k - min(max(k, mid_low) - mid_low, gap)
            index = np.maximum(keys, self.mid_low[col])
            index -= self.mid_low[col]
            np.minimum(index, self.gap[col], out=index)
            np.subtract(keys, index, out=index)
            below = index < low
            index -= low
        else:
            below = keys < low
            index = keys - low
        index >>= self.shift[col]
        index += np.uint64(1)
        np.minimum(index, self.top[col], out=index)
        index[below] = 0
        return index.view(np.int64)

    def edges(self, row: int) -> np.ndarray:
        """Return the start key of each cell of ``row`` (uint64, ascending, first 0)."""
        top, shift, low = int(self.top[row]), int(self.shift[row]), int(self.low[row])
        steps = np.arange(top - 1, dtype=np.uint64) << np.uint64(shift)
        starts = self.low[row] + steps  # grid cells: within the window, no overflow
        starts = np.where(starts > self.mid_low[row], starts + self.gap[row], starts)
        over = low + ((top - 1) << shift)
        if over > int(self.mid_low[row]):
            over += int(self.gap[row])
        over = min(over, _U64_MAX)  # beyond every float: the overflow cell is empty
        return np.concatenate([np.zeros(1, dtype=np.uint64), starts, [np.uint64(over)]])


# --- what is known of one row ---------------------------------------------------------------


@dataclass
class _Run:
    """All the values of one row whose keys lie in [klo, khi] (whole cells), sorted."""

    klo: int
    khi: int
    values: np.ndarray


@dataclass
class _Row:
    """The partition of one row's key space with exact counts, and what is settled."""

    edges: np.ndarray  # uint64 start key of each cell, ascending
    counts: np.ndarray  # int64 values per cell
    low: np.ndarray  # uint64 key of each cell's least value, or a lower bound of it
    high: np.ndarray  # uint64 key of each cell's greatest value, or an upper bound
    runs: list[_Run] = field(default_factory=list)
    sym: list[float | None] = field(default_factory=lambda: [None, None])
    best: tuple[float, int, float, float] | None = None  # width, lower rank, low, high
    evaluated: list[tuple[int, int]] = field(default_factory=list)  # lower ranks [a, b)

    def end(self, cell: int) -> int:
        """Return the last key of ``cell``."""
        return int(self.edges[cell + 1]) - 1 if cell + 1 < len(self.edges) else _U64_MAX


@dataclass(frozen=True)
class _Request:
    """Keep the values with keys in [klo, khi] (``split`` 0), or count them in ``split``
    finer cells of 2**shift keys from klo; ``expected`` values lie there."""

    klo: int
    khi: int
    expected: int
    split: int = 0
    shift: int = 0


class _View:
    """Arrays derived from a row for one planning step."""

    def __init__(self, row: _Row) -> None:
        self.row = row
        counts = row.counts
        self.cum = np.cumsum(counts)
        self.starts = self.cum - counts
        self.lo_key, self.hi_key = row.low, row.high
        self.point = (self.lo_key == self.hi_key) & (counts > 0)
        self.run_of = np.full(len(counts), -1, dtype=np.int64)
        self.run_start: list[int] = []
        for j, run in enumerate(row.runs):
            a = int(np.searchsorted(row.edges, np.uint64(run.klo)))
            b = int(np.searchsorted(row.edges, np.uint64(run.khi), side="right")) - 1
            self.run_of[a : b + 1] = j
            self.run_start.append(int(self.starts[a]))
        self.known = (self.run_of >= 0) | self.point

    def cell(self, ranks: np.ndarray) -> np.ndarray:
        """Return the cell holding each 0-based rank."""
        return np.searchsorted(self.cum, ranks, side="right")

    def value(self, rank: int) -> float | None:
        """Return the order statistic of 0-based ``rank`` when known, else None."""
        c = int(self.cell(np.array([rank]))[0])
        if not self.known[c]:
            return None
        return float(self.values(c, rank, rank + 1)[0])

    def values(self, cell: int, first: int, stop: int) -> np.ndarray:
        """Return the order statistics of ranks [first, stop), all in the known ``cell``
        (or in the run that holds it)."""
        j = int(self.run_of[cell])
        if j >= 0:
            start = self.run_start[j]
            return self.row.runs[j].values[first - start : stop - start]
        return np.full(stop - first, _value(int(self.lo_key[cell])))


def _plan(row: _Row, total: int, p: float, budget: int) -> tuple[list[_Request], list[_Request]]:
    """Settle what the known cells of ``row`` allow; return what to fetch next.

    Returns (keep requests, split requests), both empty when both intervals are settled.
    ``budget`` is the number of values the next replay may keep for this row.
    """
    q, r = coverage_ranks(total, p)
    view = _View(row)
    needed: list[int] = []
    for i, rank in enumerate((r - 1, r - 1 + q)):
        if row.sym[i] is None:
            row.sym[i] = view.value(rank)
            if row.sym[i] is None:
                needed.append(int(view.cell(np.array([rank]))[0]))
    start, cl, cu, lower, upper, fresh = _segments(view, total, q)
    both = view.known[cl] & view.known[cu]
    _evaluate(row, view, q, start, total - q, cl, cu, both & fresh)
    bound = min(float(np.min(upper)), row.best[0] if row.best else math.inf)
    still = fresh & ~both & (lower <= bound)
    pairs = np.stack([cl[still], cu[still]], axis=1)
    pairs = np.where(view.known[pairs], -1, pairs).ravel()
    needed.extend(pairs[pairs >= 0].tolist())
    used = set(view.run_of[cl[still]].tolist()) | set(view.run_of[cu[still]].tolist())
    row.runs = [run for j, run in enumerate(row.runs) if j in used]
    if not needed:
        return [], []
    return _requests(row, view, list(dict.fromkeys(needed)), budget)


def _segments(
    view: _View, total: int, q: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the lower ranks [0, M - q) where the cell of y_(s) or of y_(s+q) changes.

    Returns per segment: its first rank, the cells of its lower and upper ends, a lower
    and an upper bound of the widths y_(s+q) - y_(s) in it, and whether its widths are
    still to be evaluated.
    """
    limit = total - q
    nonempty = view.starts[view.row.counts > 0]
    breaks = np.concatenate([[0], nonempty, nonempty - q])
    start = np.unique(breaks[(breaks >= 0) & (breaks < limit)])
    cl, cu = view.cell(start), view.cell(start + q)
    with np.errstate(over="ignore", invalid="ignore"):
        lower = key_floats(view.lo_key[cu]) - key_floats(view.hi_key[cl])
        upper = key_floats(view.hi_key[cu]) - key_floats(view.lo_key[cl])
    fresh = np.ones(len(start), dtype=bool)
    if view.row.evaluated:
        done = np.array(view.row.evaluated, dtype=np.int64)
        at = np.searchsorted(done[:, 0], start, side="right") - 1
        fresh = ~((at >= 0) & (start < done[np.maximum(at, 0), 1]))
    return start, cl, cu, lower, upper, fresh


def _evaluate(
    row: _Row,
    view: _View,
    q: int,
    start: np.ndarray,
    limit: int,
    cl: np.ndarray,
    cu: np.ndarray,
    todo: np.ndarray,
) -> None:
    """Compute the exact widths over the segments ``todo`` and keep the first least one.

    Neighbouring segments whose both ends lie in the same two kept runs are taken together.
    """
    index = np.flatnonzero(todo)
    if not len(index):
        return
    stop = np.append(start[1:], limit)
    src_l = np.where(view.run_of[cl] >= 0, view.run_of[cl], -2 - cl)[index]
    src_u = np.where(view.run_of[cu] >= 0, view.run_of[cu], -2 - cu)[index]
    joined = (np.diff(index) == 1) & (src_l[1:] == src_l[:-1]) & (src_u[1:] == src_u[:-1])
    joined &= (src_l[1:] >= 0) & (src_u[1:] >= 0)
    heads = np.flatnonzero(np.concatenate([[True], ~joined]))
    tails = np.append(heads[1:], len(index)) - 1
    for h, t in zip(index[heads].tolist(), index[tails].tolist(), strict=True):
        s, e, c_low, c_up = int(start[h]), int(stop[t]), int(cl[h]), int(cu[h])
        constant = view.run_of[c_low] < 0 and view.run_of[c_up] < 0  # two cells of equal values
        e_eval = s + 1 if constant else e  # then the first rank is the first least
        lows = view.values(c_low, s, e_eval)
        highs = view.values(c_up, s + q, e_eval + q)
        with np.errstate(over="ignore", invalid="ignore"):
            widths = highs - lows
        k = int(np.argmin(widths))
        width = float(widths[k])
        if row.best is None or (width, s + k) < (row.best[0], row.best[1]):
            row.best = (width, s + k, float(lows[k]), float(highs[k]))
        row.evaluated.append((s, e))
    row.evaluated = _merged(row.evaluated)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return sorted, merged half-open ranges."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _requests(
    row: _Row, view: _View, needed: list[int], budget: int
) -> tuple[list[_Request], list[_Request]]:
    """Return (keep, split) requests for the ``needed`` cells, most urgent first.

    Cells that fit are kept, as spans of neighbouring cells, while their values fit
    ``budget``; a cell with more values than ``budget`` is split into finer cells.
    """
    counts = row.counts
    splits: list[_Request] = []
    chosen: list[int] = []
    room = budget
    for c in needed:
        n = int(counts[c])
        if n > budget:
            if len(splits) < _SPLIT_SLOTS:
                splits.append(_split_request(row, view, c))
        elif n <= room:
            chosen.append(c)
            room -= n
    spans: list[list[int]] = []
    for c in sorted(chosen):
        if spans and not np.any(counts[spans[-1][1] + 1 : c]):
            spans[-1][1] = c  # only empty cells in between: one span
        else:
            spans.append([c, c])
    while len(spans) > _KEEP_SLOTS:  # join the spans with the fewest values between them
        gaps = [int(counts[a[1] + 1 : b[0]].sum()) for a, b in pairwise(spans)]
        j = int(np.argmin(gaps))
        if gaps[j] > room:
            break
        room -= gaps[j]
        spans[j : j + 2] = [[spans[j][0], spans[j + 1][1]]]
    urgency = {c: i for i, c in enumerate(needed)}
    spans.sort(
        key=lambda span: min(urgency.get(c, len(needed)) for c in range(span[0], span[1] + 1))
    )
    keeps = [
        _Request(int(row.edges[a]), row.end(b), int(view.cum[b] - view.starts[a]))
        for a, b in spans[:_KEEP_SLOTS]
    ]
    return keeps, splits


def _split_request(row: _Row, view: _View, c: int) -> _Request:
    """Return the request to count cell ``c`` in about ``_SPLIT_CELLS`` finer cells."""
    klo, khi = int(view.lo_key[c]), int(view.hi_key[c])  # all its values lie in these keys
    width = khi - klo + 1
    shift = max(0, (width - 1).bit_length() - (_SPLIT_CELLS - 1).bit_length())
    return _Request(klo, khi, int(row.counts[c]), split=((width - 1) >> shift) + 1, shift=shift)


# --- the selection: first pass, plans and replays --------------------------------------------


@dataclass(frozen=True)
class StreamIntervals:
    """Exact coverage intervals of every row: ``symmetric`` and ``shortest`` have shape
    (rows, 2) in the values' unit; ``replays`` says how many times the stream was replayed."""

    symmetric: np.ndarray
    shortest: np.ndarray
    replays: int


class StreamSelector:
    """Counts a stream of rows of values and gives their exact coverage intervals.

    Start it with the first chunks of values (each of shape (rows, t), all finite),
    then :meth:`add` more chunks; :meth:`intervals` returns the intervals at
    coverage ``p``, calling ``replay()`` for a fresh iterator over the same chunks when the
    values kept while counting do not settle them. Memory: ``cells`` + 2 counts per row
    and at most about ``budget`` kept values (plus one chunk and its keys).
    """

    def __init__(self, first: list[np.ndarray], p: float, *, budget: int, cells: int) -> None:
        rows = first[0].shape[0]
        self.rows, self.p, self.budget = rows, p, budget
        size = sum(chunk.shape[1] for chunk in first)
        step = max(1, size // 2**17)
        sample = np.concatenate([chunk[:, ::step] for chunk in first], axis=1)
        self.grid = Level1Grid(np.sort(sample, axis=1), cells)
        del sample
        self.stride = cells + 2
        self.counts = np.zeros(rows * self.stride, dtype=np.int64)
        self.kmin = np.full(rows, _U64_MAX, dtype=np.uint64)
        self.kmax = np.zeros(rows, dtype=np.uint64)
        self.total = 0
        self.guess: np.ndarray | None = None
        self.guessed: list[tuple[np.ndarray, np.ndarray]] = []
        self.guessed_size = 0
        for chunk in first:
            self._count(chunk)
        self.guess = self._guess_cells()
        for chunk in first:
            self._keep_guessed(chunk, self._flat(float_keys(chunk)))

    def _flat(self, keys: np.ndarray) -> np.ndarray:
        """Return the index of every key's cell in the flat counts (shape of ``keys``)."""
        flat = self.grid.cells(keys)
        if self.rows > 1:
            flat += (np.arange(self.rows) * self.stride)[:, None]
        return flat

    def _count(self, values: np.ndarray) -> np.ndarray:
        """Count a chunk (rows, t); return the flat cell index of every value."""
        keys = float_keys(values)
        np.minimum(self.kmin, keys.min(axis=1), out=self.kmin)
        np.maximum(self.kmax, keys.max(axis=1), out=self.kmax)
        flat = self._flat(keys)
        del keys
        if flat.size * 4 < self.counts.size:
            np.add.at(self.counts, flat.ravel(), 1)
        else:
            self.counts += np.bincount(flat.ravel(), minlength=self.counts.size)
        self.total += values.shape[1]
        return flat

    def _guess_cells(self) -> np.ndarray:
        """Return a (rows x stride, flat) mask of the cells likely to hold an interval end.

        From the counts of the first values: windows of +-0.15 % probability around both
        ends of their symmetric interval and +-0.5 % around both ends of their shortest
        one (found on 2000 lower ends at cell resolution).
        """
        size = self.total
        q, r = coverage_ranks(size, self.p)
        mask = np.zeros((self.rows, self.stride), dtype=bool)
        alphas = np.linspace(0, size - q - 1, 2001).astype(np.int64)
        for row in range(self.rows):
            counts = self.counts[row * self.stride : (row + 1) * self.stride]
            cum = np.cumsum(counts)
            edges = self.grid.edges(row)
            low = key_floats(np.maximum(edges, self.kmin[row]))
            high_keys = np.append(edges[1:] - np.uint64(1), np.uint64(_U64_MAX))
            high = key_floats(np.minimum(high_keys, self.kmax[row]))
            mid = np.append(0.5 * low + 0.5 * high, np.zeros(self.stride - len(edges)))
            with np.errstate(over="ignore", invalid="ignore"):
                widths = (
                    mid[np.searchsorted(cum, alphas + q, side="right")]
                    - mid[np.searchsorted(cum, alphas, side="right")]
                )
            s = int(alphas[int(np.nanargmin(widths))]) if np.any(np.isfinite(widths)) else r - 1
            for centre, half in ((r - 1, 0.0015), (r - 1 + q, 0.0015), (s, 0.005), (s + q, 0.005)):
                ranks = np.clip([centre - half * size, centre + half * size], 0, size - 1)
                a, b = np.searchsorted(cum, ranks.astype(np.int64), side="right")
                mask[row, a : b + 1] = True
        return mask.ravel()

    def add(self, values: np.ndarray) -> None:
        """Count a chunk of shape (rows, t) (all finite)."""
        flat = self._count(values)
        self._keep_guessed(values, flat)

    def _keep_guessed(self, values: np.ndarray, flat: np.ndarray) -> None:
        """Keep the values of a chunk that fall in the guessed cells (while they fit)."""
        if self.guess is None:
            return
        chosen = self.guess[flat]
        if self.rows == 1:
            self.guessed.append((_NO_ROWS, values[chosen]))
        else:
            row_ids, cols = np.nonzero(chosen)
            self.guessed.append((row_ids.astype(np.int32), values[row_ids, cols]))
        self.guessed_size += len(self.guessed[-1][1])
        if self.guessed_size > self.budget:
            self.guess, self.guessed = None, []  # too many to keep: replays will fetch them

    def intervals(self, replay: Callable[[], Iterable[np.ndarray]]) -> StreamIntervals:
        """Return the exact intervals of all the values counted, replaying when needed."""
        rows = [self._row(i) for i in range(self.rows)]
        self._attach_guess(rows)
        self.counts = np.zeros(0, dtype=np.int64)
        replays = 0
        per_row = max(self.budget // self.rows, 1)
        while True:
            plans = [_plan(row, self.total, self.p, per_row) for row in rows]
            if not any(keep or split for keep, split in plans):
                break
            if replays == MAX_REPLAYS:
                raise UncertaintyComputationError(
                    f"Monte Carlo: the coverage intervals were not settled after {replays} "
                    "replays of the trials; this is a bug, please report it with the seed"
                )
            _replay(replay(), rows, plans)
            replays += 1
        sym = np.array([row.sym for row in rows], dtype=float)
        short = np.array([row.best[2:] for row in rows if row.best is not None], dtype=float)
        return StreamIntervals(sym, short.reshape(self.rows, 2), replays)

    def _row(self, i: int) -> _Row:
        edges = self.grid.edges(i)
        counts = self.counts[i * self.stride : i * self.stride + len(edges)].copy()
        ends = np.append(edges[1:] - np.uint64(1), np.uint64(_U64_MAX))
        low = np.maximum(edges, self.kmin[i])
        high = np.minimum(ends, self.kmax[i])
        return _Row(edges, counts, low, high)

    def _attach_guess(self, rows: list[_Row]) -> None:
        """Turn the values kept on guess into runs of whole cells."""
        if self.guess is None or not self.guessed:
            return
        values, bounds = _sorted_by_row(self.guessed, self.rows)
        self.guessed = []
        for i, row in enumerate(rows):
            first, stop = int(bounds[i]), int(bounds[i + 1])
            marked = np.flatnonzero(self.guess[i * self.stride : i * self.stride + len(row.edges)])
            for group in np.split(marked, np.flatnonzero(np.diff(marked) > 1) + 1):
                if not len(group):
                    continue
                a, b = int(group[0]), int(group[-1])
                n = int(row.counts[a : b + 1].sum())
                row.runs.append(_Run(int(row.edges[a]), row.end(b), values[first : first + n]))
                first += n
            if first != stop:
                raise UncertaintyComputationError(
                    f"Monte Carlo: {stop - first} values kept on guess belong to no cell; "
                    "this is a bug, please report it with the seed"
                )
        self.guess = None


def _replay(
    chunks: Iterable[np.ndarray],
    rows: list[_Row],
    plans: list[tuple[list[_Request], list[_Request]]],
) -> None:
    """Run one replay: keep or count finer the key ranges of ``plans``; update ``rows``."""
    keep = _Slots([k for k, _ in plans])
    split = _Slots([s for _, s in plans])
    kept = _Kept(plans)
    counted = [np.zeros(size, dtype=np.int64) for size in split.sizes]
    least = [np.full(size, _U64_MAX, dtype=np.uint64) for size in split.sizes]
    most = [np.zeros(size, dtype=np.uint64) for size in split.sizes]
    hull_lo = np.minimum(
        keep.lo.min(axis=0, initial=_U64_MAX), split.lo.min(axis=0, initial=_U64_MAX)
    )[:, None]
    hull_hi = np.maximum(keep.hi.max(axis=0, initial=0), split.hi.max(axis=0, initial=0))[:, None]
    row_ids: np.ndarray = _NO_ROWS
    for chunk in chunks:
        keys = float_keys(chunk)
        if len(rows) == 1:  # one row: masks over the chunk, no index arrays
            k, v = keys[0], chunk[0]
        else:  # several rows: first the values near any request of their row
            row_ids, cols = np.nonzero((keys >= hull_lo) & (keys <= hull_hi))
            k, v = keys[row_ids, cols], chunk[row_ids, cols]
        del keys
        for s in range(keep.count):
            inside = (k >= keep.bound(s, "lo", row_ids)) & (k <= keep.bound(s, "hi", row_ids))
            kept.add(s, row_ids[inside] if len(rows) > 1 else row_ids, v[inside])
        for s in range(split.count):
            inside = (k >= split.bound(s, "lo", row_ids)) & (k <= split.bound(s, "hi", row_ids))
            rr = row_ids[inside] if len(rows) > 1 else row_ids
            kk = k[inside]
            sub = (kk - split.bound(s, "lo", rr)) >> split.bound(s, "shift", rr)
            sub = sub.astype(np.int64) + split.bound(s, "offset", rr)
            counted[s] += np.bincount(sub, minlength=len(counted[s]))
            np.minimum.at(least[s], sub, kk)
            np.maximum.at(most[s], sub, kk)
    kept.finish(rows)
    for s in range(split.count):
        for i, (_, requests) in enumerate(plans):
            if s < len(requests):
                part = slice(int(split.offset[s, i]), int(split.offset[s, i]) + requests[s].split)
                _apply_split(rows[i], requests[s], counted[s][part], least[s][part], most[s][part])


class _Kept:
    """The values kept by one replay: for one row, straight into a buffer of the size
    each request expects; for several, as (row, value) pieces sorted out at the end."""

    def __init__(self, plans: list[tuple[list[_Request], list[_Request]]]) -> None:
        self.plans = plans
        self.single = len(plans) == 1
        slots = max((len(k) for k, _ in plans), default=0)
        if self.single:
            self.buffers = [np.empty(req.expected) for req in plans[0][0]]
            self.filled = [0] * len(self.buffers)
        self.pieces: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(slots)]

    def add(self, slot: int, row_ids: np.ndarray, values: np.ndarray) -> None:
        """Keep ``values`` found for request ``slot`` (of rows ``row_ids``)."""
        if not self.single:
            self.pieces[slot].append((row_ids.astype(np.int32), values))
            return
        start, buffer = self.filled[slot], self.buffers[slot]
        if start + len(values) > len(buffer):
            raise StreamChangedError(_changed_message(len(buffer), start + len(values)))
        buffer[start : start + len(values)] = values
        self.filled[slot] += len(values)

    def finish(self, rows: list[_Row]) -> None:
        """Check every request got what it expected and give each row its sorted runs."""
        if self.single:
            for req, buffer, filled in zip(
                self.plans[0][0], self.buffers, self.filled, strict=True
            ):
                if filled != req.expected:
                    raise StreamChangedError(_changed_message(req.expected, filled))
                buffer.sort()
                rows[0].runs.append(_Run(req.klo, req.khi, buffer))
            return
        for s, pieces in enumerate(self.pieces):
            values, bounds = _sorted_by_row(pieces, len(rows))
            self.pieces[s] = []
            for i, (requests, _) in enumerate(self.plans):
                if s < len(requests):
                    a, b = int(bounds[i]), int(bounds[i + 1])
                    if b - a != requests[s].expected:
                        raise StreamChangedError(_changed_message(requests[s].expected, b - a))
                    rows[i].runs.append(_Run(requests[s].klo, requests[s].khi, values[a:b]))


class _Slots:
    """Requests of all rows as arrays: slot s of row i is ``requests[i][s]``."""

    def bound(self, slot: int, name: str, row_ids: np.ndarray) -> np.ndarray:
        """Return field ``name`` of ``slot`` for the rows ``row_ids`` (a scalar for one row,
        when ``row_ids`` is empty and stands for it)."""
        values: np.ndarray = getattr(self, name)[slot]
        return values[0] if len(values) == 1 else values[row_ids]

    def __init__(self, requests: list[list[_Request]]) -> None:
        n_rows = len(requests)
        self.count = max((len(r) for r in requests), default=0)
        shape = (self.count, n_rows)
        self.lo = np.full(shape, _U64_MAX, dtype=np.uint64)
        self.hi = np.zeros(shape, dtype=np.uint64)
        self.shift = np.zeros(shape, dtype=np.uint64)
        self.offset = np.zeros(shape, dtype=np.int64)
        self.sizes = [0] * self.count
        for i, row_requests in enumerate(requests):
            for s, req in enumerate(row_requests):
                self.lo[s, i], self.hi[s, i], self.shift[s, i] = req.klo, req.khi, req.shift
                self.offset[s, i] = self.sizes[s]
                self.sizes[s] += req.split


def _sorted_by_row(
    pieces: list[tuple[np.ndarray, np.ndarray]], n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the values of (row index, values) pieces grouped by row, each row sorted,
    and the n_rows + 1 bounds of the rows' groups."""
    values = np.concatenate([v for _, v in pieces]) if pieces else np.zeros(0)
    if n_rows == 1:
        values.sort()
        return values, np.array([0, len(values)])
    row_ids = np.concatenate([r for r, _ in pieces])
    order = np.argsort(row_ids, kind="stable")
    values = values[order]
    bounds = np.searchsorted(row_ids[order], np.arange(n_rows + 1))
    del order, row_ids
    for a, b in pairwise(bounds.tolist()):
        values[a:b].sort()
    return values, bounds


def _apply_split(
    row: _Row, req: _Request, counts: np.ndarray, least: np.ndarray, most: np.ndarray
) -> None:
    """Replace the cell holding keys [req.klo, req.khi] by the finer cells just counted,
    with the keys of their least and greatest values."""
    if int(counts.sum()) != req.expected:
        raise StreamChangedError(_changed_message(req.expected, int(counts.sum())))
    c = int(np.searchsorted(row.edges, np.uint64(req.klo), side="right")) - 1
    starts = req.klo + (np.arange(req.split, dtype=np.uint64) << np.uint64(req.shift))
    starts[0] = row.edges[c]  # the keys below klo hold no value: the first finer cell takes them
    row.edges = np.concatenate([row.edges[:c], starts, row.edges[c + 1 :]])
    row.counts = np.concatenate([row.counts[:c], counts, row.counts[c + 1 :]])
    empty = counts == 0
    least[empty], most[empty] = starts[empty], starts[empty]
    row.low = np.concatenate([row.low[:c], least, row.low[c + 1 :]])
    row.high = np.concatenate([row.high[:c], most, row.high[c + 1 :]])


def _changed_message(expected: int, found: int) -> str:
    return (
        f"Monte Carlo: replaying the trials gave {found} values where the first pass "
        f"counted {expected}: the model is not a function of its inputs alone (it draws "
        "its own random numbers or keeps state between calls); make it deterministic, or "
        "run few enough trials that all values are kept and nothing is replayed"
    )
