"""Reading an acquisition file back: xarray, lazily, with units pint reads; NeXus-style
attributes for HDF5 tools; a file still being written; files that are not ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pint
import pytest

from metrolab import daq
from metrolab.daq import readback
from metrolab.daq.layout import ColumnInfo, FileLayout
from metrolab.daq.rows import RowBlock
from metrolab.daq.writer import DaqWriter

LAYOUT = FileLayout("L", "log", "big log", 1.7e9, "b.daqjournal", 1,
                    (ColumnInfo("dmm", "mV", "dmm", "DCV"),
                     ColumnInfo("temp", "degC", "env", "temperature")), (), {}, [])


def _log(path: Path, rows: int, block: int = 10_000) -> None:
    writer = DaqWriter.create(path, LAYOUT)
    for start in range(0, rows, block):
        count = min(block, rows - start)
        index = np.arange(start, start + count, dtype=float)
        writer.append(RowBlock(start // block, start, count, 1.7e9 + start * 1e-3,
                               1.7e9 + (start + count) * 1e-3, {},
                               {"dmm": index, "temp": 20 + index * 1e-6}))
    writer.finish("completed", 1.7e9 + rows * 1e-3, "")


def test_units_are_what_an_independent_pint_registry_reads(tmp_path: Path) -> None:
    _log(tmp_path / "u.h5", 10)
    other = pint.UnitRegistry()
    with daq.load(tmp_path / "u.h5") as data:
        assert other.Unit(data.dmm.attrs["units"]) == other.millivolt
        assert other.Unit(data.temp.attrs["units"]) == other.degC
        quantity = other.Quantity(data.temp.values, data.temp.attrs["units"])
        np.testing.assert_allclose(quantity.to("K").magnitude, data.temp.values + 273.15)


def test_nothing_is_read_until_it_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _log(tmp_path / "lazy.h5", 200_000)
    reads: list[Any] = []
    original = readback._RowArray._read

    def counting(self: Any, key: Any) -> Any:
        reads.append((self.dataset.name, key))
        return original(self, key)

    monkeypatch.setattr(readback._RowArray, "_read", counting)
    monkeypatch.setattr(readback, "INDEX_ROWS", 1000)  # a "large" file: no time index
    with daq.load(tmp_path / "lazy.h5") as data:
        assert not [r for r in reads if r[0].endswith(("dmm", "temp"))]
        assert data.sizes["time"] == 200_000 and not data.indexes
        np.testing.assert_array_equal(data.dmm[150_000:150_005].values,
                                      np.arange(150_000, 150_005.0))
        assert reads[-1] == ("/entry/data/dmm", (slice(150_000, 150_005, 1),))
        indexed = data.set_xindex("time")
        moment = indexed.time.values[123_456]
        assert indexed.dmm.sel(time=moment).item() == 123_456.0


def test_a_small_log_is_indexed_by_time(tmp_path: Path) -> None:
    _log(tmp_path / "s.h5", 100)
    with daq.load(tmp_path / "s.h5") as data:
        assert list(data.indexes) == ["time"]
        assert data.dmm.sel(time=data.time[42]).item() == 42.0
    with daq.load(tmp_path / "s.h5", index=False) as data:
        assert not data.indexes


def test_nexus_attributes_for_hdf5_tools(tmp_path: Path) -> None:
    _log(tmp_path / "n.h5", 5)
    with h5py.File(tmp_path / "n.h5", "r") as handle:
        assert (handle.attrs["NX_class"], handle.attrs["default"]) == ("NXroot", "entry")
        entry = handle[handle.attrs["default"]]
        assert (entry.attrs["NX_class"], entry.attrs["default"]) == ("NXentry", "data")
        data = entry[entry.attrs["default"]]
        assert data.attrs["NX_class"] == "NXdata"
        signal = data[data.attrs["signal"]]
        axis = data[data.attrs["axes"][0]]
        assert signal.shape == axis.shape == (5,)
        assert list(data.attrs["auxiliary_signals"]) == ["temp"]
        for name in ("time", "dmm", "temp"):
            assert data[name].attrs["units"]
        assert data["time"].attrs["start"] == "1970-01-01T00:00:00+00:00"


def test_a_file_being_written_loads_as_it_is(tmp_path: Path) -> None:
    writer = DaqWriter.create(tmp_path / "live.h5", LAYOUT)
    writer.append(RowBlock(0, 0, 3, 1.7e9, 1.7e9 + 3, {},
                           {"dmm": np.array([1.0, 2.0, 3.0]), "temp": np.full(3, 21.0)}))
    writer.flush()
    try:
        with daq.load(tmp_path / "live.h5") as data:
            assert data.attrs["status"] == "running"
            np.testing.assert_array_equal(data.dmm.values, [1.0, 2.0, 3.0])
    finally:
        writer.finish("completed", 1.7e9 + 4, "")


def test_files_that_are_not_acquisitions(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "other.h5", "w") as handle:
        handle.attrs["schema_name"] = "metrolab-record"
    with pytest.raises(daq.DaqFileError, match="open_record"):
        daq.load(tmp_path / "other.h5")
    (tmp_path / "text.h5").write_text("hello")
    with pytest.raises(daq.DaqFileError, match="metrolab daq recover"):
        daq.load(tmp_path / "text.h5")
    with pytest.raises(daq.DaqFileError, match="no such file"):
        daq.load(tmp_path / "missing.h5")


def test_copies_and_pickles_of_a_lazy_dataset(tmp_path: Path) -> None:
    import copy
    import pickle

    _log(tmp_path / "c.h5", 50)
    with daq.load(tmp_path / "c.h5") as data:
        deep = data.copy(deep=True)
        assert deep.dmm[7].item() == 7.0
        clone = pickle.loads(pickle.dumps(data.dmm))  # as dask's workers receive it
        np.testing.assert_array_equal(clone.values, np.arange(50.0))
        assert copy.deepcopy(data.temp).attrs["units"] == "degC"
