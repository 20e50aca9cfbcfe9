"""What is hashed in a sealed record, and how (docs/records.md, "Integrity").

Every HDF5 object (the root group, each group, each dataset) outside the integrity group
gets a digest: SHA-256 of the canonical JSON of ``{"kind", "attrs", "value"}`` where
attributes are sorted by name and a value is given by :func:`plain`: text as itself, an
array of text as ``{"dtype": "str", "shape", "data": [texts]}``, and numbers, numeric
arrays and tables (compound arrays) as ``{"dtype", "shape", "sha256"}`` with the SHA-256
of their C-order little-endian bytes (a table's ``dtype`` lists its columns). The
manifest maps each object's path to its digest; the record's content hash is the SHA-256
of the manifest's canonical JSON.

The writer computes these digests from the data it hands to HDF5
(:mod:`metrolab.store.writer`); :func:`manifest` computes them again by reading the file
back, which is how a record is verified. Both follow the same rules, so they agree.
"""

from __future__ import annotations

import hashlib
from typing import Any

import h5py
import numpy as np

from metrolab.store.durable import canonical_json, sha256_hex

#: rows hashed at a time when a large dataset is read back
READ_ROWS = 1 << 20


def dtype_text(dtype: np.dtype) -> Any:
    """Return how a numeric or compound dtype is named in a digest: the little-endian
    type string (``"<f8"``), or for a table the list of ``[column, type]`` pairs."""
    if dtype.names is not None:
        return [[name, dtype_text(dtype[name])] for name in dtype.names]
    return dtype.newbyteorder("<").str


def little_endian(array: np.ndarray) -> np.ndarray:
    """Return ``array`` as a C-ordered little-endian array (the bytes a digest covers)."""
    if array.dtype.names is None:
        return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    fields = [(name, array.dtype[name].newbyteorder("<")) for name in array.dtype.names]
    return np.ascontiguousarray(array.astype(np.dtype(fields)))


class ArrayDigest:
    """The SHA-256 of an array written or read in pieces along its first axis.

    :meth:`update` takes each piece in order; :meth:`plain` gives the digest's JSON form
    ``{"dtype", "shape", "sha256"}`` once the whole array went through.
    """

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype
        self.rows = 0
        self.rest: tuple[int, ...] = ()
        self._hash = hashlib.sha256()

    def update(self, piece: np.ndarray) -> None:
        """Add the next rows of the array; return nothing."""
        self._hash.update(little_endian(piece).data.cast("B"))
        self.rows += piece.shape[0] if piece.ndim else 1
        self.rest = piece.shape[1:]

    def plain(self, shape: tuple[int, ...] | None = None) -> dict[str, Any]:
        """Return the digest's JSON form; ``shape`` overrides the rows counted (a scalar)."""
        size = list(shape) if shape is not None else [self.rows, *self.rest]
        return {"dtype": dtype_text(self.dtype), "shape": size,
                "sha256": self._hash.hexdigest()}


def plain(value: Any) -> Any:
    """Return an attribute or dataset value in the canonical form a digest covers."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        flat = [item.decode("utf-8", errors="surrogateescape") if isinstance(item, bytes)
                else item if isinstance(item, str) else plain(item)
                for item in array.ravel().tolist()]
        return {"dtype": "str", "shape": list(array.shape), "data": flat}
    digest = ArrayDigest(array.dtype)
    digest.update(array.reshape(-1) if array.ndim else array)
    return digest.plain(array.shape)


def object_digest(kind: str, attrs: dict[str, Any], value: Any = None) -> str:
    """Return the digest (hex) of one object from its kind (``group`` or ``dataset``), its
    attributes in canonical form and, for a dataset, its value in canonical form."""
    body: dict[str, Any] = {"kind": kind, "attrs": {name: attrs[name] for name in sorted(attrs)}}
    if kind == "dataset":
        body["value"] = value
    return sha256_hex(canonical_json(body).encode("utf-8", errors="surrogateescape"))


def _dataset_value(dataset: h5py.Dataset) -> Any:
    """Return a dataset's value in canonical form, reading a long one in pieces."""
    kind = dataset.dtype.kind
    if dataset.ndim == 0 or kind in "OSU" or dataset.shape[0] <= READ_ROWS:
        return plain(dataset[()])
    digest = ArrayDigest(dataset.dtype)
    for start in range(0, dataset.shape[0], READ_ROWS):
        digest.update(dataset[start:start + READ_ROWS])
    return digest.plain(dataset.shape)


def read_digest(obj: h5py.Group | h5py.Dataset) -> str:
    """Return the digest (hex) of one HDF5 object as read from the file."""
    manager = obj.attrs
    attrs = {name: plain(manager[name]) for name in manager}
    if isinstance(obj, h5py.Dataset):
        return object_digest("dataset", attrs, _dataset_value(obj))
    return object_digest("group", attrs)


def manifest(handle: h5py.File, excluded: tuple[str, ...]) -> dict[str, str]:
    """Return ``{object path: digest}`` for every object of ``handle``, read back from the
    file, leaving out the objects ``excluded`` (paths without the leading slash: the
    manifest itself and the content hash) and what they hold."""
    digests = {"/": read_digest(handle)}
    below = tuple(f"{name}/" for name in excluded)

    def visit(name: str, obj: h5py.Group | h5py.Dataset) -> None:
        if name not in excluded and not name.startswith(below):
            digests["/" + name] = read_digest(obj)

    handle.visititems(visit)
    return digests


def content_hash(digests: dict[str, str]) -> str:
    """Return the record's content hash: SHA-256 (hex) of the manifest's canonical JSON."""
    return sha256_hex(canonical_json(digests).encode())


def compare(stored: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Return what differs between a stored and a computed manifest, one line per object."""
    problems = [f"{name} was changed" for name in sorted(stored)
                if name in actual and actual[name] != stored[name]]
    problems += [f"{name} is missing" for name in sorted(set(stored) - set(actual))]
    problems += [f"{name} was added" for name in sorted(set(actual) - set(stored))]
    return problems

