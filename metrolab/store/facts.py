"""The few facts about a sealed record that sealing, recovery and verification need,
read from either layout (schema 1.0 or 2.0) without reading the whole record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import h5py

from metrolab.store.schema import LAYOUT_1, LAYOUT_2, Layout

if TYPE_CHECKING:
    from metrolab.store.writer import RecordWriter


def text(value: Any) -> str:
    """Return an HDF5 text value (bytes or str) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class JournalLink:
    """The journal a record was sealed from: its file name, the bytes sealed, and how they
    are checked (``kind`` is ``sha256``, the SHA-256 of those bytes, in schema 1.0, or
    ``head``, the checksum of their last line, in schema 2.0) with ``digest``."""

    name: str
    size: int
    kind: str
    digest: str


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """Record ID, content hash (as stored), status, the journal link and, for an
    amendment, what it amends (the ``amends`` data), of one sealed record."""

    layout: Layout
    record_id: str
    content_sha256: str
    status: str
    journal: JournalLink
    amends: dict[str, Any] | None


def written_facts(writer: RecordWriter, content_sha256: str) -> RecordFacts:
    """Return the :class:`RecordFacts` of a schema 2.0 record from what ``writer`` wrote
    into it, without reading it back (the facts :func:`read_facts` would read); raise
    KeyError if the writer did not write one of them itself (e.g. it copied it)."""
    amends = json.loads(text(writer.written("/entry/amends/data"))) \
        if writer.has("/entry/amends") else None
    provenance = "/entry/provenance"
    journal = JournalLink(text(writer.written(f"{provenance}/journal_file")),
                          int(writer.written(f"{provenance}/journal_bytes")), "head",
                          text(writer.written(f"{provenance}/journal_head")))
    return RecordFacts(LAYOUT_2, text(writer.written("/entry/entry_identifier")),
                       content_sha256, text(writer.written("/entry/run/status")), journal,
                       amends)


def read_facts(handle: h5py.File, layout: Layout) -> RecordFacts:
    """Return the :class:`RecordFacts` of an open record of ``layout``; h5py errors and
    KeyError propagate for a damaged file."""
    content_sha256 = layout.stored_integrity(handle)[0]
    entry = handle["entry"]
    provenance = entry["provenance"]
    if layout is LAYOUT_1:
        journal = JournalLink(text(provenance.attrs.get("journal_file", "")),
                              int(provenance["journal_bytes"][()])
                              if "journal_bytes" in provenance else 0, "sha256",
                              text(provenance.attrs.get("journal_sha256", "")))
        amends = json.loads(entry["amends/amends_json"][()]) if "amends" in entry else None
        return RecordFacts(layout, text(entry.attrs["record_id"]), content_sha256,
                           text(entry.attrs["status"]), journal, amends)

    def field(group: h5py.Group, name: str, default: Any = "") -> Any:
        return group[name][()] if name in group else default

    journal = JournalLink(text(field(provenance, "journal_file")),
                          int(field(provenance, "journal_bytes", 0)), "head",
                          text(field(provenance, "journal_head")))
    amends = json.loads(text(entry["amends/data"][()])) if "amends" in entry else None
    return RecordFacts(layout, text(entry["entry_identifier"][()]), content_sha256,
                       text(entry["run/status"][()]), journal, amends)
