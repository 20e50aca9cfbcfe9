"""Sealing: a journal becomes one HDF5 record, written whole and renamed into place.

Order of work: stream the journal into a new HDF5 file built in memory (readings go
straight into their columns, every object is hashed as it is written), put the manifest
into ``/entry/integrity``, close it, write the bytes to ``.<name>.<pid>.<random>.tmp``
beside the target, sync it, publish it under the final name (which refuses to replace an
existing record), sync the directory, then append a ``sealed`` entry to the audit log. A
crash leaves either no record or a whole one; a whole record without its audit entry is
entered by :func:`recover`.

Building in memory keeps HDF5 away from the disk: a full disk then fails in one
:mod:`~metrolab.store.durable` write (a named :class:`SealError`, the temporary file
removed) instead of inside HDF5, which on ENOSPC prints errors from its destructors and
can crash the process. The image is the compressed record itself (about 5 bytes per
reading), so memory stays bounded by the journal's read blocks and the record's size.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py

from metrolab import __version__
from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store import durable
from metrolab.store.assemble import RunAssembler, RunData
from metrolab.store.audit import AuditLog
from metrolab.store.durable import canonical_json, file_sha256, sha256_hex
from metrolab.store.errors import AuditLogError, JournalLockedError, SealError
from metrolab.store.facts import RecordFacts, read_facts, written_facts
from metrolab.store.integrity import content_hash
from metrolab.store.journal_read import JournalReader
from metrolab.store.layout import write_root, write_run
from metrolab.store.locking import is_locked
from metrolab.store.points import write_points
from metrolab.store.readings import READINGS, ReadingsSink
from metrolab.store.schema import LAYOUT_2, layout_of
from metrolab.store.signing import SigningKey
from metrolab.store.verification import content_problems, remember_sealed
from metrolab.store.writer import RecordWriter

RECORD_SUFFIX = ".h5"


@dataclass(frozen=True)
class Sealed:
    """A record written in place: its path, content hash and whole-file hash (hex)."""

    path: Path
    content_sha256: str
    file_sha256: str


def record_path_for(journal_path: Path) -> Path:
    """Return the default record path of a journal: same directory and stem, ``.h5``."""
    return journal_path.with_suffix(RECORD_SUFFIX)


def _integrity_note(writer: RecordWriter) -> None:
    """Create the NXnote ``/entry/integrity`` and its fields that the manifest covers."""
    group = writer.group(f"/{LAYOUT_2.integrity}", "NXnote")
    writer.field(f"{group}/algorithm", "sha256")
    writer.field(f"{group}/type", "application/json")
    writer.field(f"{group}/description", (
        "checksum = SHA-256 of data; data = the manifest: every object but these two mapped "
        "to the digest of its attributes and value (docs/records.md, section 4)"))


def _write_manifest(writer: RecordWriter, digests: dict[str, str], digest: str) -> None:
    """Write the manifest (``data``) and the content hash (``checksum``) into the
    integrity note; the two objects the manifest leaves out."""
    for path, value in zip(LAYOUT_2.unhashed, (canonical_json(digests), digest), strict=True):
        writer.unhashed_field(f"/{path}", value)


def write_sealed(out_path: Path, build: Callable[[RecordWriter], None], *,
                 afterwards: str | Callable[[], str] = "") -> Sealed:
    """Write a record atomically: ``build`` fills an empty file through a
    :class:`RecordWriter`, whose digests become the manifest; return the :class:`Sealed`.

    Raises :class:`SealError` if the target exists, or naming the cause if a write fails
    (then nothing is left behind: no temporary file, no record); ``afterwards`` (or what
    it returns, once ``build`` has run) is added to the remedy (what to run once the cause
    is fixed, what was kept).
    """
    if out_path.exists():
        raise SealError(f"record {out_path} already exists; a sealed record is never "
                        "replaced (amend it instead, or choose another output path)")
    image = io.BytesIO()
    with h5py.File(image, "w", track_order=True) as handle:
        writer = RecordWriter(handle)
        build(writer)
        _integrity_note(writer)
        digests = writer.manifest()
        digest = content_hash(digests)
        _write_manifest(writer, digests, digest)
        try:
            facts = written_facts(writer, digest)
        except KeyError:  # copied from the record it amends: read it
            facts = read_facts(handle, LAYOUT_2)
    data = image.getvalue()
    try:
        durable.write_file(out_path, data, overwrite=False)
    except FileExistsError as exc:
        raise SealError(f"record {out_path} appeared while sealing; it was not "
                        "replaced") from exc
    except OSError as exc:
        failure = durable.explain(exc, out_path)
        raise SealError(f"cannot write record {out_path}: {failure.cause}. No record was "
                        "put in place and its temporary file was removed. To do: "
                        f"{failure.remedy}"
                        f"{afterwards() if callable(afterwards) else afterwards}") from exc
    whole = sha256_hex(data)
    remember_sealed(out_path, whole, facts)
    return Sealed(out_path, digest, whole)


@dataclass(frozen=True)
class SealedRun:
    """A journal written into a record: the record (:class:`Sealed`), the run's data and
    the provenance stored with it."""

    sealed: Sealed
    data: RunData
    provenance: dict[str, Any]


def write_record(reader: JournalReader, target: Path, *, sealed_at: str,
                 afterwards: str | Callable[[], str] = "") -> SealedRun:
    """Stream the journal of ``reader`` into a new record at ``target`` (atomically, see
    :func:`write_sealed`, which adds ``afterwards`` to a failure's remedy); return what
    was written. Nothing goes to the audit log."""
    made: dict[str, Any] = {}

    def build(writer: RecordWriter) -> None:
        write_root(writer, file_name=target.name, file_time=sealed_at)
        sink = ReadingsSink(writer)
        assembler = RunAssembler(reader.run_id, reader.created, sink)
        for item in reader.items():
            assembler.add(item)
        data = assembler.finish(reader.last_seq, reader.last_time, reader.problem)
        provenance = {
            "journal_file": reader.path.name, "journal_head": reader.last_hash,
            "journal_bytes": reader.valid_size, "journal_entries": reader.last_seq,
            "journal_last_seq": reader.last_seq, "journal_problem": reader.problem or "",
            "sealed_at": sealed_at, "sealed_by": f"metrolab {__version__}"}
        write_run(writer, data, record_id=data.run_id, certificate_id=data.run_id,
                  journal_created=reader.created, provenance=provenance)
        if write_points(writer, data.points):
            writer.set_attrs("/entry", {"default": "results"})
        elif sink.groups:
            writer.set_attrs("/entry", {"default": "readings"})
            writer.set_attrs(READINGS, {"default": next(iter(sink.groups))})
        made.update(data=data, provenance=provenance)

    sealed = write_sealed(target, build, afterwards=afterwards)
    return SealedRun(sealed, made["data"], made["provenance"])


def seal(journal_path: str | os.PathLike[str], out_path: str | os.PathLike[str] | None = None,
         *, clock: Clock | None = None, signer: SigningKey | None = None) -> Path:
    """Seal the journal into an HDF5 record and enter it in the audit log; return its path.

    The record goes to ``out_path`` (default: the journal's name with ``.h5``). A journal
    without ``run_ended`` seals as ``aborted``. The journal itself is kept unchanged.
    With ``signer`` the audit entry is signed (a register requires it, docs/records.md).
    """
    journal_path = Path(journal_path)
    clock = clock or WallClock()
    reader = JournalReader(journal_path)
    target = Path(out_path) if out_path is not None else record_path_for(journal_path)
    log = AuditLog(target.resolve().parent / "audit.log", clock)
    earlier = log.record_entry(reader.run_id)
    if earlier is not None:
        raise SealError(f"run {reader.run_id} of {journal_path} was already sealed as "
                        f"{earlier['file']} in {log.path.parent}; a run is sealed once "
                        "(amend that record to change it)")
    done = write_record(
        reader, target, sealed_at=isoformat(clock.now()),
        afterwards=lambda: f", then run `metrolab recover {journal_path}`. Kept: the journal "
                           f"{journal_path} with all {reader.last_seq} entries, unchanged")
    sealed, data = done.sealed, done.data
    try:
        log.append(
            "sealed", data.run_id, signer=signer, file=sealed.path.name,
            content_sha256=sealed.content_sha256, file_sha256=sealed.file_sha256,
            status=data.status, run_id=data.run_id, journal=journal_path.name,
            journal_head=done.provenance["journal_head"],
            journal_last_seq=done.provenance["journal_last_seq"])
    except AuditLogError as exc:
        raise SealError(f"record {sealed.path} was written but is not yet in the audit log "
                        f"({exc}). Kept: the whole record {sealed.path} and the journal "
                        f"{journal_path}, unchanged. To do: once that is fixed, `metrolab "
                        f"recover {journal_path}` enters the record in the log") from exc
    return sealed.path


def sealed_record(journal_path: str | os.PathLike[str],
                  records_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the record the journal's run was sealed as, or None if it was not sealed.

    Looks in the audit log of ``records_dir`` (default: the journal's directory). A runner
    asks this before resuming: a sealed run is final and cannot be resumed.
    """
    journal_path = Path(journal_path)
    directory = Path(records_dir) if records_dir is not None else journal_path.parent
    entry = AuditLog(directory.resolve() / "audit.log").record_entry(
        JournalReader(journal_path).run_id)
    return directory / entry["file"] if entry is not None else None


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` did: ``action`` is sealed, registered or already sealed."""

    path: Path
    action: str
    status: str
    run_id: str


def recover(journal_path: str | os.PathLike[str], out_path: str | os.PathLike[str] | None = None,
            *, clock: Clock | None = None, signer: SigningKey | None = None) -> Recovery:
    """Bring an interrupted run to a sealed, verifiable record; return what was done.

    Refuses a journal that a live process is writing. Removes this record's stale
    temporary files, then: seals the journal (``aborted`` if it never ended); or, if a
    whole record is already in place but the crash came before its audit entry, enters it
    in the audit log (``registered``); or reports that it was already sealed. The entry
    it writes is signed by ``signer`` when given.
    """
    journal_path = Path(journal_path)
    _refuse_live_journal(journal_path)
    target = Path(out_path) if out_path is not None else record_path_for(journal_path)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        durable.remove(stale)
    run_id = JournalReader(journal_path).run_id
    if not target.exists():
        path = seal(journal_path, target, clock=clock, signer=signer)
        return Recovery(path, "sealed", _status(path), run_id)
    log = AuditLog(target.resolve().parent / "audit.log", clock or WallClock())
    if log.record_entry(run_id) is not None:
        return Recovery(target, "already sealed", _status(target), run_id)
    problems = content_problems(target)
    if problems:
        raise SealError(f"record {target} exists, is not in the audit log and does not "
                        f"match its own hash ({problems[0]}); move it aside as evidence and "
                        "run `metrolab recover` again")
    facts = _facts(target)
    if facts.record_id != run_id:
        raise SealError(f"{target} holds record {facts.record_id}, not run {run_id} of "
                        f"{journal_path}; give `metrolab recover` another --out path")
    log.append("registered", facts.record_id, signer=signer, file=target.name,
               content_sha256=facts.content_sha256, file_sha256=file_sha256(target),
               status=facts.status, run_id=facts.record_id, journal=journal_path.name,
               note="sealed before a crash; entered by recover")
    return Recovery(target, "registered", facts.status, facts.record_id)


def _facts(record: Path) -> RecordFacts:
    with h5py.File(record, "r") as handle:
        layout = layout_of(handle)
        if isinstance(layout, str):
            raise SealError(f"{record} is {layout}")
        return read_facts(handle, layout)


def _status(record: Path) -> str:
    return _facts(record).status


def _refuse_live_journal(journal_path: Path) -> None:
    """Raise :class:`JournalLockedError` if a process holds the journal's write lock."""
    if not journal_path.is_file():
        raise SealError(f"cannot open journal {journal_path}: no such file")
    if is_locked(journal_path):
        raise JournalLockedError(f"journal {journal_path} is still being written by a live "
                                 "process; stop that run first")
