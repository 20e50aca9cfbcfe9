"""Canonical ``reading`` lines of a journal block as numpy columns.

:class:`~metrolab.store.journal_read.JournalReader` hands each block whose checksums it
has verified to :meth:`BlockReadings.find`, which recognises the readings written in the
canonical form (what :func:`~metrolab.store.durable.canonical_json` writes for the
runner's readings: sorted keys, no spaces, no escapes) with one regular expression over
the whole block, and converts their numbers with C-level passes. Anything it cannot
place with certainty is left to the strict JSON parse.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: what every canonical reading line holds after its checksum and the space
_READING_START = np.frombuffer(b'{"data":{"index":', np.uint8)
_NUMBER = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|NaN|-?Infinity"
_TEXT = rb'[^"\\\x00-\x1f]*'
#: a whole reading line after its checksum, as canonical_json writes it (sorted keys, no
#: spaces); a string with an escape, or a key more or less, does not match and goes the
#: strict way. Outside its strings canonical JSON has no space, and a string holds no
#: unescaped quote, so the space that starts a match is the one after a line's checksum,
#: and the match ends at that line's end.
_CANONICAL_READING = re.compile(
    rb' \{"data":\{"index":(-?(?:0|[1-9][0-9]*)),"phase":"(' + _TEXT + rb')","point_id":"('
    + _TEXT + rb')","time":(' + _NUMBER + rb'|"' + _TEXT + rb'"),"unit":"(' + _TEXT
    + rb')","value":(' + _NUMBER + rb')\},"kind":"reading","seq":([1-9][0-9]*),"time":"'
    + _TEXT + rb'"\}\n')
#: (phase, point_id, unit) of a match
_KEY = operator.itemgetter(1, 2, 4)
_INDEX, _TIME, _VALUE, _SEQ = (operator.itemgetter(n) for n in (0, 3, 5, 6))


def _starting_with(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return the numbers of the lines (at ``starts``, ``lengths`` long with their line
    ends) whose entry starts like a canonical reading, right after checksum and space."""
    width = _READING_START.size
    long_enough = np.flatnonzero(lengths > 65 + width)
    where = starts[long_enough, None] + 65 + np.arange(width)
    return long_enough[(buffer[where] == _READING_START).all(axis=1)]


@dataclass(frozen=True, slots=True)
class ReadingColumns:
    """Consecutive ``reading`` entries of one point, phase and unit, as numpy arrays.

    ``seq`` are the journal sequence numbers and ``index`` the readings' own indices
    (int64); ``value`` is in ``unit`` (float64). ``time`` is each reading's time in
    seconds since the Unix epoch (float64) as journalled, except for readings journalled
    with ISO 8601 text: those are NaN in ``time`` and listed in ``times_text`` as
    ``(seq, text)``. The arrays may be views into a larger block: copy them to keep them.
    """

    point_id: str
    phase: str
    unit: str
    seq: np.ndarray
    index: np.ndarray
    time: np.ndarray
    value: np.ndarray
    times_text: tuple[tuple[int, str], ...] = ()

    def __len__(self) -> int:
        return int(self.seq.size)


@dataclass(frozen=True)
class BlockReadings:
    """The canonical reading lines of one block: their line numbers in the block
    (``positions``), their columns, where the key (point, phase, unit) changes
    (``run_starts``, ``run_keys``), and the block's other lines (``others``), which are
    parsed strictly."""

    positions: np.ndarray
    seq: np.ndarray
    index: np.ndarray
    time: np.ndarray
    value: np.ndarray
    times_text: dict[int, str]
    run_starts: list[int]
    run_keys: list[tuple[str, ...]]
    others: list[int]

    @classmethod
    def find(cls, block: bytes, lines: list[bytes], good: int,
             firsts: np.ndarray) -> BlockReadings | None:
        """Return the canonical readings among the first ``good`` lines of ``block`` (whose
        sequence numbers are ``firsts``), or None when there are none or they cannot be
        placed safely (then every line is parsed strictly)."""
        if _READING_START.tobytes() not in block:  # e.g. readings only in batches
            return None
        lengths = np.fromiter(map(len, lines[:good]), np.int64, good) + 1
        starts = np.concatenate(([0], np.cumsum(lengths)))
        end = int(starts[-1])
        candidates = _starting_with(np.frombuffer(block, np.uint8), starts[:-1], lengths)
        if candidates.size == 0:
            return None
        found = _CANONICAL_READING.findall(block, 0, end)
        count = len(found)
        seqs = np.fromiter(map(int, map(_SEQ, found)), np.int64, count)
        if count == candidates.size:
            positions = candidates
        else:  # a reading in another form among them: place each match by its offset
            offsets = np.fromiter((match.start() - 64 for match in
                                   _CANONICAL_READING.finditer(block, 0, end)), np.int64, count)
            positions = np.searchsorted(starts, offsets)
        if not np.array_equal(seqs, firsts[positions]):
            return None  # a sequence number out of place: the strict parse says which
        try:
            keys = [tuple(part.decode("utf-8") for part in key)
                    for key, _ in itertools.groupby(map(_KEY, found))]
        except UnicodeDecodeError:
            return None
        run_starts = [0]
        if len(keys) > 1:
            run_starts += [n for n in range(1, count) if _KEY(found[n]) != _KEY(found[n - 1])]
        times = list(map(_TIME, found))
        text = {n: t[1:-1].decode("utf-8", "replace") for n, t in enumerate(times)
                if t.startswith(b'"')} if b'","time":"' in block else {}
        if text:
            time = np.fromiter((float("nan") if n in text else float(t)
                                for n, t in enumerate(times)), np.float64, count)
        else:
            time = np.fromiter(map(float, times), np.float64, count)
        others = np.setdiff1d(np.arange(good), positions, assume_unique=True).tolist()
        return cls(positions, seqs, np.fromiter(map(int, map(_INDEX, found)), np.int64, count),
                   time, np.fromiter(map(float, map(_VALUE, found)), np.float64, count),
                   text, run_starts, keys, others)

    def between(self, first: int, stop: int) -> Iterator[ReadingColumns]:
        """Yield the readings on block lines ``first`` to ``stop - 1`` as columns, one
        :class:`ReadingColumns` per run of one key."""
        lo, hi = (int(i) for i in np.searchsorted(self.positions, [first, stop]))
        run = max(0, int(np.searchsorted(self.run_starts, lo, "right")) - 1)
        while lo < hi:
            end = min(self.run_starts[run + 1] if run + 1 < len(self.run_starts) else hi, hi)
            phase, point_id, unit = self.run_keys[run]
            yield ReadingColumns(
                point_id, phase, unit, self.seq[lo:end], self.index[lo:end],
                self.time[lo:end], self.value[lo:end],
                tuple((int(self.seq[n]), self.times_text[n]) for n in range(lo, end)
                      if n in self.times_text))
            lo, run = end, run + 1
