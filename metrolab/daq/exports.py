"""Exporting an acquisition file's rows to CSV or Parquet, in bounded memory.

Rows are read :data:`BATCH_ROWS` at a time (a 10^8-row log never sits in memory whole).
Columns: ``time`` (ISO 8601 UTC in CSV, a UTC timestamp in Parquet), ``step``, the
setpoints, then each reading; a CSV header names the unit (``dmm [V]``), a Parquet field
carries it in its metadata (``units``) along with the run's attributes on the schema.
Parquet needs pyarrow (``pip install 'metrolab[parquet]'``): it is an optional extra
because it is large (~40 MB) and only this export uses it.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from metrolab.daq.errors import DaqFileError, DaqInputError
from metrolab.daq.layout import SCHEMA_NAME, text_value

BATCH_ROWS = 1_000_000


def _columns(data: h5py.Group) -> list[str]:
    signals = [str(data.attrs["signal"]), *(str(n) for n in data.attrs.get("auxiliary_signals",
                                                                           []))]
    axes = [name for name in data if name not in ("time", "step", *signals)]
    return ["time", "step", *sorted(axes), *signals]


def _batches(data: h5py.Group, names: list[str], rows: int) -> Iterator[dict[str, np.ndarray]]:
    for start in range(0, rows, BATCH_ROWS):
        stop = min(rows, start + BATCH_ROWS)
        yield {name: data[name][start:stop] for name in names}


def export(path: str | os.PathLike[str], target: str | os.PathLike[str]) -> int:
    """Write the rows of acquisition file ``path`` to ``target`` (``.csv`` or ``.parquet``);
    return the number of rows written.

    Raises :class:`DaqInputError` for another suffix, or Parquet without pyarrow, and
    :class:`DaqFileError` for a file that is not an acquisition file.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DaqInputError(f"export to {target}: the name must end in .csv or .parquet")
    with h5py.File(path, "r", swmr=True) as handle:
        if handle.attrs.get("schema_name") != SCHEMA_NAME:
            raise DaqFileError(f"{path} is not a metrolab.daq file")
        data = handle["entry/data"]
        names = _columns(data)
        rows = min(data[name].shape[0] for name in names)
        units = {name: str(data[name].attrs.get("units", "")) for name in names}
        if suffix == ".csv":
            _csv(target, data, names, units, rows)
        else:
            entry = handle["entry"]
            meta = {"run_id": str(entry.attrs["run_id"]), "kind": str(entry.attrs["kind"]),
                    "title": str(entry.attrs["title"]), "status": text_value(entry["status"]),
                    "source": str(path)}
            _parquet(target, data, names, units, rows, meta)
    return rows


def _iso(seconds: np.ndarray) -> np.ndarray:
    stamps = (seconds * 1e6).round().astype("datetime64[us]")
    return np.char.add(np.datetime_as_string(stamps, unit="us"), "Z")


def _csv(target: Path, data: h5py.Group, names: list[str], units: dict[str, str],
         rows: int) -> None:
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"{n} [{units[n]}]" if units[n] and n != "time" else n
                         for n in names])
        for batch in _batches(data, names, rows):
            columns: list[Any] = [_iso(batch["time"])]
            columns += [batch[n].tolist() for n in names[1:]]
            writer.writerows(zip(*columns, strict=True))


def _parquet(target: Path, data: h5py.Group, names: list[str], units: dict[str, str],
             rows: int, meta: dict[str, str]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DaqInputError("Parquet export needs pyarrow: pip install 'metrolab[parquet]'"
                            ) from None
    fields = [pa.field("time", pa.timestamp("us", tz="UTC"))]
    fields += [pa.field(n, pa.int64() if n == "step" else pa.float64(),
                        metadata={"units": units[n]} if units[n] else None) for n in names[1:]]
    schema = pa.schema(fields, metadata={"metrolab": json.dumps(meta)})
    with pq.ParquetWriter(target, schema) as writer:
        for batch in _batches(data, names, rows):
            arrays = [pa.array((batch["time"] * 1e6).round().astype("int64"),
                               type=pa.timestamp("us", tz="UTC"))]
            arrays += [pa.array(batch[n]) for n in names[1:]]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
