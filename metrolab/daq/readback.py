"""Reading an acquisition file back as an ``xarray.Dataset``, lazily.

A log gives dimension ``time`` (a ``datetime64[ns]`` coordinate) and one data variable
per column; a sweep gives one dimension per axis (its planned setpoints as the
coordinate) and ``reading`` (when more than one reading is taken per setpoint), with NaN
where the run did not get to. Every data variable carries its ``units`` attribute in
text pint reads (``V``, ``degC``, ``percent``), plus ``role`` and ``call``; the dataset's
attributes say which run it was and how it ended.

Nothing is read until it is used: each variable is an xarray lazily indexed array over
the HDF5 dataset (no dask needed; pass the result to ``.chunk()`` for dask). A log's time
coordinate gets a pandas index (for ``.sel(time=...)``) only when the file has at most
:data:`INDEX_ROWS` rows, or when ``index=True``; a larger file stays lazy and
``ds.set_xindex("time")`` builds the index when wanted. A file still being written
(SWMR) is read as it was when opened. Close the dataset (or use ``with``) to close the
file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from metrolab.daq.errors import DaqFileError
from metrolab.daq.layout import EPOCH, SCHEMA_NAME, text_value

#: a log's time index is built at load up to this many rows (8 MB of float64)
INDEX_ROWS = 1_000_000


class _RowArray(BackendArray):
    """An HDF5 row dataset seen through ``shape``: the first ``rows`` rows, reshaped to the
    planned grid of a sweep (NaN beyond the rows written)."""

    def __init__(self, dataset: h5py.Dataset, rows: int, shape: tuple[int, ...]) -> None:
        self.dataset = dataset
        self.rows = rows
        self.shape = shape
        self.dtype = np.dtype(np.float64) if dataset.dtype.kind == "f" else dataset.dtype

    def __deepcopy__(self, memo: dict[int, Any]) -> _RowArray:
        """Return self: the rows on disk are only read, so a deep copy may share them."""
        return self

    def __reduce__(self) -> tuple[Any, tuple[str, str, int, tuple[int, ...]]]:
        """Pickle as (file, dataset, rows, shape): the copy reopens the file read-only."""
        return (_reopened, (self.dataset.file.filename, self.dataset.name, self.rows,
                            self.shape))

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.typing.ArrayLike:
        return indexing.explicit_indexing_adapter(key, self.shape,
                                                  indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple[Any, ...]) -> np.ndarray:
        if len(self.shape) == 1 and self.shape[0] <= self.rows:
            return np.asarray(self.dataset[key])
        flat = np.arange(int(np.prod(self.shape)), dtype=np.int64).reshape(self.shape)[key]
        out = np.full(flat.shape, np.nan, dtype=self.dtype)
        present = flat < self.rows
        if present.any():
            low, high = int(flat[present].min()), int(flat[present].max()) + 1
            block = self.dataset[low:high]
            out[present] = block[flat[present] - low]
        return out


def _reopened(filename: str, name: str, rows: int, shape: tuple[int, ...]) -> _RowArray:
    """Return the rows of dataset ``name`` of ``filename``, opened again (an unpickled copy)."""
    return _RowArray(h5py.File(filename, "r", swmr=True)[name], rows, shape)


def _variable(dataset: h5py.Dataset, rows: int, dims: tuple[str, ...],
              shape: tuple[int, ...]) -> xr.Variable:
    attrs = {key: _attr(value) for key, value in dataset.attrs.items()
             if key in ("units", "long_name", "role", "call")}
    return xr.Variable(dims, indexing.LazilyIndexedArray(_RowArray(dataset, rows, shape)),
                       attrs=attrs)


def _attr(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _time(dataset: h5py.Dataset, rows: int, dims: tuple[str, ...],
          shape: tuple[int, ...]) -> xr.Variable:
    """Return the time coordinate decoded lazily to ``datetime64[ns]`` (UTC)."""
    seconds = xr.Variable(dims, indexing.LazilyIndexedArray(_RowArray(dataset, rows, shape)),
                          attrs={"units": f"seconds since {EPOCH}",
                                 "calendar": "proleptic_gregorian"})
    decoded: xr.Variable = xr.coders.CFDatetimeCoder(time_unit="ns").decode(seconds,
                                                                             name="time")
    decoded.attrs["long_name"] = "time of the reading (UTC)"
    return decoded


def _open(path: Path) -> h5py.File:
    try:
        handle = h5py.File(path, "r", swmr=True)
    except FileNotFoundError:
        raise DaqFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise DaqFileError(f"{path} cannot be opened as HDF5 ({exc}); if its run crashed, "
                           "rebuild it from the journal: metrolab daq recover") from exc
    schema = handle.attrs.get("schema_name")
    if schema != SCHEMA_NAME:
        handle.close()
        raise DaqFileError(f"{path} is not a metrolab.daq file (schema_name {schema!r}); "
                           "sealed calibration records open with metrolab.store.open_record")
    return handle


def load(path: str | os.PathLike[str], *, index: bool | None = None) -> xr.Dataset:
    """Return the acquisition file at ``path`` as a lazily loaded ``xarray.Dataset``.

    ``index`` builds (True) or skips (False) a log's time index; None builds it for files
    of at most :data:`INDEX_ROWS` rows. Raises :class:`DaqFileError` for a file that is
    not an acquisition file or cannot be opened.
    """
    path = Path(path)
    handle = _open(path)
    try:
        dataset = _dataset(handle, path, index)
    except BaseException:
        handle.close()
        raise
    dataset.set_close(handle.close)
    return dataset


def _dataset(handle: h5py.File, path: Path, index: bool | None) -> xr.Dataset:
    entry = handle["entry"]
    data = entry["data"]
    columns = [str(name) for name in [data.attrs["signal"],
                                      *data.attrs.get("auxiliary_signals", [])]]
    row_names = ["time", *columns]
    rows = min(data[name].shape[0] for name in row_names)
    if "sweep" in entry:
        dims, shape, coords = _sweep_grid(entry, rows)
        time = _time(data["time"], rows, dims, shape)
        coordinates = xr.Coordinates({**coords, "time": time})
    else:
        dims, shape = ("time",), (rows,)
        time = _time(data["time"], rows, dims, shape)
        build = index if index is not None else rows <= INDEX_ROWS
        coordinates = xr.Coordinates({"time": time, "step": _variable(
            data["step"], rows, dims, shape)}, indexes=None if build else {})
    variables = {name: _variable(data[name], rows, dims, shape) for name in columns}
    return xr.Dataset(variables, coords=coordinates, attrs=_attributes(handle, path, rows))


def _sweep_grid(entry: h5py.Group, rows: int) -> tuple[tuple[str, ...], tuple[int, ...],
                                                       dict[str, xr.Variable]]:
    """Return the dims, shape and setpoint coordinates of a sweep's planned grid."""
    sweep = entry["sweep"]
    axes = [_attr(name) for name in sweep.attrs["axes"]]
    readings = int(entry.attrs["readings_per_step"])
    coords = {}
    for name in axes:
        planned = sweep[name]
        coords[name] = xr.Variable((name,), planned[()], attrs={
            "units": _attr(planned.attrs["units"]), "role": _attr(planned.attrs["role"]),
            "call": _attr(planned.attrs["call"]), "settle_s": float(planned.attrs["settle_s"])})
    dims = tuple(axes)
    shape = tuple(sweep[name].shape[0] for name in axes)
    if readings > 1:
        dims, shape = (*dims, "reading"), (*shape, readings)
        coords["reading"] = xr.Variable(("reading",), np.arange(readings))
    return dims, shape, coords


def _attributes(handle: h5py.File, path: Path, rows: int) -> dict[str, Any]:
    entry = handle["entry"]
    attrs: dict[str, Any] = {key: _attr(entry.attrs[key]) for key in
                             ("run_id", "kind", "title", "start_time")}
    attrs.update(status=text_value(entry["status"]), end_time=text_value(entry["end_time"]),
                 end_reason=text_value(entry["end_reason"]), rows=rows, source=str(path),
                 schema=f"{handle.attrs['schema_name']} {handle.attrs['schema_version']}")
    instruments = {role: {key: _attr(group.attrs[key]) for key in group.attrs
                          if key != "NX_class"} for role, group in entry["instrument"].items()}
    attrs["instruments"] = json.dumps(instruments, sort_keys=True)
    simulation = json.loads(entry["configuration/config_json"][()]).get("simulation") or {}
    attrs["simulated"] = json.dumps(simulation, sort_keys=True) if simulation else "no"
    return attrs
