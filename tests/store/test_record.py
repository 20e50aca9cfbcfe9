"""Sealing a journal and reading the record back, through the API and through plain h5py."""

from __future__ import annotations

import errno
import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from metrolab.store import Journal, durable, open_record, read_journal, seal, verify
from metrolab.store.errors import RecordError, SealError
from metrolab.units import ureg


def test_a_completed_run_reads_back_whole(journal_path: Path, sample: SimpleNamespace) -> None:
    record = open_record(seal(journal_path))
    assert record.record_id == sample.run_id and record.certificate_id == sample.run_id
    assert record.status == "completed"
    assert record.run["procedure"] == {"name": "dmm-dcv", "version": "1.2"}
    assert record.run["customer"]["name"] == "Example Ltd"
    assert record.review.state == "draft"
    assert record.amends is None
    assert [i["role"] for i in record.instruments] == ["dut", "standard"]
    assert record.instruments[1]["traceability"]["certificate_id"] == "C-77"
    assert record.environment["temperature"].values.to("degC").magnitude.tolist() == [23.1]
    assert record.environment["temperature"].timestamps == ["2026-01-01T00:00:00.000000Z"]
    assert "pressure" not in record.environment  # never reported: left out, not NaN
    first, second = record.points
    assert (first.point_id, first.phase, first.function) == ("dcv-1V", "as_found", "DCV")
    assert second.readings.units == ureg.V
    expected = [10.0 + 1e-6 * (i - 2) + 1e-5 for i in range(5)]
    assert second.readings.magnitude.tolist() == expected
    assert np.diff(second.times).tolist() == [0.5] * 4
    assert second.timestamps[0] == "2026-01-01T00:00:03.000000Z"
    assert second.value is not None and second.value.magnitude == pytest.approx(10.00001)
    assert second.nominal == ureg.Quantity(10.0, "V")
    mean = sum(expected) / 5
    assert second.budget == sample.budget(mean - 10.0, 5e-6)
    assert second.decision == sample.decision(mean - 10.0, 1.1e-5)
    assert second.U is not None and second.U.units == ureg.V
    assert [e["type"] for e in record.events] == ["note"]
    assert record.events[0]["data"] == {"points": 2}
    assert record.provenance["journal_entries"] == len(read_journal(journal_path))


def test_an_interrupted_journal_seals_as_aborted(tmp_path: Path, sample: SimpleNamespace) -> None:
    path = sample.write_run(tmp_path / "r.journal", end=False)
    record = open_record(seal(path))
    assert record.status == "aborted"
    assert "without run_ended" in record.run["reason"]
    assert len(record.points) == 2


def _numeric_datasets(handle: h5py.File) -> list[h5py.Dataset]:
    found: list[h5py.Dataset] = []
    handle.visititems(lambda name, obj: found.append(obj) if isinstance(obj, h5py.Dataset)
                      and obj.dtype.kind in "iuf" else None)
    return found


def _table(dataset: h5py.Dataset) -> list[dict[str, object]]:
    """Return a compound table as rows of {column: value} with texts decoded."""
    data = dataset[()]
    names = data.dtype.names or ()
    return [{n: (row[n].decode() if isinstance(row[n], bytes) else row[n].item())
             for n in names} for row in data]


def test_plain_h5py_can_follow_the_documented_layout(journal_path: Path,
                                                     sample: SimpleNamespace) -> None:
    path = seal(journal_path)
    with h5py.File(path, "r") as f:
        assert f.attrs["NX_class"] == "NXroot" and f.attrs["default"] == "entry"
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry" and entry.attrs["default"] == "results"
        assert entry["definition"][()] == b"NXmetrolab_calibration"
        assert entry["definition"].attrs["version"] == "2.0"
        assert entry["entry_identifier"][()].decode() == sample.run_id
        assert entry["run/status"][()] == b"completed"
        assert datetime.fromisoformat(entry["start_time"][()].decode()).tzinfo is not None
        assert entry["run/customer_name"][()] == b"Example Ltd"
        assert entry["run/started_at"][()] == b"2026-01-01T00:00:00+00:00"
        volts = entry["readings/volt"]
        assert volts.attrs["NX_class"] == "NXdata" and volts.attrs["signal"] == "value"
        assert volts["value"].attrs["units"] == "V" and volts["time"].attrs["units"] == "s"
        assert volts["value"].compression == "gzip" and volts["value"].chunks is not None
        assert volts["point"][()].tolist() == [0] * 5 + [1] * 5
        assert volts["index"][()].tolist() == [0, 1, 2, 3, 4] * 2
        assert "units" not in volts["index"].attrs and "units" not in volts["point"].attrs
        assert np.diff(volts["time"][()][5:]).tolist() == [0.5] * 4
        points = _table(entry["points/points"])
        assert [(p["point_id"], p["phase"]) for p in points] == [
            ("dcv-1V", "as_found"), ("dcv-10V", "as_found")]
        assert points[1]["range"] == 10.0 and points[1]["range_unit"] == "V"
        assert points[1]["tolerance_upper"] == 4e-5
        table = entry["points/points"]
        assert table.attrs["error_unit_column"] == "error_unit"
        assert "frequency: no point set a frequency (all DC)" in table.attrs["absent"].tolist()
        budget = _table(entry["points/budget"])
        assert [(b["point"], b["input"]) for b in budget] == [
            (0, "indication"), (0, "reference"), (1, "indication"), (1, "reference")]
        assert budget[3]["dof"] == np.inf and budget[3]["sensitivity"] == -1.0
        assert entry["points/budget"].attrs["sensitivity_unit_column"] == "sensitivity_unit"
        outputs = _table(entry["points/outputs"])
        assert outputs[1]["output"] == "error" and outputs[1]["unit"] == "V"
        decisions = _table(entry["points/decisions"])
        assert decisions[1]["statement"] == "pass" and decisions[1]["tur"] == 4.2
        assert "pfa: no decision gave pfa" in entry["points/decisions"].attrs["absent"].tolist()
        result = json.loads(entry["points/result_json"][1])
        assert result["budget"] == sample.budget(result["error"]["value"], 5e-6)
        assert entry["instrument/standard_01/traceability_due_date"][()] == b"2026-06-01"
        assert entry["environment/temperature"].attrs["NX_class"] == "NXlog"
        assert entry["environment/temperature/value"].attrs["units"] == "degC"
        assert "pressure" not in entry["environment"]
        assert entry["environment"].attrs["not_reported"].tolist() == [
            "pressure: no environment entry reported it"]
        plot = entry["results"]
        assert plot.attrs["signal"] == "normalized_error"
        assert plot["normalized_error_errors"][()].shape == (2,)
        for dataset in _numeric_datasets(f):
            if dataset.dtype.kind == "f":  # every float has a pint-parsable unit
                ureg.parse_units(dataset.attrs["units"])
            else:  # counts and indices have none
                assert "units" not in dataset.attrs, dataset.name
        assert f["entry/integrity/checksum"][()].decode() == open_record(path).sha256


def test_sealing_never_replaces_a_record(journal_path: Path) -> None:
    path = seal(journal_path)
    before = path.read_bytes()
    other = journal_path.with_name("other.journal")
    Journal.create(other, "OTHER").close()
    with pytest.raises(SealError, match="never replaced"):
        seal(other, path)
    assert path.read_bytes() == before


def files(folder: Path) -> list[str]:
    """Return the names in ``folder``, without the hidden lock files of journals and logs."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_a_full_disk_while_sealing_leaves_nothing_but_the_journal(
        journal_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal_before = journal_path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable, "sync", no_space)
    with pytest.raises(SealError) as caught:
        seal(journal_path)
    message = str(caught.value)
    assert "the disk is full (ENOSPC" in message
    assert "No record was put in place and its temporary file was removed" in message
    assert str(journal_path.with_suffix(".h5")) in message
    assert f"then run `metrolab recover {journal_path}`" in message
    assert f"Kept: the journal {journal_path} with all 20 entries, unchanged" in message
    assert files(journal_path.parent) == [journal_path.name]
    assert journal_path.read_bytes() == journal_before


def test_opening_something_else_is_a_named_error(tmp_path: Path, journal_path: Path) -> None:
    with pytest.raises(RecordError, match="does not exist"):
        open_record(tmp_path / "missing.h5")
    with pytest.raises(RecordError, match="not an HDF5 file"):
        open_record(journal_path)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(RecordError, match="not a metrolab record"):
        open_record(other)


def test_a_new_point_started_voids_the_earlier_attempt(tmp_path: Path) -> None:
    path = tmp_path / "retry.journal"
    started = {"point_id": "p", "phase": "as_left", "function": "DCV",
               "nominal": {"value": 1.0, "unit": "V"}}
    with Journal.create(path, "RETRY") as journal:
        journal.append("point_started", started)
        for index in range(3):
            journal.append("reading", {"point_id": "p", "phase": "as_left", "index": index,
                                       "time": 10.0 + index, "value": 5.0, "unit": "V"})
        journal.append("event", {"type": "retry", "message": "overload", "data": None})
        journal.append("point_started", started)
        for index in range(2):
            journal.append("reading", {"point_id": "p", "phase": "as_left", "index": index,
                                       "time": 20.0 + index, "value": 1.0, "unit": "mV"})
    (point,) = open_record(seal(path)).points
    assert point.attempts == 2
    assert point.readings.magnitude.tolist() == [1.0, 1.0]
    assert point.readings.units == ureg.mV
    assert point.voided_readings is not None
    assert point.voided_readings.magnitude.tolist() == [5.0, 5.0, 5.0]
    assert point.times.tolist() == [20.0, 21.0]
    assert point.journal_seq.tolist() == [7, 8]


def test_a_run_is_sealed_once_per_records_directory(journal_path: Path) -> None:
    seal(journal_path)
    with pytest.raises(SealError, match=r"already sealed as R-2026-0001\.h5"):
        seal(journal_path, journal_path.parent / "copy.h5")
    assert not (journal_path.parent / "copy.h5").exists()


def test_a_journal_with_only_its_header_seals_as_an_empty_aborted_run(tmp_path: Path) -> None:
    path = tmp_path / "empty.journal"
    Journal.create(path, "EMPTY").close()
    record = open_record(seal(path))
    assert (record.record_id, record.status, record.points) == ("EMPTY", "aborted", [])
    assert record.environment == {}
    assert verify(record.path).ok


@pytest.mark.parametrize(("reading", "message"), [
    ({"value": 1.0, "unit": "A"}, r"a value in 'A' cannot join values in 'V'"),
    ({"value": 1.0, "unit": "V", "time": "yesterday"}, r"'yesterday' .* neither epoch"),
])
def test_a_journal_the_store_cannot_make_sense_of_is_refused_by_name(
        tmp_path: Path, reading: dict[str, object], message: str) -> None:
    path = tmp_path / "odd.journal"
    with Journal.create(path, "ODD") as journal:
        journal.append("reading", {"point_id": "p", "phase": "as_found", "value": 2.0,
                                   "unit": "V", "time": 0.0})
        journal.append("reading", {"point_id": "p", "phase": "as_found", **reading})
    with pytest.raises(SealError, match=message):
        seal(path)
    assert files(tmp_path) == ["odd.journal"]
