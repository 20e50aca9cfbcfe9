"""The incremental writer of an acquisition file: SWMR mode, chunked and compressed.

The file is created whole (every group, attribute and empty dataset, :mod:`layout`) and
then switched to SWMR (single writer, multiple readers): from then on ``h5py``, h5web or
``metrolab daq view`` in another process can open it with ``swmr=True`` and see the rows
grow. The writer only appends rows and writes into datasets that exist, which is all SWMR
allows.

Compression and a bounded flush interval fight each other: rewriting a half-full
deflated chunk at every flush makes HDF5 allocate a new block each time, because the
compressed chunk grows (a 1-row-per-second log grows hundreds of times bigger than its
data). So each row dataset keeps the chunk it is filling in memory, and every chunk is
shuffled and deflated here, byte for byte as HDF5's shuffle and deflate filters store it,
then stored with a direct chunk write:

- a full chunk is written once, deflated in one of two worker threads (zlib releases the
  GIL, so this overlaps the instrument's transfer and the journal) and written in order;
- at a flush the partial chunk is deflated and padded with zeros to a fixed size (zlib's
  bound for an incompressible chunk), so HDF5 rewrites it in place every time, and so is
  it when it fills (no block is ever freed, so none is left as a hole); inflate stops at
  the end of the deflate stream, so every reader ignores the padding. A fast stream
  flushes a partial chunk about once a second and compresses all the others; a slow log
  (a few rows a second) has every chunk padded, so its file is about its raw size, never
  more.

(A partial chunk stored *unfiltered*, with a filter mask, would need no padding, but
HDF5 2.0 cannot read such a chunk back through the handle that wrote it, which breaks a
live view in the writing process.)
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np

from metrolab.clock import isoformat
from metrolab.daq.errors import DaqFileError
from metrolab.daq.layout import (
    CHUNK_ROWS,
    EVENT_MESSAGE_BYTES,
    EVENT_TYPE_BYTES,
    REASON_BYTES,
    STATUS_BYTES,
    TIME_BYTES,
    FileLayout,
    create_layout,
    fixed_text,
)
from metrolab.daq.rows import RowBlock


def _deflate_bound(size: int) -> int:
    """Return zlib's ``compressBound``: the most deflate can make of ``size`` bytes."""
    return size + (size >> 12) + (size >> 14) + (size >> 25) + 13


def _filtered(chunk: np.ndarray, padded: int = 0) -> bytes:
    """Return ``chunk`` shuffled and deflated (level 1) exactly as HDF5's shuffle and
    deflate filters store it, padded with zeros to ``padded`` bytes when given."""
    shuffled = chunk.view(np.uint8).reshape(-1, chunk.itemsize).T.tobytes()
    deflated = zlib.compress(shuffled, 1)
    return deflated + bytes(max(0, padded - len(deflated)))


class _Deflater:
    """Deflates full chunks in worker threads (zlib releases the GIL, so this overlaps the
    instrument's transfer and the journal) and writes them, in order, from the caller's
    thread. At most :data:`IN_FLIGHT` chunks wait, so memory stays bounded."""

    IN_FLIGHT = 8

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="metrolab-daq-deflate")
        self._waiting: deque[tuple[h5py.Dataset, int, Future[bytes]]] = deque()

    def submit(self, dataset: h5py.Dataset, offset: int, chunk: np.ndarray,
               padded: int) -> None:
        """Deflate ``chunk`` (the caller gives up the array) for ``dataset`` at ``offset``,
        padded to ``padded`` bytes (0: not padded)."""
        self._waiting.append((dataset, offset, self._pool.submit(_filtered, chunk, padded)))
        self.write(wait=len(self._waiting) > self.IN_FLIGHT)

    def write(self, *, wait: bool = False) -> None:
        """Write the chunks that are deflated (all of them when ``wait``), oldest first."""
        while self._waiting and (wait or self._waiting[0][2].done()):
            dataset, offset, future = self._waiting.popleft()
            data = future.result()
            if dataset.shape[0] < offset + CHUNK_ROWS:
                dataset.resize((offset + CHUNK_ROWS,))
            dataset.id.write_direct_chunk((offset,), data)

    def close(self) -> None:
        """Stop the workers (what was not written is dropped: the journal has it)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._waiting.clear()


class _Column:
    """One row dataset and the chunk it is filling."""

    def __init__(self, dataset: h5py.Dataset, rows: int, deflater: _Deflater) -> None:
        self.dataset = dataset
        self.deflater = deflater
        self.dtype = np.dtype("<f8" if dataset.dtype.kind == "f" else "<i8")
        self.fill = np.nan if self.dtype.kind == "f" else 0
        self.start = rows - rows % CHUNK_ROWS
        self.tail = np.full(CHUNK_ROWS, self.fill, dtype=self.dtype)
        self.used = rows - self.start
        self.padded = _deflate_bound(self.tail.nbytes)
        #: whether the chunk being filled was already stored (padded) by a flush
        self.stored = False
        if self.used:
            self.tail[:self.used] = dataset[self.start:rows]

    def extend(self, values: np.ndarray) -> None:
        """Append ``values``: full chunks go to the file filtered, the rest stays in memory."""
        offset = 0
        while offset < values.size:
            take = min(CHUNK_ROWS - self.used, values.size - offset)
            self.tail[self.used:self.used + take] = values[offset:offset + take]
            self.used += take
            offset += take
            if self.used == CHUNK_ROWS:
                self.deflater.submit(self.dataset, self.start, self.tail,
                                     self.padded if self.stored else 0)
                self.start, self.used, self.stored = self.start + CHUNK_ROWS, 0, False
                self.tail = np.full(CHUNK_ROWS, self.fill, dtype=self.dtype)

    def flush(self, rows: int) -> None:
        """Make the dataset ``rows`` long and store the partial chunk (fixed size, in place)."""
        if self.dataset.shape[0] != rows:
            self.dataset.resize((rows,))
        if self.used:
            self.dataset.id.write_direct_chunk((self.start,),
                                               _filtered(self.tail, self.padded))
            self.stored = True


class DaqWriter:
    """Appends :class:`RowBlock`s and events to an acquisition file open in SWMR mode.

    Rows reach the file at :meth:`flush` (and full chunks as they fill); the engine calls
    it at its flush interval, after the rows are in the journal.
    """

    def __init__(self, path: Path, handle: h5py.File, layout_names: tuple[str, ...],
                 rows: int) -> None:
        self.path = path
        self._handle = handle
        self._entry = handle["entry"]
        data = self._entry["data"]
        self._deflater = _Deflater()
        self._columns = {name: _Column(data[name], rows, self._deflater)
                         for name in layout_names}
        self._events = self._entry["events"]
        self.rows = rows
        self._flushed = rows

    @classmethod
    def create(cls, path: str | os.PathLike[str], layout: FileLayout) -> DaqWriter:
        """Create ``path`` with ``layout`` and return its writer, in SWMR mode.

        Refuses an existing file (:class:`DaqFileError`): a data file is never replaced.
        """
        path = Path(path)
        try:
            handle = h5py.File(path, "w-", libver="latest")
        except FileExistsError:
            raise DaqFileError(f"{path} already exists: choose another --out file (a data "
                               "file is never replaced)") from None
        except OSError as exc:
            raise DaqFileError(f"cannot create {path}: {exc}; choose a writable folder with "
                               "free space") from exc
        try:
            create_layout(handle, layout)
            handle.swmr_mode = True
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise
        return cls(path, handle, layout.row_datasets, 0)

    @classmethod
    def reopen(cls, path: str | os.PathLike[str], layout: FileLayout) -> DaqWriter:
        """Reopen a file rebuilt from its journal to go on appending (resume); return it."""
        path = Path(path)
        try:
            handle = h5py.File(path, "r+", libver="latest")
        except OSError as exc:
            raise DaqFileError(f"cannot reopen {path} to resume: {exc}; close the programs "
                               "that have it open") from exc
        try:
            data = handle["entry/data"]
            rows = min(data[name].shape[0] for name in layout.row_datasets)
            handle.swmr_mode = True
            writer = cls(path, handle, layout.row_datasets, rows)
            writer._set_text("status", "running", STATUS_BYTES)
            writer._set_text("end_time", "", TIME_BYTES)
            writer._set_text("end_reason", "", REASON_BYTES)
        except BaseException:
            handle.close()
            raise
        return writer

    def append(self, block: RowBlock) -> None:
        """Add the rows of ``block`` (kept in memory until full chunks or :meth:`flush`)."""
        if block.row != self.rows:
            raise DaqFileError(f"{self.path}: block of step {block.step} starts at row "
                               f"{block.row}, the file has {self.rows} rows")
        count = block.count
        arrays = {"time": block.times(), "step": np.full(count, block.step, dtype="<i8")}
        for name, value in block.setpoints.items():
            arrays[name] = np.full(count, value, dtype="<f8")
        arrays.update(block.values)
        for name, column in self._columns.items():
            column.extend(np.asarray(arrays[name]))
        self._deflater.write()
        self.rows += count

    def event(self, time: float, kind: str, message: str, seq: int) -> None:
        """Add one event row (time in s since the epoch, type, message, journal entry)."""
        events = self._events
        index = events["time"].shape[0]
        for name, value in (("time", time), ("type", fixed_text(kind, EVENT_TYPE_BYTES)),
                            ("message", fixed_text(message, EVENT_MESSAGE_BYTES)),
                            ("journal_seq", seq)):
            events[name].resize((index + 1,))
            events[name][index] = value

    def flush(self) -> None:
        """Write every row appended so far and flush the file: SWMR readers see them now."""
        if self.rows != self._flushed:
            self._deflater.write(wait=True)
            for column in self._columns.values():
                column.flush(self.rows)
            self._entry["rows"][()] = self.rows
            self._flushed = self.rows
        self._handle.flush()

    def finish(self, status: str, ended_at: float, reason: str) -> None:
        """Flush, record how the run ended (status, end time, reason) and close the file."""
        try:
            self.flush()
            self._set_text("status", status, STATUS_BYTES)
            self._set_text("end_time", isoformat(ended_at), TIME_BYTES)
            self._set_text("end_reason", reason, REASON_BYTES)
            self._handle.flush()
        finally:
            self.close()

    def _set_text(self, name: str, text: str, size: int) -> None:
        self._entry[name][()] = np.array(fixed_text(text, size), dtype=f"S{size}")

    def close(self) -> None:
        """Close the file (what was not flushed is lost here, but not from the journal)."""
        self._deflater.close()
        if self._handle.id.valid:
            self._handle.close()
