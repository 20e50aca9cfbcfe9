"""Readings journalled in bulk (``readings`` lines): the same record as one line per
reading, every float bit kept, a torn batch dropped whole, the old format still sealed."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any
from unittest import mock

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.clock import VirtualClock
from metrolab.store import journal as journal_module
from metrolab.store import open_record, seal, verify
from metrolab.store.journal import Journal, _encode, read_journal
from metrolab.store.journal_batch import BATCH_ROWS
from metrolab.store.journal_columns import ReadingColumns
from metrolab.store.journal_read import JournalReader

FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)


def _reading(point: str, index: int, value: float, unit: str = "V") -> dict[str, Any]:
    return {"point_id": point, "phase": "as_found", "index": index,
            "time": 1.7e9 + index * 0.25, "value": value, "unit": unit}


def _run(points: dict[str, list[float]], *, unit: str = "V") -> list[list[tuple[str, Any]]]:
    """Return the appends of a small run: each inner list is one append_many call."""
    calls: list[list[tuple[str, Any]]] = [[("run_started", {"run_id": "R", "procedure": {
        "name": "batch", "version": "1"}})]]
    for point, values in points.items():
        calls.append([("point_started", {"point_id": point, "phase": "as_found",
                                         "function": "DCV",
                                         "nominal": {"value": 10.0, "unit": unit}})])
        calls.append([("reading", _reading(point, n, v, unit)) for n, v in enumerate(values)])
        calls.append([("point_result", {"point_id": point, "phase": "as_found",
                                        "value": {"value": 10.0, "unit": unit}})])
    calls.append([("run_ended", {"status": "completed"})])
    return calls


def _write(path: Path, calls: list[list[tuple[str, Any]]], *, one_per_line: bool) -> None:
    with Journal.create(path, "R", clock=VirtualClock(start=1.7e9)) as journal:
        for call in calls:
            if one_per_line:
                for kind, data in call:
                    journal.append(kind, data)
            else:
                journal.append_many(call)


def _bits(values: Any) -> list[bytes]:
    return [struct.pack("<d", value) for value in values]


def _readings_objects(record: Path) -> dict[str, Any]:
    """Return every array under /entry/readings and the stored digest of each object."""
    with h5py.File(record, "r") as handle:
        manifest = json.loads(handle["/entry/integrity/data"][()])
        arrays: dict[str, Any] = {}
        handle["/entry/readings"].visititems(lambda name, obj: arrays.update(
            {name: obj[()]}) if isinstance(obj, h5py.Dataset) else None)
    return {"arrays": arrays, "digests": {path: digest for path, digest in manifest.items()
                                          if path.startswith("/entry/readings")}}


def test_a_batched_and_a_per_line_journal_seal_to_the_same_readings(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    points = {"p1": (10 + rng.normal(0, 1e-6, 2 * BATCH_ROWS + 5)).tolist(),
              "p2": [float("nan"), -0.0, float("inf"), 5e-324, 1.0]}
    calls = _run(points)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    batched, per_line = tmp_path / "a" / "R.journal", tmp_path / "b" / "R.journal"
    _write(batched, calls, one_per_line=False)
    _write(per_line, calls, one_per_line=True)
    text = batched.read_bytes()
    assert text.count(b'"kind":"readings"') == 4  # p1 in three batches, p2 in one
    assert b'"kind":"reading"' not in text
    assert batched.stat().st_size < per_line.stat().st_size / 3
    assert [(e.seq, e.kind, json.dumps(e.data, sort_keys=True)) for e in read_journal(batched)] \
        == [(e.seq, e.kind, json.dumps(e.data, sort_keys=True)) for e in read_journal(per_line)]
    records = [seal(batched), seal(per_line)]
    for record in records:
        assert verify(record).ok, verify(record).problems
    a, b = (_readings_objects(record) for record in records)
    assert a["digests"] == b["digests"]
    assert a["arrays"].keys() == b["arrays"].keys() and a["arrays"]
    for name, array in a["arrays"].items():
        assert array.tobytes() == b["arrays"][name].tobytes(), name
    first, second = (open_record(record) for record in records)
    for one, other in zip(first.points, second.points, strict=True):
        assert _bits(one.readings.magnitude) == _bits(other.readings.magnitude)
        assert _bits(one.times) == _bits(other.times)
    assert _bits(first.points[1].readings.magnitude) == _bits(points["p2"])
    assert first.points[0].readings.size == len(points["p1"])


def test_every_reading_keeps_its_sequence_number(tmp_path: Path) -> None:
    path = tmp_path / "R.journal"
    with Journal.create(path, "R") as journal:
        assert journal.append("run_started", {"run_id": "R"}) == 1
        numbers = journal.append_many([("reading", _reading("p", n, float(n)))
                                       for n in range(5)])
        assert numbers == [2, 3, 4, 5, 6]
        assert journal.append("event", {"type": "note", "message": "after"}) == 7
        assert journal.last_seq == 7
    with Journal.open_for_append(path) as journal:  # resumed: numbering goes on
        assert journal.last_seq == 7
        assert journal.append_many([("reading", _reading("p", 5, 5.0)),
                                    ("reading", _reading("p", 6, 6.0))]) == [8, 9]
    contents = read_journal(path)
    assert [e.seq for e in contents] == list(range(1, 10))
    assert [e.data["index"] for e in contents if e.kind == "reading"] == list(range(7))
    assert contents.problem is None and contents.last_seq == 9
    items = list(JournalReader(path).items())
    columns = [item for item in items if isinstance(item, ReadingColumns)]
    assert [c.seq.tolist() for c in columns] == [[2, 3, 4, 5, 6], [8, 9]]


def test_readings_that_would_change_in_a_batch_stay_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "R.journal"
    odd = [("reading", {**_reading("p", 0, 1.0), "value": 1}),  # an int stays an int
           ("reading", {**_reading("p", 1, 1.0), "time": "2026-01-01T00:00:00Z"}),
           ("reading", {**_reading("p", 2, 1.0), "channel": 3}),
           ("reading", _reading("p", 3, 1.0)),  # alone between others: one line
           ("reading", {**_reading("p", 4, 1.0), "index": 1 << 63})]
    with Journal.create(path, "R") as journal:
        journal.append_many(odd)
    assert b'"kind":"readings"' not in path.read_bytes()
    assert [e.data for e in read_journal(path)] == [data for _, data in odd]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(FLOATS, min_size=2, max_size=60), times=st.data())
def test_every_float_comes_back_bit_for_bit(tmp_path_factory: pytest.TempPathFactory,
                                            values: list[float], times: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("floats") / "R.journal"
    stamps = times.draw(st.lists(FLOATS, min_size=len(values), max_size=len(values)))
    with Journal.create(path, "R") as journal:
        journal.append_many([("reading", {**_reading("p", n, v), "time": t})
                             for n, (v, t) in enumerate(zip(values, stamps, strict=True))])
    assert b'"kind":"readings"' in path.read_bytes()
    entries = read_journal(path)
    assert _bits(e.data["value"] for e in entries) == _bits(values)
    assert _bits(e.data["time"] for e in entries) == _bits(stamps)
    (columns,) = list(JournalReader(path).items())
    assert isinstance(columns, ReadingColumns)
    assert _bits(columns.value.tolist()) == _bits(values)
    assert _bits(columns.time.tolist()) == _bits(stamps)


def test_a_torn_batch_is_dropped_whole_and_what_came_before_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "R.journal"
    with Journal.create(path, "R") as journal:
        journal.append("run_started", {"run_id": "R"})
        kept = journal.append_many([("reading", _reading("p", n, float(n))) for n in range(50)])
        size = path.stat().st_size
        journal.append_many([("reading", _reading("p", n, float(n))) for n in range(50, 90)])
    whole = path.read_bytes()
    for cut in (size + 1, size + 100, (size + len(whole)) // 2, len(whole) - 1):
        path.write_bytes(whole[:cut])  # the second batch, torn by a crash
        contents = read_journal(path)
        assert "torn last line" in (contents.problem or "")
        assert contents.valid_size == size and contents.last_seq == kept[-1]
        assert [e.data["index"] for e in contents if e.kind == "reading"] == list(range(50))
    with Journal.open_for_append(path) as journal:  # the torn batch is moved aside
        assert journal.last_seq == kept[-1]
        assert journal.append("run_ended", {"status": "completed"}) == kept[-1] + 1
    assert path.with_name("R.journal.torn").read_bytes() == whole[size:len(whole) - 1] + b"\n"
    record = open_record(seal(path))
    assert record.points[0].readings.magnitude.tolist() == [float(n) for n in range(50)]


@pytest.mark.parametrize("change", [
    ({"count": 3}, "holds 2 numbers, count says 3"),
    ({"count": 0}, "a readings batch with count 0"),
    ({"value": {"f8le": "not base64!"}}, "value is not base64 text"),
    ({"value": [1.0, 2.0]}, "value is not {'f8le': base64 text}"),
    ({"extra": 1}, "needs exactly count, index"),
])
def test_a_malformed_batch_stops_reading_there_and_says_why(
        tmp_path: Path, change: tuple[dict[str, Any], str]) -> None:
    path = tmp_path / "R.journal"
    with Journal.create(path, "R") as journal:
        journal.append("run_started", {"run_id": "R"})
        journal.append_many([("reading", _reading("p", n, float(n))) for n in range(2)])
    lines = path.read_bytes().splitlines(keepends=True)
    body = json.loads(lines[2][65:])
    body["data"].update(change[0])
    line, checksum = _encode(lines[1][:64].decode(), 2, body["time"], "readings", body["data"])
    after, _ = _encode(checksum, 4, body["time"], "run_ended", {"status": "completed"})
    path.write_bytes(b"".join(lines[:2]) + line + after)
    contents = read_journal(path)
    assert contents.last_seq == 1 and contents.trailing_lines == 1
    assert "line 3" in (contents.problem or "") and change[1] in (contents.problem or "")
    reader = JournalReader(path)
    assert len(list(reader.items())) == 1 and change[1] in (reader.problem or "")


def test_a_journal_of_the_previous_version_still_seals_and_resumes_one_per_line(
        tmp_path: Path) -> None:
    path = tmp_path / "R.journal"
    values = [10.0 + n * 1e-6 for n in range(20)]
    with mock.patch.object(journal_module, "FORMAT_VERSION", 1):
        _write(path, _run({"p1": values})[:-1], one_per_line=False)
    assert read_journal(path).version == 1
    assert b'"kind":"readings"' not in path.read_bytes()
    assert path.read_bytes().count(b'"kind":"reading"') == 20
    with Journal.open_for_append(path) as journal:  # resumed: still one reading a line
        journal.append_many([("reading", _reading("p2", n, float(n))) for n in range(3)])
        journal.append("run_ended", {"status": "completed"})
    assert b'"kind":"readings"' not in path.read_bytes()
    record = open_record(seal(path))
    assert record.points[0].readings.magnitude.tolist() == values
    assert verify(record.path).ok


def test_a_stored_version_1_journal_seals(tmp_path: Path) -> None:
    stored = sorted(Path(__file__).with_name("data").glob("v1/*.journal"))
    if not stored:
        pytest.skip("no stored journal of the previous version beside the v1 records")
    path = tmp_path / stored[0].name
    path.write_bytes(stored[0].read_bytes())
    assert read_journal(path).problem is None
    assert verify(seal(path)).ok
