"""Readings in bulk: many ``reading`` entries journalled as one ``readings`` line.

A ``readings`` entry stands for ``count`` consecutive ``reading`` entries of one point,
phase and unit. It takes the sequence numbers ``seq`` to ``seq + count - 1`` (the next
line is numbered ``seq + count``), so the readings keep the numbers they would have had
one per line. Its data holds the columns as base64 text of little-endian binary numbers
(the convention of the data-acquisition ``samples`` entries)::

    {"count": N, "index": {"i8le": "..."}, "phase": "...", "point_id": "...",
     "time": {"f8le": "..."}, "unit": "...", "value": {"f8le": "..."}}

Binary float64 keeps every value bit for bit (NaN, infinities, -0.0, subnormals), and
the reader turns a line into numpy columns with three SIMD base64 decodes (pybase64)
instead of parsing a number per reading. The line is checksummed and chained like any
other and written with one ``write``: a torn batch is a torn last line, dropped whole.

The writer side (:func:`plan_lines`) uses the standard library only (:mod:`array`), so a
journal writer starts without numpy; the reader side (:func:`batch_columns`) uses numpy.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pybase64

if TYPE_CHECKING:
    import numpy as np

BATCH_KIND = "readings"
#: readings per ``readings`` line at most (about 256 KiB of line: well inside a read block)
BATCH_ROWS = 8192
#: the keys of a reading that can travel in a batch, no more and no fewer
_READING_KEYS = frozenset({"point_id", "phase", "index", "time", "value", "unit"})
_INT64 = (-(1 << 63), 1 << 63)
#: (data key, array type code, encoding name, numpy type) of a batch's columns
_COLUMNS = (("index", "q", "i8le", "<i8"), ("time", "d", "f8le", "<f8"),
            ("value", "d", "f8le", "<f8"))

#: one journal line to write: kind, data, how many sequence numbers it takes
Line = tuple[str, Mapping[str, Any], int]


def _batchable(kind: str, data: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """Return the (point_id, phase, unit) of a reading that can go into a batch and come
    back from it unchanged (text identity, an int64 index, float time and value), else None."""
    if kind != "reading" or data.keys() != _READING_KEYS:
        return None
    index, point_id, phase, unit = data["index"], data["point_id"], data["phase"], data["unit"]
    if not (isinstance(data["time"], float) and isinstance(data["value"], float)
            and type(index) is int and _INT64[0] <= index < _INT64[1]
            and type(point_id) is str and type(phase) is str and type(unit) is str):
        return None
    return point_id, phase, unit


def _encode(values: list[Any], code: str) -> str:
    """Return ``values`` as base64 text of little-endian binary numbers of type ``code``."""
    numbers = array(code, values)
    if sys.byteorder == "big":
        numbers.byteswap()
    return pybase64.b64encode_as_string(numbers.tobytes())


def batch_data(key: tuple[str, str, str], readings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the data of one ``readings`` entry holding ``readings`` (all of ``key``:
    point_id, phase, unit)."""
    point_id, phase, unit = key
    data: dict[str, Any] = {"count": len(readings), "point_id": point_id, "phase": phase,
                            "unit": unit}
    for name, code, encoding, _ in _COLUMNS:
        data[name] = {encoding: _encode([reading[name] for reading in readings], code)}
    return data


def plan_lines(entries: Sequence[tuple[str, Mapping[str, Any]]], *, batch: bool) -> list[Line]:
    """Return the journal lines for ``entries`` in order: with ``batch``, each run of two
    or more batchable readings of one point, phase and unit becomes ``readings`` lines of
    at most :data:`BATCH_ROWS`; every other entry is a line of its own."""
    if not batch:
        return [(kind, data, 1) for kind, data in entries]
    lines: list[Line] = []
    run: list[Mapping[str, Any]] = []
    run_key: tuple[str, str, str] | None = None

    def flush() -> None:
        if len(run) == 1:
            lines.append(("reading", run[0], 1))
        else:
            for start in range(0, len(run), BATCH_ROWS):
                part = run[start:start + BATCH_ROWS]
                lines.append((BATCH_KIND, batch_data(run_key or ("", "", ""), part), len(part)))
        run.clear()

    for kind, data in entries:
        key = _batchable(kind, data)
        if run and key != run_key:
            flush()
        if key is None:
            lines.append((kind, data, 1))
        else:
            run_key = key
            run.append(data)
    if run:
        flush()
    return lines


def _raw_columns(data: Mapping[str, Any]) -> tuple[int, str, str, str, list[bytes]]:
    """Return (count, point_id, phase, unit, [index, time, value bytes]) of a batch's data,
    the bytes little-endian. Raises ValueError naming what is malformed."""
    count = data.get("count")
    if type(count) is not int or count < 1:
        raise ValueError(f"count {count!r} is not a positive whole number")
    texts = [data.get(name) for name in ("point_id", "phase", "unit")]
    if len(data) != 7 or not all(isinstance(text, str) for text in texts):
        raise ValueError("a readings batch needs exactly count, index, phase, point_id, "
                         "time, unit and value")
    raws = []
    for name, _, encoding, _ in _COLUMNS:
        field = data.get(name)
        if not isinstance(field, Mapping) or field.keys() != {encoding} or \
                not isinstance(field[encoding], str | bytes):
            raise ValueError(f"{name} is not {{{encoding!r}: base64 text}}")
        try:
            raw = pybase64.b64decode(field[encoding], validate=True)
        except ValueError as exc:  # binascii.Error
            raise ValueError(f"{name} is not base64 text ({exc})") from exc
        if len(raw) != 8 * count:
            raise ValueError(f"{name} holds {len(raw) / 8:g} numbers, count says {count}")
        raws.append(raw)
    return count, str(texts[0]), str(texts[1]), str(texts[2]), raws


def batch_columns(data: Mapping[str, Any]) -> tuple[int, str, str, str, np.ndarray, np.ndarray,
                                                     np.ndarray]:
    """Return (count, point_id, phase, unit, index, time, value) of a ``readings`` entry's
    data: index int64, time (s since the epoch) and value float64, as read-only numpy
    arrays. Raises ValueError naming what is malformed."""
    import numpy as np

    count, point_id, phase, unit, raws = _raw_columns(data)
    index, time, value = (np.frombuffer(raw, dtype)
                          for raw, (_, _, _, dtype) in zip(raws, _COLUMNS, strict=True))
    return count, point_id, phase, unit, index, time, value


def expand(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the ``reading`` data of each reading of a ``readings`` entry's data, in
    order, as they would have been journalled one per line (without numpy). Raises
    ValueError naming what is malformed."""
    _, point_id, phase, unit, raws = _raw_columns(data)
    columns = []
    for raw, (_, code, _, _) in zip(raws, _COLUMNS, strict=True):
        numbers = array(code)
        numbers.frombytes(raw)
        if sys.byteorder == "big":
            numbers.byteswap()
        columns.append(numbers.tolist())
    return [{"index": i, "phase": phase, "point_id": point_id, "time": t, "unit": unit,
             "value": v} for i, t, v in zip(*columns, strict=True)]
