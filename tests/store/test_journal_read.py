"""The journal's read path: readings streamed as columns agree, value for value, with the
strict one-dict-per-line parse, whatever the journal holds and wherever it is damaged."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.clock import VirtualClock
from metrolab.store.journal import Journal
from metrolab.store.journal_columns import ReadingColumns
from metrolab.store.journal_read import JournalEntry, JournalReader, chain_head

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6))


@st.composite
def readings(draw: st.DrawFn) -> dict[str, Any]:
    """A reading as the runner journals it, or in one of the other forms a journal may hold."""
    data: dict[str, Any] = {
        "point_id": draw(st.sampled_from(["p1", "p2", "ä ö", 'q"uote', "back\\slash"])),
        "phase": draw(st.sampled_from(["as_found", "as_left"])),
        "index": draw(st.integers(-3, 10**9)),
        "time": draw(st.one_of(NUMBER, st.just("2026-03-02T09:00:00+00:00"))),
        "value": draw(NUMBER), "unit": draw(st.sampled_from(["V", "mV", "", "µA"]))}
    change = draw(st.sampled_from(["none", "none", "none", "extra", "drop_index", "nested"]))
    if change == "extra":
        data["channel"] = draw(TEXT)
    elif change == "drop_index":
        del data["index"]
    elif change == "nested":
        data["meta"] = {"kind": "reading", "seq": 1}
    return data


OTHER = st.builds(lambda message, data: ("event", {"type": "note", "message": message,
                                                   "data": data}),
                  TEXT, st.one_of(st.none(), st.dictionaries(TEXT, NUMBER, max_size=2)))
ENTRIES = st.lists(st.one_of(readings().map(lambda d: ("reading", d)), OTHER,
                             st.just(("point_started", {"point_id": "p1",
                                                        "phase": "as_found"}))),
                   max_size=40)


def _expand(items: list[JournalEntry | ReadingColumns]) -> list[tuple[int, str, Any]]:
    """Return (seq, kind, comparable data) of every entry, readings as plain tuples."""
    out: list[tuple[int, str, Any]] = []
    for item in items:
        if isinstance(item, ReadingColumns):
            text = dict(item.times_text)
            for n, seq in enumerate(item.seq.tolist()):
                time: Any = text.get(seq, float(item.time[n]))
                out.append((seq, "reading", (item.point_id, item.phase, int(item.index[n]),
                                             time, float(item.value[n]), item.unit)))
        elif item.kind == "reading" and set(item.data) == {"point_id", "phase", "index",
                                                            "time", "value", "unit"}:
            out.append((item.seq, "reading", _plain(item.data)))
        else:
            out.append((item.seq, item.kind, item.data))
    return out


def _plain(data: dict[str, Any]) -> tuple[Any, ...]:
    time = data["time"] if isinstance(data["time"], str) else float(data["time"])
    return (data["point_id"], data["phase"], int(data["index"]), time, float(data["value"]),
            data["unit"])


def _same(a: list[tuple[int, str, Any]], b: list[tuple[int, str, Any]]) -> bool:
    def key(row: tuple[int, str, Any]) -> Any:
        return repr([x if not (isinstance(x, float) and math.isnan(x)) else "nan"
                     for x in (row[2] if isinstance(row[2], tuple) else [row[2]])])
    return [(r[0], r[1], key(r)) for r in a] == [(r[0], r[1], key(r)) for r in b]


def _write(path: Path, entries: list[tuple[str, dict[str, Any]]]) -> None:
    with Journal.create(path, "R-COLUMNS", clock=VirtualClock(1.7e9)) as journal:
        if entries:
            journal.append_many(entries)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=ENTRIES, block=st.sampled_from([300, 1000, 8 << 20]))
def test_columns_and_strict_parse_agree(tmp_path: Path, entries: list[tuple[str, dict[str, Any]]],
                                        block: int) -> None:
    path = tmp_path / "j.journal"
    path.unlink(missing_ok=True)
    _write(path, entries)
    columns = JournalReader(path, block_bytes=block)
    fast = list(columns.items())
    strict = JournalReader(path).contents()
    assert _same(_expand(fast), _expand(list(strict)))
    assert (columns.problem, columns.valid_size, columns.last_hash, columns.last_seq) == (
        strict.problem, strict.valid_size, strict.last_hash, strict.last_seq)
    assert chain_head(path, columns.valid_size) == columns.last_hash


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=ENTRIES.filter(lambda e: len(e) > 3), where=st.floats(0.05, 0.95),
       bit=st.integers(0, 7), block=st.sampled_from([300, 8 << 20]))
def test_a_damaged_journal_stops_at_the_same_place_either_way(
        tmp_path: Path, entries: list[tuple[str, dict[str, Any]]], where: float, bit: int,
        block: int) -> None:
    path = tmp_path / "j.journal"
    path.unlink(missing_ok=True)
    _write(path, entries)
    raw = bytearray(path.read_bytes())
    header = raw.index(b"\n") + 1  # a damaged header is no journal at all (tested elsewhere)
    offset = header + int((len(raw) - header) * where)
    raw[offset] ^= 1 << bit
    path.write_bytes(bytes(raw))
    columns = JournalReader(path, block_bytes=block)
    fast = list(columns.items())
    strict = JournalReader(path).contents()
    assert _same(_expand(fast), _expand(list(strict)))
    assert (columns.problem, columns.valid_size, columns.trailing_lines) == (
        strict.problem, strict.valid_size, strict.trailing_lines)


def test_canonical_readings_come_as_columns_of_one_point(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    entries = [("reading", {"point_id": "p1", "phase": "as_found", "index": n,
                            "time": 1.7e9 + n, "value": 10.0 + n * 1e-6, "unit": "V"})
               for n in range(1000)]
    entries.insert(500, ("event", {"type": "note", "message": "half way", "data": None}))
    _write(path, entries)
    items = list(JournalReader(path).items())
    assert [type(i).__name__ for i in items] == ["ReadingColumns", "JournalEntry",
                                                 "ReadingColumns"]
    first = items[0]
    assert isinstance(first, ReadingColumns)
    assert (first.point_id, first.phase, first.unit, len(first)) == ("p1", "as_found", "V", 500)
    assert np.array_equal(first.value, 10.0 + np.arange(500) * 1e-6)
    assert first.seq.tolist() == list(range(1, 501))


def test_a_torn_tail_and_the_chain_head(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    _write(path, [("reading", {"point_id": "p", "phase": "x", "index": 0, "time": 0.0,
                               "value": 1.0, "unit": "V"})])
    size = path.stat().st_size
    with open(path, "ab") as handle:
        handle.write(b"0" * 70)
    reader = JournalReader(path)
    assert len(list(reader.items())) == 1
    assert reader.problem is not None and "torn last line" in reader.problem
    assert reader.valid_size == size
    assert chain_head(path, size) == reader.last_hash
    assert chain_head(path, size - 1) is None  # not at a line end
    assert chain_head(path, size + 70) is None  # the torn bytes are no line
