"""Opening a sealed record: checked against its manifest, read in whichever layout it was
written (schema 1.0 or 2.0), returned as typed objects (:mod:`metrolab.store.record_model`)."""

from __future__ import annotations

import os
from pathlib import Path

import h5py

from metrolab.store.audit import AuditLog
from metrolab.store.errors import RecordError, RecordIntegrityError
from metrolab.store.facts import read_facts
from metrolab.store.record_model import EnvironmentLog, PointRecord, Record
from metrolab.store.record_v1 import read_v1
from metrolab.store.record_v2 import read_v2
from metrolab.store.schema import LAYOUT_1, layout_of
from metrolab.store.signing import KeyRegister
from metrolab.store.verification import content_problems

__all__ = ["EnvironmentLog", "PointRecord", "Record", "open_record"]


def open_record(path: str | os.PathLike[str], *, check: bool = True,
                register: KeyRegister | None = None) -> Record:
    """Open the sealed record at ``path`` and return it as a :class:`Record`.

    With ``check`` (the default) every object is checked against the sealed manifest
    first (a check already made in this process on the same bytes is reused) and
    :class:`RecordIntegrityError` is raised on a mismatch; use :func:`verify` for the full
    check that includes the audit log. The review state counts only steps whose
    signature verifies, against ``register`` when it is given. Raises
    :class:`RecordError` for a missing file or a file that is not a metrolab record.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"record {path} does not exist")
    if not h5py.is_hdf5(path):
        raise RecordError(f"{path} is not an HDF5 file; is it a journal? seal it with "
                          "`metrolab recover`")
    if check:
        problems = content_problems(path)
        if problems and problems[0].startswith(("not a metrolab record", "a metrolab record")):
            raise RecordError(f"{path} is an HDF5 file but {problems[0]}")
        if problems:
            raise RecordIntegrityError(f"record {path} does not match its sealed hash: "
                                       f"{'; '.join(problems[:5])}; run `metrolab verify`")
    try:
        return _read_record(path, register)
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        raise RecordError(f"cannot read record {path}: {exc}; run `metrolab verify` on "
                          "it") from exc


def _read_record(path: Path, register: KeyRegister | None) -> Record:
    with h5py.File(path, "r") as handle:
        layout = layout_of(handle)
        if isinstance(layout, str):
            raise RecordError(f"{path} is an HDF5 file but {layout}")
        record_id = read_facts(handle, layout).record_id
        review = AuditLog.for_record(path).review_state(record_id, register)
        reader = read_v1 if layout is LAYOUT_1 else read_v2
        return reader(handle, path, review)
