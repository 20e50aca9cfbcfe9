"""The layouts a sealed record can have (docs/records.md), and how to tell them apart.

Schema 1.0 (metrolab up to 0.1) marks the root with ``schema_name = "metrolab-record"``
and keeps its manifest in ``/integrity``. Schema 2.0 is a NeXus file whose entry names
the application definition :data:`DEFINITION` in its ``definition`` field (with the
schema version in that field's ``version`` attribute) and keeps the manifest in the
NXnote ``/entry/integrity``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import h5py

#: the root attribute ``schema_name`` of a schema 1.0 record
V1_SCHEMA_NAME = "metrolab-record"
#: the NeXus application definition of a schema 2.0 record (metrolab/store/nxdl/)
DEFINITION = "NXmetrolab_calibration"
#: the schema version this metrolab writes
VERSION = "2.0"


@dataclass(frozen=True, slots=True)
class Layout:
    """One record layout: its ``version``, where its integrity group is, and which objects
    the manifest leaves out (``unhashed``: the manifest and the content hash themselves);
    paths without the leading slash."""

    version: str
    integrity: str
    unhashed: tuple[str, ...]

    def stored_integrity(self, handle: h5py.File) -> tuple[str, dict[str, str]]:
        """Return (content hash, manifest) as stored in the record's integrity group."""
        group = handle[self.integrity]
        if self.version == "1.0":
            return (str(group.attrs.get("content_sha256", "")),
                    json.loads(group["manifest_json"][()].decode()))
        return (_text(group["checksum"][()]), json.loads(_text(group["data"][()])))


LAYOUT_1 = Layout("1.0", "integrity", ("integrity",))
LAYOUT_2 = Layout(VERSION, "entry/integrity", ("entry/integrity/data", "entry/integrity/checksum"))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def layout_of(handle: h5py.File) -> Layout | str:
    """Return the :class:`Layout` of an open HDF5 file, or why it is not a metrolab record
    this version can read (text)."""
    if handle.attrs.get("schema_name") == V1_SCHEMA_NAME:
        return LAYOUT_1
    entry = handle.get("entry")
    definition = entry.get("definition") if isinstance(entry, h5py.Group) else None
    if not isinstance(definition, h5py.Dataset) or _text(definition[()]) != DEFINITION:
        found = handle.attrs.get("schema_name")
        return (f"not a metrolab record (neither /entry/definition = {DEFINITION!r} nor "
                f"schema_name {V1_SCHEMA_NAME!r}; schema_name is {found!r})")
    version = _text(definition.attrs.get("version", ""))
    if version != VERSION:
        return (f"a metrolab record of schema {version or '?'}, which this metrolab cannot "
                f"read (it reads 1.0 and {VERSION}); use a newer metrolab")
    return LAYOUT_2
