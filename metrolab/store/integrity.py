"""What is hashed in a sealed record, and how.

Every HDF5 object (the root group, each group, each dataset) outside ``/integrity`` gets
a digest: SHA-256 of the canonical JSON of ``{"kind", "attrs", "value"}`` where
attributes are sorted by name, text is UTF-8 (an array of text becomes ``{"dtype": "str",
"shape", "data": [texts]}``), and numbers and numeric arrays are written as ``{"dtype"
(little-endian numpy type string, e.g. "<f8"), "shape", "sha256" (of the C-order
little-endian bytes)}``. The
manifest maps each object's path to its digest; the record's content hash is the
SHA-256 of the manifest's canonical JSON. ``/integrity`` holds the manifest and the
content hash and is itself not hashed.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from metrolab.store.durable import canonical_json, sha256_hex

INTEGRITY_GROUP = "integrity"


def _plain(value: Any) -> Any:
    """Return an attribute or dataset value as canonical plain data (str, numbers, lists)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        flat = [item.decode("utf-8", errors="surrogateescape") if isinstance(item, bytes)
                else item if isinstance(item, str) else _plain(item)
                for item in array.ravel().tolist()]
        return {"dtype": "str", "shape": list(array.shape), "data": flat}
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return {"dtype": little.dtype.str, "shape": list(array.shape),
            "sha256": sha256_hex(little.tobytes())}


def object_digest(obj: h5py.Group | h5py.Dataset) -> str:
    """Return the SHA-256 (hex) of one HDF5 object's attributes and, for a dataset, data."""
    manager = obj.attrs
    attrs = {name: _plain(manager[name]) for name in sorted(manager)}
    body: dict[str, Any] = {"kind": "group", "attrs": attrs}
    if isinstance(obj, h5py.Dataset):
        body["kind"] = "dataset"
        body["value"] = _plain(obj[()])
    return sha256_hex(canonical_json(body).encode("utf-8", errors="surrogateescape"))


def manifest(handle: h5py.File) -> dict[str, str]:
    """Return ``{object path: digest}`` for every object of ``handle`` outside /integrity."""
    digests = {"/": object_digest(handle)}

    def visit(name: str, obj: h5py.Group | h5py.Dataset) -> None:
        if name != INTEGRITY_GROUP and not name.startswith(INTEGRITY_GROUP + "/"):
            digests["/" + name] = object_digest(obj)

    handle.visititems(visit)
    return digests


def content_hash(digests: dict[str, str]) -> str:
    """Return the record's content hash: SHA-256 (hex) of the manifest's canonical JSON."""
    return sha256_hex(canonical_json(digests).encode())
