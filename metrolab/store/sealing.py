"""Sealing: a journal becomes one HDF5 record, written whole and renamed into place.

Order of work: build the whole HDF5 file in memory, hash its content into
``/integrity``, write the bytes to ``.<name>.<pid>.<random>.tmp`` beside the target, sync
it, publish it under the final name (which refuses to replace an existing record), sync
the directory, then append a ``sealed`` entry to the audit log. A crash leaves either no
record or a whole one; a whole record without its audit entry is entered by
:func:`recover`.

Building in memory keeps HDF5 away from the disk: a full disk then fails in one
:mod:`~metrolab.store.durable` write (a named :class:`SealError`, the temporary file
removed) instead of inside HDF5, which on ENOSPC prints errors from its destructors and
can crash the process.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py

from metrolab import __version__
from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store import durable
from metrolab.store.assemble import assemble
from metrolab.store.audit import AuditLog
from metrolab.store.durable import file_sha256, sha256_hex
from metrolab.store.errors import AuditLogError, JournalLockedError, SealError
from metrolab.store.integrity import INTEGRITY_GROUP, content_hash, manifest
from metrolab.store.journal import read_journal
from metrolab.store.layout import json_dataset, new_group, write_run
from metrolab.store.locking import is_locked
from metrolab.store.signing import SigningKey
from metrolab.store.verification import content_problems

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


def write_sealed(out_path: Path, build: Callable[[h5py.File], None], *,
                 afterwards: str = "") -> Sealed:
    """Write a record atomically: ``build`` fills an empty file; return the :class:`Sealed`.

    Raises :class:`SealError` if the target exists, or naming the cause if a write fails
    (then nothing is left behind: no temporary file, no record); ``afterwards`` is added
    to the remedy (what to run once the cause is fixed, what was kept).
    """
    if out_path.exists():
        raise SealError(f"record {out_path} already exists; a sealed record is never "
                        "replaced (amend it instead, or choose another output path)")
    image = io.BytesIO()
    with h5py.File(image, "w", track_order=True) as handle:
        build(handle)
        digests = manifest(handle)
        digest = content_hash(digests)
        group = new_group(handle, INTEGRITY_GROUP, "NXcollection")
        group.attrs["algorithm"] = "sha256"
        group.attrs["content_sha256"] = digest
        group.attrs["description"] = ("content_sha256 = SHA-256 of manifest_json; the "
                                      "manifest maps every object outside /integrity "
                                      "to the digest of its attributes and data "
                                      "(docs/records.md)")
        json_dataset(group, "manifest_json", digests)
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
                        f"{failure.remedy}{afterwards}") from exc
    return Sealed(out_path, digest, sha256_hex(data))


def seal(journal_path: str | os.PathLike[str], out_path: str | os.PathLike[str] | None = None,
         *, clock: Clock | None = None, signer: SigningKey | None = None) -> Path:
    """Seal the journal into an HDF5 record and enter it in the audit log; return its path.

    The record goes to ``out_path`` (default: the journal's name with ``.h5``). A journal
    without ``run_ended`` seals as ``aborted``. The journal itself is kept unchanged.
    With ``signer`` the audit entry is signed (a register requires it, docs/records.md).
    """
    journal_path = Path(journal_path)
    clock = clock or WallClock()
    contents = read_journal(journal_path)
    data = assemble(contents)
    target = Path(out_path) if out_path is not None else record_path_for(journal_path)
    log = AuditLog(target.resolve().parent / "audit.log", clock)
    earlier = log.record_entry(data.run_id)
    if earlier is not None:
        raise SealError(f"run {data.run_id} of {journal_path} was already sealed as "
                        f"{earlier['file']} in {log.path.parent}; a run is sealed once "
                        "(amend that record to change it)")
    sealed_at = isoformat(clock.now())
    provenance = {
        "journal_file": journal_path.name,
        "journal_sha256": sha256_hex(journal_path.read_bytes()[:contents.valid_size]),
        "journal_bytes": contents.valid_size,
        "journal_entries": len(contents),
        "journal_last_seq": contents.last_seq,
        "journal_problem": contents.problem or "",
        "sealed_at": sealed_at,
        "sealed_by": f"metrolab {__version__}",
    }
    sealed = write_sealed(target, lambda handle: write_run(
        handle, data, record_id=data.run_id, certificate_id=data.run_id,
        sealed_at=sealed_at, provenance=provenance),
        afterwards=f", then run `metrolab recover {journal_path}`. Kept: the journal "
                   f"{journal_path} with all {contents.last_seq} entries, unchanged")
    try:
        log.append(
            "sealed", data.run_id, signer=signer, file=sealed.path.name,
            content_sha256=sealed.content_sha256, file_sha256=sealed.file_sha256,
            status=data.status, run_id=data.run_id,
            journal=journal_path.name, journal_sha256=provenance["journal_sha256"],
            journal_last_seq=contents.last_seq)
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
        read_journal(journal_path).run_id)
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
    contents = read_journal(journal_path)
    if not target.exists():
        path = seal(journal_path, target, clock=clock, signer=signer)
        return Recovery(path, "sealed", _status(path), contents.run_id)
    log = AuditLog(target.resolve().parent / "audit.log", clock or WallClock())
    if log.record_entry(contents.run_id) is not None:
        return Recovery(target, "already sealed", _status(target), contents.run_id)
    problems = content_problems(target)
    if problems:
        raise SealError(f"record {target} exists, is not in the audit log and does not "
                        f"match its own hash ({problems[0]}); move it aside as evidence and "
                        "run `metrolab recover` again")
    with h5py.File(target, "r") as handle:
        digest = str(handle[INTEGRITY_GROUP].attrs["content_sha256"])
        record_id = str(handle["entry"].attrs["record_id"])
    if record_id != contents.run_id:
        raise SealError(f"{target} holds record {record_id}, not run {contents.run_id} of "
                        f"{journal_path}; give `metrolab recover` another --out path")
    log.append("registered", record_id, signer=signer, file=target.name, content_sha256=digest,
               file_sha256=file_sha256(target), status=_status(target), run_id=record_id,
               journal=journal_path.name, note="sealed before a crash; entered by recover")
    return Recovery(target, "registered", _status(target), record_id)


def _status(record: Path) -> str:
    with h5py.File(record, "r") as handle:
        return str(handle["entry"].attrs["status"])


def _refuse_live_journal(journal_path: Path) -> None:
    """Raise :class:`JournalLockedError` if a process holds the journal's write lock."""
    if not journal_path.is_file():
        raise SealError(f"cannot open journal {journal_path}: no such file")
    if is_locked(journal_path):
        raise JournalLockedError(f"journal {journal_path} is still being written by a live "
                                 "process; stop that run first")
