"""Writing a record's objects and hashing them as they are written.

:class:`RecordWriter` is the only way the store writes into a new record. Every group,
attribute and dataset goes through it, and it keeps the digest of each object
(:mod:`metrolab.store.integrity`) from the very values it hands to HDF5, so the manifest
is known when the last object is written, without reading anything back. Long columns
(:class:`Column`) are appended to in pieces, chunked and compressed (whole chunks
compressed here with ISA-L and written directly), and hashed piece by piece.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import h5py
import numpy as np
from h5py import h5d, h5g
from isal import isal_zlib

from metrolab.store.integrity import ArrayDigest, object_digest, plain
from metrolab.store.lowlevel import STRING, Node, ObjectMaker, as_array

#: rows of a column held before they are written (one HDF5 chunk)
COLUMN_CHUNK = 1 << 16
#: deflate level of columns and tables: the one filter every HDF5 reader has
DEFLATE = 1


def stored(value: Any) -> Any:
    """Return ``value`` as it is stored in HDF5 (and read back): text stays text, a list
    of texts becomes an array of UTF-8 strings, numbers become numpy scalars or arrays."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return value.astype(STRING) if value.dtype.kind == "U" else value
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return np.array(list(value), dtype=STRING)
    return np.asarray(value)


def _absolute(path: str) -> None:
    """Refuse a relative path: the manifest names every object by its absolute path."""
    if not path.startswith("/"):
        raise ValueError(f"record object path {path!r} must start with '/'")


def deflated_chunk(rows: np.ndarray, chunk_rows: int, planes: np.ndarray | None = None
                   ) -> bytes:
    """Return one full chunk of ``chunk_rows`` rows (``rows`` padded with zeros) as the
    HDF5 filter pipeline shuffle + deflate would store it: bytes regrouped by their place
    in each number, then zlib-compressed (ISA-L's deflate at level :data:`DEFLATE`; any
    zlib reads it, as HDF5's deflate filter does). ``planes`` (uint8, item size x
    ``chunk_rows``) is where the regrouped bytes are put, if given: a buffer reused from
    chunk to chunk instead of fresh memory each time."""
    size = rows.dtype.itemsize
    if planes is None:
        planes = np.empty((size, chunk_rows), np.uint8)
    planes[:, :rows.size] = rows.view(np.uint8).reshape(rows.size, size).T
    planes[:, rows.size:] = 0
    return isal_zlib.compress(planes.data, DEFLATE)


class Column:
    """A one-dimensional dataset appended to in pieces (chunked, shuffled, deflated).

    Rows are gathered in a chunk-sized buffer; each full chunk is hashed (the digest
    covers every row, in order), compressed here (:func:`deflated_chunk`) and written
    with HDF5's direct chunk write, which stores it exactly as the dataset's own shuffle
    and deflate filters would: the file is a plain shuffled, deflated HDF5 dataset.
    :meth:`close` writes the last, partial chunk.
    """

    def __init__(self, dataset: h5d.DatasetID, chunk: int) -> None:
        self.dataset = dataset
        self.dtype = dataset.dtype
        self.digest = ArrayDigest(self.dtype)
        self._chunk = chunk
        self._rows = np.empty(chunk, self.dtype)  # the chunk being filled
        self._planes = np.empty((self.dtype.itemsize, chunk), np.uint8)  # its bytes regrouped
        self._filled = 0  # rows in the chunk being filled
        self._written = 0  # rows written (a multiple of the chunk until closed)

    def append(self, values: np.ndarray) -> None:
        """Add ``values`` (1-D, converted to the column's type) at the end; return nothing."""
        piece = np.asarray(values, dtype=self.dtype)
        self._add(piece.size, lambda start, stop: piece[start:stop])

    def repeat(self, value: int | float, count: int) -> None:
        """Add ``count`` rows all holding ``value`` at the end; return nothing."""
        self._add(count, lambda start, stop: value)

    def _add(self, count: int, rows: Callable[[int, int], Any]) -> None:
        """Copy ``count`` rows into the chunk buffer (``rows(start, stop)`` gives those
        rows), writing each chunk it fills."""
        done = 0
        while done < count:
            take = min(self._chunk - self._filled, count - done)
            self._rows[self._filled:self._filled + take] = rows(done, done + take)
            self._filled += take
            done += take
            if self._filled == self._chunk:
                self._write()

    def _write(self) -> None:
        rows = self._rows[:self._filled]
        self.digest.update(rows)
        self.dataset.set_extent((self._written + rows.size,))
        self.dataset.write_direct_chunk(
            (self._written,), deflated_chunk(rows, self._chunk, self._planes))
        self._written += rows.size
        self._filled = 0

    def close(self) -> None:
        """Write the rows still held; return nothing."""
        if self._filled:
            self._write()


class RecordWriter:
    """Writes the objects of a new record into ``handle`` and keeps their digests.

    Paths are absolute HDF5 paths (``/entry/run``). Attributes given to :meth:`group`,
    :meth:`field` or :meth:`set_attrs` are written and remembered in their stored form;
    :meth:`manifest` returns ``{path: digest}`` for every object written or copied.
    Objects are made through h5py's low-level API (:mod:`metrolab.store.lowlevel`),
    exactly as its high-level calls would make them.
    """

    def __init__(self, handle: h5py.File) -> None:
        self.handle = handle
        self._attrs: dict[str, dict[str, Any]] = {"/": {}}
        self._values: dict[str, Any] = {}
        #: single values (text or a number) of the fields written, as written
        self._scalars: dict[str, Any] = {}
        self._columns: dict[str, Column] = {}
        self._copied: dict[str, str] = {}
        self._make = ObjectMaker()
        #: the objects this writer created, by path: children are created from their
        #: parent without h5py walking the path again
        self._nodes: dict[str, Node] = {"/": handle["/"].id}

    def _where(self, path: str) -> tuple[h5g.GroupID, str]:
        """Return (the group to create ``path`` in, the name to create it under): its
        parent if this writer created it, else the file's root with the whole path."""
        parent, _, leaf = path.rpartition("/")
        node = self._nodes.get(parent or "/")
        return (node, leaf) if isinstance(node, h5g.GroupID) else (self._nodes["/"], path[1:])

    def has(self, path: str) -> bool:
        """Return True if this writer wrote or copied an object at ``path``."""
        return path in self._nodes or path in self._copied

    def set_attrs(self, path: str, attrs: Mapping[str, Any]) -> None:
        """Write attributes on the object at ``path`` (written by this writer); return
        nothing."""
        node = self._nodes.get(path) or self.handle[path].id
        remembered = self._attrs[path]
        for name, value in attrs.items():
            value = stored(value)
            data = as_array(value)
            if data is None:
                h5py.AttributeManager(h5py.Group(node) if isinstance(node, h5g.GroupID)
                                      else h5py.Dataset(node))[name] = value
            else:
                self._make.attribute(node, name, data, replace=name in remembered)
            remembered[name] = plain(value)

    def group(self, path: str, nx_class: str, attrs: Mapping[str, Any] | None = None) -> str:
        """Create the group ``path`` with its ``NX_class`` and ``attrs``; return ``path``."""
        _absolute(path)
        parent, name = self._where(path)
        self._nodes[path] = self._make.group(parent, name)
        self._attrs[path] = {}
        self.set_attrs(path, {"NX_class": nx_class, **(attrs or {})})
        return path

    def field(self, path: str, value: Any, attrs: Mapping[str, Any] | None = None, *,
              compress: bool = False) -> str:
        """Create the dataset ``path`` holding ``value`` (text, number, array, list of
        texts or a table) with ``attrs``; return ``path``. ``compress`` chunks and
        deflates a large array or table."""
        _absolute(path)
        value = stored(value)
        parent, name = self._where(path)
        if isinstance(value, np.ndarray) and value.dtype.kind == "O":
            value = value.astype(STRING)
        data = as_array(value)
        chunk = None
        if compress and isinstance(value, np.ndarray) and value.ndim == 1 and value.size:
            chunk = min(value.size, COLUMN_CHUNK)
        if data is None:
            self._nodes[path] = h5py.Group(parent).create_dataset(
                name, data=value, **({"chunks": (chunk,), "compression": "gzip",
                                      "compression_opts": DEFLATE, "shuffle": True}
                                     if chunk else {})).id
        elif chunk is not None:
            dataset = self._nodes[path] = self._make.dataset(
                parent, name, data, chunk=chunk, level=DEFLATE, write=False)
            for start in range(0, data.size, chunk):  # compressed here, as columns are
                dataset.write_direct_chunk(
                    (start,), deflated_chunk(data[start:start + chunk], chunk))
        else:
            self._nodes[path] = self._make.dataset(parent, name, data)
        self._values[path] = plain(value)
        if data is not None and data.ndim == 0:
            self._scalars[path] = value
        self._attrs[path] = {}
        self.set_attrs(path, attrs or {})
        return path

    def unhashed_field(self, path: str, text: str) -> None:
        """Create the text field ``path`` outside the manifest (the manifest itself and
        the content hash, written once :meth:`manifest` has run); return nothing."""
        _absolute(path)
        parent, name = self._where(path)
        self._make.dataset(parent, name, np.array(text, dtype=STRING))

    def written(self, path: str) -> Any:
        """Return the single value (text or number) this writer wrote as the field
        ``path``; raise KeyError if it wrote none there (copied, absent or an array)."""
        return self._scalars[path]

    def column(self, path: str, dtype: Any, attrs: Mapping[str, Any] | None = None) -> Column:
        """Create an empty appendable column ``path`` of ``dtype`` with ``attrs``; return it."""
        _absolute(path)
        parent, name = self._where(path)
        dataset = self._nodes[path] = self._make.column(parent, name, np.dtype(dtype),
                                                        chunk=COLUMN_CHUNK, level=DEFLATE)
        column = Column(dataset, COLUMN_CHUNK)
        self._columns[path] = column
        self._attrs[path] = {}
        self.set_attrs(path, attrs or {})
        return column

    def copy(self, source: h5py.Group, path: str, digests: Mapping[str, str]) -> None:
        """Copy the object ``source`` and everything under it to ``path``, taking their
        digests from ``digests`` (the verified manifest of the record they come from,
        keyed by their path there); return nothing."""
        source.file.copy(source, self.handle, name=path)
        prefix = source.name

        def take(name: str) -> None:
            here = path if name == prefix else path + name[len(prefix):]
            self._copied[here] = digests[name]

        take(prefix)
        if isinstance(source, h5py.Group):
            source.visit(lambda name: take(f"{prefix}/{name}"))

    def manifest(self) -> dict[str, str]:
        """Close every column and return ``{path: digest}`` of every object written."""
        digests = dict(self._copied)
        for path, attrs in self._attrs.items():
            if path in self._columns:
                column = self._columns[path]
                column.close()
                digests[path] = object_digest("dataset", attrs, column.digest.plain())
            elif path in self._values:
                digests[path] = object_digest("dataset", attrs, self._values[path])
            else:
                digests[path] = object_digest("group", attrs)
        return digests
