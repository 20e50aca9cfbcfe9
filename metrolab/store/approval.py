"""Review, approval and amendment of sealed records.

A record moves draft -> reviewed -> approved; each step is an audit-log entry signed
with the person's key (who, when, the content hash it applies to), never an edit of the
sealed file. The approver must be someone other than the reviewer and than the operator
who performed the calibration (ISO/IEC 17025 7.8.2.1 k: a person authorises the
certificate; nobody signs off their own work). An amendment is a new
record, sealed like any other, that copies the original, changes identity fields of the
run (never readings or results), and says in ``/entry/amends`` which record it replaces,
what changed and why.
The original stays readable and is marked superseded by the log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py

from metrolab.clock import Clock, WallClock, isoformat
from metrolab.store.audit import TORN, AuditLog, ReviewState
from metrolab.store.durable import canonical_json
from metrolab.store.errors import RecordIntegrityError, ReviewError
from metrolab.store.layout import ENTRY, IDENTITY, write_identity, write_root
from metrolab.store.record import Record, open_record
from metrolab.store.schema import LAYOUT_2, layout_of
from metrolab.store.sealing import write_sealed
from metrolab.store.signing import KeyRegister, SigningKey
from metrolab.store.verification import verify
from metrolab.store.writer import RecordWriter


def _checked(path: str | os.PathLike[str], action: str, signer: SigningKey,
             register: KeyRegister | None) -> Record:
    """Return the opened record after checking the signer and the record's integrity."""
    if not isinstance(signer, SigningKey):
        raise ReviewError(f"{action} of {path}: a signing key is needed (load_signing_key; "
                          "`metrolab keys new NAME --role ROLE` creates one)")
    if register is not None:
        holder = register.find(signer.fingerprint)
        if holder is None or not holder.same_person(signer.name):
            raise ReviewError(f"{action} of {path}: the key of {signer.name} (fingerprint "
                              f"{signer.fingerprint[:16]}) is not registered to them in "
                              f"{register.path}; have its [[signer]] table entered first")
        if holder.revoked is not None:
            raise ReviewError(f"{action} of {path}: the key of {signer.name} was revoked on "
                              f"{holder.revoked.isoformat()}; create a new key and register it")
    report = verify(path, register=register)
    # a torn last log line (an interrupted append) is cut off and noted by our own append
    problems = [p for p in report.problems if p != f"audit log: {TORN}"]
    if problems:
        raise RecordIntegrityError(f"refusing the {action} of {path}: it is not intact "
                                   f"({'; '.join(problems[:3])})")
    record = open_record(path, check=False, register=register)  # verify checked the content
    if record.review.superseded_by:
        raise ReviewError(f"{action} of {record.record_id}: it was replaced by amendment "
                          f"{record.review.superseded_by}; work on that record instead")
    return record


def _not_before_end(record: Record, action: str, clock: Clock) -> None:
    """Refuse a review or approval stamped before the end of the run it concerns.

    A run on a virtual clock (simulated instruments) may end ahead of the wall clock:
    its record can be reviewed on the run's clock (as the demo does) or once that time
    has come.
    """
    ended = record.run.get("ended_at")
    if not ended:
        return
    end = datetime.fromisoformat(str(ended))
    now = clock.now()
    # compared as the record's microsecond datetimes: a float timestamp read back from its
    # ISO text may land a hair after the same instant taken from the clock
    if datetime.fromtimestamp(now, tz=end.tzinfo or UTC) < end:
        virtual = (record.run.get("clock") or {}).get("kind") == "virtual"
        raise ReviewError(
            f"{action} of {record.record_id} at {isoformat(now)} would precede the end of its "
            f"run ({ended}); a record is checked after the calibration it holds"
            + ("; the run ended on a virtual clock ahead of the wall clock: review it on "
               "the run's clock or after that time" if virtual else ""))


def review(path: str | os.PathLike[str], signer: SigningKey, *,
           register: KeyRegister | None = None, clock: Clock | None = None) -> ReviewState:
    """Record, signed by ``signer``, that its holder checked the draft record at ``path``;
    return the new state. With ``register`` the key must be registered to the signer.

    Raises :class:`ReviewError` for a record not a draft, or a review that would be
    stamped before the end of the run.
    """
    record = _checked(path, "review", signer, register)
    clock = clock or WallClock()
    _not_before_end(record, "review", clock)
    if record.review.state != "draft":
        raise ReviewError(f"review of {record.record_id}: it is already {record.review.state} "
                          f"(by {record.review.who}); only a draft can be reviewed")
    log = AuditLog.for_record(path)
    log.clock = clock
    log.append("reviewed", record.record_id, signer=signer, content_sha256=record.sha256,
               file=Path(path).name)
    return log.review_state(record.record_id, register)


def approve(path: str | os.PathLike[str], signer: SigningKey, *,
            register: KeyRegister | None = None, clock: Clock | None = None) -> ReviewState:
    """Record, signed by ``signer``, that its holder authorised the reviewed record at
    ``path``; return the new state. The approver must be neither the reviewer nor the
    run's operator.

    Raises :class:`ReviewError` for a record not reviewed, approved by its reviewer or by
    the operator who ran it, of a run that did not complete, or an approval stamped before
    the end of the run.
    """
    record = _checked(path, "approval", signer, register)
    clock = clock or WallClock()
    status = record.run.get("status")
    if status != "completed":
        raise ReviewError(f"approval of {record.record_id}: its run ended {status!r} "
                          f"({record.run.get('reason') or 'no reason recorded'}), not "
                          "completed; an incomplete calibration cannot be approved for a "
                          "certificate (render a draft with `metrolab report --draft`)")
    _not_before_end(record, "approval", clock)
    state = record.review
    if state.state != "reviewed":
        raise ReviewError(f"approval of {record.record_id}: it is {state.state}; it must be "
                          "reviewed first (`metrolab review`)")
    reviewer = next(s for s in state.signers if s.action == "reviewed")
    if reviewer.fingerprint == signer.fingerprint or reviewer.name == signer.name:
        raise ReviewError(f"approval of {record.record_id}: {signer.name} reviewed it; "
                          "approval needs a second person")
    operator = " ".join(str(record.run.get("operator") or "").split()).casefold()
    if operator and operator == " ".join(signer.name.split()).casefold():
        raise ReviewError(f"approval of {record.record_id}: {signer.name} performed the "
                          "calibration; nobody approves their own work, so another "
                          "authorised person must approve it")
    log = AuditLog.for_record(path)
    log.clock = clock
    log.append("approved", record.record_id, signer=signer, content_sha256=record.sha256,
               file=Path(path).name)
    return log.review_state(record.record_id, register)


def _apply_changes(run: dict[str, Any], changes: Mapping[str, Any],
                   record_id: str) -> list[dict[str, Any]]:
    """Apply ``{"dotted.field": new value}`` to ``run``; return [{field, old, new}]."""
    applied = []
    for dotted, new in changes.items():
        keys = str(dotted).split(".")
        if keys[0] in ("run_id", "status", "ended_at", "reason"):
            raise ReviewError(f"amendment of {record_id}: {dotted} cannot be amended")
        parent: Any = run
        for key in keys[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            raise ReviewError(f"amendment of {record_id}: there is no field {dotted!r} in the "
                              f"run's identity; fields are like 'customer.name', 'item.serial'")
        applied.append({"field": str(dotted), "old": parent.get(keys[-1]), "new": new})
        parent[keys[-1]] = new
    return applied


def amend(path: str | os.PathLike[str], *, signer: SigningKey, reason: str,
          changes: Mapping[str, Any], register: KeyRegister | None = None,
          clock: Clock | None = None) -> Path:
    """Seal an amended copy of the record at ``path``, signed by ``signer``; return the
    new record's path.

    ``changes`` maps dotted fields of the run's identity (``run_started`` data, e.g.
    ``"customer.name"``) to new values. Readings and results cannot be amended. The new
    record's ID is the original's root ID plus ``-A<n>``; it starts as a draft.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ReviewError(f"amendment of {path}: give the reason for the change")
    if not changes:
        raise ReviewError(f"amendment of {path}: say what changes (field -> new value)")
    original = _checked(path, "amendment", signer, register)
    who = signer.name
    clock = clock or WallClock()
    source = Path(path)
    root_id = (original.amends or {}).get("root_record_id", original.record_id)
    number = int((original.amends or {}).get("amendment_number", 0)) + 1
    record_id = f"{root_id}-A{number}"
    run = {key: value for key, value in original.run.items()
           if key not in ("status", "ended_at", "reason")}
    applied = _apply_changes(run, changes, original.record_id)
    when = isoformat(clock.now())
    original_start = str(original.run.get("started_at") or when)
    amends = {"record_id": original.record_id, "certificate_id": original.certificate_id,
              "root_record_id": root_id, "amendment_number": number, "reason": reason.strip(),
              "changes": applied, "who": who.strip(), "when": when,
              "replaced_sha256": original.sha256}

    def build(writer: RecordWriter) -> None:
        with h5py.File(source, "r") as src:
            if layout_of(src) is not LAYOUT_2:
                raise ReviewError(
                    f"amendment of {original.record_id}: {source.name} is a schema "
                    f"{original.schema_version} record; this metrolab amends schema "
                    f"{LAYOUT_2.version} records only (amend it with the metrolab that sealed it)")
            _copy_amended(writer, src, f"{record_id}.h5", when)
        write_identity(writer, run, record_id=record_id, certificate_id=record_id,
                       journal_created=original_start, status=original.status,
                       reason=str(original.run.get("reason") or ""))
        _amends_note(writer, amends)

    sealed = write_sealed(source.resolve().parent / f"{record_id}.h5", build,
                          afterwards=f", then amend {source} again. Kept: {source}, unchanged")
    log = AuditLog(sealed.path.parent / "audit.log", clock)
    log.append("amended", record_id, signer=signer, amends=original.record_id,
               reason=reason.strip(), changes=applied, file=sealed.path.name,
               content_sha256=sealed.content_sha256, file_sha256=sealed.file_sha256,
               status=original.status)
    return sealed.path


def _copy_amended(writer: RecordWriter, src: h5py.File, file_name: str, when: str) -> None:
    """Copy every object of the verified record ``src`` but its identity, integrity and
    amendment note into the new record, with the digests of its sealed manifest."""
    manifest = LAYOUT_2.stored_integrity(src)[1]
    write_root(writer, file_name=file_name, file_time=when)
    writer.set_attrs(ENTRY, {name: value for name, value in src[ENTRY].attrs.items()
                             if name != "NX_class"})
    for name in src[ENTRY]:
        if name not in (*IDENTITY, "integrity", "amends"):
            writer.copy(src[f"{ENTRY}/{name}"], f"{ENTRY}/{name}", manifest)


def _amends_note(writer: RecordWriter, amends: dict[str, Any]) -> None:
    """Write ``/entry/amends`` (NXnote): which record and certificate this one replaces,
    with the replaced content hash, who, when, why, and the exact changes (JSON)."""
    group = writer.group(f"{ENTRY}/amends", "NXnote")
    for name, value in (
            ("author", amends["who"]), ("date", amends["when"]),
            ("description", amends["reason"]), ("identifier_record", amends["record_id"]),
            ("identifier_certificate", amends["certificate_id"]),
            ("identifier_root", amends["root_record_id"]),
            ("sequence_index", int(amends["amendment_number"])),
            ("algorithm", "sha256"), ("checksum", amends["replaced_sha256"]),
            ("type", "application/json"), ("data", canonical_json(amends))):
        writer.field(f"{group}/{name}", value)
