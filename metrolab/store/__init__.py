"""metrolab's record store: run journal, sealed HDF5 records, audit log, review.

Importing ``metrolab.store.journal`` alone does not load h5py, so a process that only
writes a journal starts fast. The names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Journal": "metrolab.store.journal",
    "JournalEntry": "metrolab.store.journal",
    "JournalContents": "metrolab.store.journal",
    "read_journal": "metrolab.store.journal",
    "JournalReader": "metrolab.store.journal_read",
    "seal": "metrolab.store.sealing",
    "recover": "metrolab.store.sealing",
    "sealed_record": "metrolab.store.sealing",
    "Recovery": "metrolab.store.sealing",
    "open_record": "metrolab.store.record",
    "Record": "metrolab.store.record",
    "PointRecord": "metrolab.store.record",
    "EnvironmentLog": "metrolab.store.record",
    "verify": "metrolab.store.verification",
    "VerifyReport": "metrolab.store.verification",
    "review": "metrolab.store.approval",
    "approve": "metrolab.store.approval",
    "amend": "metrolab.store.approval",
    "ReviewState": "metrolab.store.audit",
    "AuditLog": "metrolab.store.audit",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'metrolab.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
