"""The SWMR writer: rows written incrementally, read back exactly, compressed once full,
in bounded space, and visible to another process after each flush."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.daq.errors import DaqFileError
from metrolab.daq.layout import CHUNK_ROWS, AxisInfo, ColumnInfo, FileLayout
from metrolab.daq.rows import RowBlock
from metrolab.daq.writer import DaqWriter

LAYOUT = FileLayout("R1", "sweep", "test", 1.7e9, "t.daqjournal", 2,
                    (ColumnInfo("dmm", "V", "dmm", "DCV"), ColumnInfo("t", "degC", "env", "")),
                    (AxisInfo("cal", "V", "cal", "output", (0.0, 1.0), 0.0),), {"kind": "sweep"},
                    [{"role": "dmm", "resource": "SIM::x", "identity": {"model": "34465A"},
                      "snapshot": {"nplc": 10}}])


def _blocks(sizes: list[int]) -> list[RowBlock]:
    blocks, row = [], 0
    for step, size in enumerate(sizes):
        values = {"dmm": np.arange(row, row + size, dtype=float) * 1e-3,
                  "t": np.full(size, 20.0 + step)}
        blocks.append(RowBlock(step, row, size, 1.7e9 + step, 1.7e9 + step + 0.5,
                               {"cal": float(step)}, values))
        row += size
    return blocks


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, CHUNK_ROWS + 500), min_size=1, max_size=6),
       flushes=st.lists(st.booleans(), min_size=6, max_size=6))
def test_rows_read_back_exactly_whatever_the_flushes(tmp_path: Path, sizes: list[int],
                                                     flushes: list[bool]) -> None:
    path = tmp_path / f"w{len(list(tmp_path.iterdir()))}.h5"
    writer = DaqWriter.create(path, LAYOUT)
    blocks = _blocks(sizes)
    for block, flush in zip(blocks, flushes, strict=False):
        writer.append(block)
        if flush:
            writer.flush()
    writer.finish("completed", 1.7e9 + 100, "")
    with h5py.File(path, "r") as handle:
        data = handle["entry/data"]
        np.testing.assert_array_equal(data["dmm"][()],
                                      np.concatenate([b.values["dmm"] for b in blocks]))
        np.testing.assert_array_equal(data["time"][()],
                                      np.concatenate([b.times() for b in blocks]))
        np.testing.assert_array_equal(data["cal"][()], np.concatenate(
            [np.full(b.count, b.setpoints["cal"]) for b in blocks]))
        assert int(handle["entry/rows"][()]) == sum(sizes)
        assert handle["entry/status"][()].rstrip(b"\0") == b"completed"
        # every chunk is stored through shuffle + deflate (none skips a filter)
        dataset = data["dmm"]
        assert all(dataset.id.get_chunk_info(i).filter_mask == 0
                   for i in range(dataset.id.get_num_chunks()))


def test_a_slow_log_flushed_every_row_stays_small(tmp_path: Path) -> None:
    # rewriting a half-full deflated chunk at every flush makes HDF5 allocate anew each time
    # (a naive writer's file grows to hundreds of times its data); this one stays bounded
    writer = DaqWriter.create(tmp_path / "slow.h5", LAYOUT)
    for block in _blocks([1] * 1000):
        writer.append(block)
        writer.flush()
    writer.finish("completed", 1.7e9 + 1000, "")
    row_datasets = len(LAYOUT.row_datasets)
    assert (tmp_path / "slow.h5").stat().st_size < row_datasets * 2 * CHUNK_ROWS * 8 + 200_000


def test_the_writing_process_reads_its_own_file_while_writing(tmp_path: Path) -> None:
    # a live view or load() in the process that runs the acquisition
    writer = DaqWriter.create(tmp_path / "own.h5", LAYOUT)
    blocks = _blocks([3, 4])
    writer.append(blocks[0])
    writer.flush()
    with h5py.File(tmp_path / "own.h5", "r", swmr=True) as reader:
        dmm = reader["entry/data/dmm"]
        np.testing.assert_array_equal(dmm[()], blocks[0].values["dmm"])
        writer.append(blocks[1])
        writer.flush()
        dmm.refresh()
        assert dmm.shape == (7,)
        np.testing.assert_array_equal(dmm[3:], blocks[1].values["dmm"])
    writer.finish("completed", 1.7e9, "")


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "x.h5").write_bytes(b"mine")
    with pytest.raises(DaqFileError, match="already exists"):
        DaqWriter.create(tmp_path / "x.h5", LAYOUT)
    assert (tmp_path / "x.h5").read_bytes() == b"mine"


def test_block_out_of_order_is_refused(tmp_path: Path) -> None:
    writer = DaqWriter.create(tmp_path / "x.h5", LAYOUT)
    block = _blocks([3, 3])[1]
    with pytest.raises(DaqFileError, match="starts at row 3, the file has 0 rows"):
        writer.append(block)
    writer.close()


READER = """
import sys, h5py
handle = h5py.File(sys.argv[1], "r", swmr=True)
dmm = handle["entry/data/dmm"]
for line in sys.stdin:
    dmm.refresh()
    print(dmm.shape[0], float(dmm[-1]) if dmm.shape[0] else "none", flush=True)
"""


def test_another_process_sees_each_flush(tmp_path: Path) -> None:
    path = tmp_path / "live.h5"
    writer = DaqWriter.create(path, LAYOUT)
    blocks = _blocks([5, 5, 5])
    writer.append(blocks[0])
    writer.flush()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdin is not None and reader.stdout is not None
    seen = []
    try:
        for block in blocks[1:]:
            reader.stdin.write("refresh\n")
            reader.stdin.flush()
            seen.append(reader.stdout.readline().split())
            writer.append(block)
            writer.flush()
        reader.stdin.write("refresh\n")
        reader.stdin.flush()
        seen.append(reader.stdout.readline().split())
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
        writer.finish("completed", 1.7e9, "")
    assert [int(n) for n, _ in seen] == [5, 10, 15]
    assert float(seen[-1][1]) == pytest.approx(blocks[2].values["dmm"][-1])
