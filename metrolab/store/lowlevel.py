"""Creating a record's groups, datasets and attributes through h5py's low-level API.

h5py's high-level ``create_dataset``, ``create_group`` and ``attrs[name] = value`` guess
a type, build a type, a dataspace and property lists anew for every object; a record
has a few hundred of them, and that Python work cost more than HDF5's own. This module
makes exactly the objects the high-level calls make (same HDF5 types, dataspaces, layout,
filters, creation-order tracking, no timestamps, names encoded the same way), with the
types and property lists built once per :class:`ObjectMaker`. The tests compare the
objects made here with h5py's own, property by property.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5p, h5s, h5t

STRING = h5py.string_dtype()
_ORDER = h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED

Node: TypeAlias = h5g.GroupID | h5d.DatasetID


def _name(name: str) -> tuple[bytes, Any]:
    """Return ``name`` encoded as h5py encodes it, and the character set it says."""
    try:
        return name.encode("ascii"), h5t.CSET_ASCII
    except UnicodeEncodeError:
        return name.encode("utf-8"), h5t.CSET_UTF8


def _is_text_dtype(dtype: np.dtype) -> bool:
    """Return True for h5py's variable-length UTF-8 text type (what :data:`STRING` is)."""
    info = h5py.check_string_dtype(dtype)
    return info is not None and info.length is None and info.encoding == "utf-8"


class ObjectMaker:
    """Makes groups, datasets and attributes as h5py's high-level API would; return the
    low-level ids (:class:`h5py.h5g.GroupID`, :class:`h5py.h5d.DatasetID`)."""

    def __init__(self) -> None:
        self._types: dict[Any, tuple[h5t.TypeID, h5t.TypeID]] = {}
        self._scalar = h5s.create_simple(())
        self._lcpl = {cset: self._link_plist(cset) for cset in (h5t.CSET_ASCII, h5t.CSET_UTF8)}
        self._gcpl = h5p.create(h5p.GROUP_CREATE)
        self._gcpl.set_link_creation_order(_ORDER)
        self._gcpl.set_attr_creation_order(_ORDER)
        self._gcpl.set_obj_track_times(False)
        self._dcpl = self._dataset_plist()

    @staticmethod
    def _link_plist(cset: Any) -> h5p.PropLCID:
        plist = h5p.create(h5p.LINK_CREATE)
        plist.set_create_intermediate_group(True)
        plist.set_char_encoding(cset)
        return plist

    @staticmethod
    def _dataset_plist(chunk: int | None = None, level: int = 0) -> h5p.PropDCID:
        plist = h5p.create(h5p.DATASET_CREATE)
        if chunk is not None:
            plist.set_chunk((chunk,))
            plist.set_shuffle()
            plist.set_deflate(level)
        plist.set_obj_track_times(False)
        plist.set_attr_creation_order(0)
        return plist

    def _file_type(self, dtype: np.dtype) -> h5t.TypeID:
        """Return the file type of ``dtype`` (a table's made anew each time: numpy's
        dtype equality ignores the text encoding its columns carry)."""
        if dtype.names is not None:
            return h5t.py_create(dtype, logical=True)
        return self._type(dtype)[0]

    def _type(self, dtype: np.dtype) -> tuple[h5t.TypeID, h5t.TypeID]:
        """Return (file type, memory type) of ``dtype``, made once (a table's each time,
        see :meth:`_file_type`)."""
        if dtype.names is not None:
            return h5t.py_create(dtype, logical=True), h5t.py_create(dtype)
        key = (dtype.str, h5py.check_string_dtype(dtype))
        known = self._types.get(key)
        if known is None:
            known = self._types[key] = (h5t.py_create(dtype, logical=True),
                                        h5t.py_create(dtype))
        return known

    def _space(self, shape: tuple[int, ...]) -> h5s.SpaceID:
        return self._scalar if shape == () else h5s.create_simple(shape)

    def group(self, parent: h5g.GroupID, name: str) -> h5g.GroupID:
        """Create the group ``name`` in ``parent`` tracking creation order; return its id."""
        encoded, cset = _name(name)
        return h5g.create(parent, encoded, lcpl=self._lcpl[cset], gcpl=self._gcpl)

    def dataset(self, parent: h5g.GroupID, name: str, data: np.ndarray, *,
                chunk: int | None = None, level: int = 0, write: bool = True
                ) -> h5d.DatasetID:
        """Create the dataset ``name`` in ``parent`` of the shape and type of ``data`` (an
        array whose dtype is the file's type) and, if ``write``, write ``data`` into it;
        with ``chunk`` it is chunked, shuffled and deflated at ``level`` (the caller may
        then write its chunks directly). Return its id."""
        encoded, cset = _name(name)
        file_type = self._file_type(data.dtype)
        plist = self._dcpl if chunk is None else self._dataset_plist(chunk, level)
        dataset = h5d.create(parent, encoded, file_type, self._space(data.shape),
                             dcpl=plist, lcpl=self._lcpl[cset])
        if write:
            dataset.write(h5s.ALL, h5s.ALL, data)
        return dataset

    def column(self, parent: h5g.GroupID, name: str, dtype: np.dtype, *, chunk: int,
               level: int) -> h5d.DatasetID:
        """Create the empty, extendable dataset ``name`` in ``parent`` of ``dtype``,
        chunked by ``chunk`` rows, shuffled and deflated at ``level``; return its id."""
        encoded, cset = _name(name)
        return h5d.create(parent, encoded, self._file_type(dtype),
                          h5s.create_simple((0,), (h5s.UNLIMITED,)),
                          dcpl=self._dataset_plist(chunk, level), lcpl=self._lcpl[cset])

    def attribute(self, owner: Node, name: str, data: np.ndarray, *,
                  replace: bool = True) -> None:
        """Create the attribute ``name`` of ``owner`` holding ``data`` (an array whose
        dtype is the file's type), replacing one of that name unless ``replace`` is
        False (the caller knows there is none); return nothing."""
        encoded, _ = _name(name)
        if replace and h5a.exists(owner, encoded):
            h5a.delete(owner, encoded)
        file_type, memory_type = self._type(data.dtype)
        attribute = h5a.create(owner, encoded, file_type, self._space(data.shape))
        try:
            attribute.write(data, mtype=memory_type)
        finally:
            attribute.close()


def as_array(value: Any) -> np.ndarray | None:
    """Return ``value`` (as :func:`metrolab.store.writer.stored` gives it) as the array
    h5py would write for it, or None where h5py's own guess is needed."""
    if isinstance(value, str):
        return np.array(value, dtype=STRING)
    if isinstance(value, np.generic):
        return np.asarray(value)
    if isinstance(value, np.ndarray) and value.flags.c_contiguous and \
            (value.dtype.kind in "biufS" or value.dtype.names is not None
             or _is_text_dtype(value.dtype)):
        return value
    return None
