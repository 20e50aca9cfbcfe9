"""CSV and Parquet exports hold the same rows, units and times as the HDF5 file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metrolab import daq
from metrolab.cli import main
from metrolab.daq import exports
from metrolab.units import ureg


@pytest.fixture
def sweep_file(bench: Any, tmp_path: Path) -> Path:
    r = bench.resources
    result = daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]},
                       daq.Axis("calibrator", np.linspace(1, 5, 5) * ureg.V), readings=3,
                       out=tmp_path / "s.h5", clock=bench.clock)
    return result.path


def test_csv_rows_units_and_times(sweep_file: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "BATCH_ROWS", 4)  # several batches, as a huge file would
    target = tmp_path / "s.csv"
    assert daq.export(sweep_file, target) == 15
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time", "step", "calibrator [V]", "dmm [V]"]
    assert len(rows) == 16
    with daq.load(sweep_file) as data:
        dmm = data.dmm.values.ravel()
        times = data.time.values.ravel()
    np.testing.assert_array_equal([float(r[3]) for r in rows[1:]], dmm)
    assert [int(r[1]) for r in rows[1:]] == [s for s in range(5) for _ in range(3)]
    written = np.array([r[0].rstrip("Z") for r in rows[1:]], dtype="datetime64[us]")
    assert all(rows[i][0].endswith("Z") for i in range(1, 16))  # UTC, said so
    gap = np.abs(written - times.astype("datetime64[us]")).astype(int)
    assert gap.max() <= 1  # microseconds, the float64 epoch time's precision


def test_parquet_keeps_units_and_times(sweep_file: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr(exports, "BATCH_ROWS", 4)
    target = tmp_path / "s.parquet"
    assert daq.export(sweep_file, target) == 15
    table = pq.read_table(target)
    assert table.column_names == ["time", "step", "calibrator", "dmm"]
    assert table.schema.field("dmm").metadata == {b"units": b"V"}
    with daq.load(sweep_file) as data:
        np.testing.assert_array_equal(table.column("dmm").to_numpy(), data.dmm.values.ravel())
        expected = data.time.values.ravel().astype("datetime64[us]")
    gap = np.abs(table.column("time").to_numpy().astype("datetime64[us]") - expected)
    assert gap.astype(int).max() <= 1
    assert b"metrolab" in table.schema.metadata


def test_export_command_and_bad_suffix(sweep_file: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    main(["daq", "export", str(sweep_file), "--csv", str(tmp_path / "out.csv")])
    assert "out.csv: 15 rows" in capsys.readouterr().out
    with pytest.raises(daq.DaqInputError, match=r"\.csv or \.parquet"):
        daq.export(sweep_file, tmp_path / "out.xlsx")
