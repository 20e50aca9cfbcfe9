"""Named failures of the record store.

Every message says which file, what went wrong and what to do about it.
"""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class StoreError(MetrolabError):
    """Root of the store's failures."""


class JournalError(StoreError):
    """A journal cannot be created, opened or read."""


class JournalLockedError(JournalError):
    """Another live process holds the journal open for writing."""


class JournalWriteError(JournalError):
    """An entry could not be made durable (disk full, permission, I/O error).

    The entry was not acknowledged and the journal was left as it was before it.
    """


class JournalCorruptError(JournalError):
    """A journal has a bad entry that is followed by more data (not just a torn tail)."""


class FolderNotWritable(StoreError):
    """A folder for journals, records or certificates cannot be created or written."""


class SealError(StoreError):
    """A sealed record could not be written; any journal it came from is untouched."""


class RecordError(UserInputError):
    """A file is not a readable metrolab record (missing, not HDF5, wrong schema)."""


class RecordIntegrityError(StoreError):
    """A record's content does not match the hash sealed with it."""


class AuditLogError(StoreError):
    """The audit log cannot be written or is broken."""


class ReviewError(UserInputError):
    """A review, approval or amendment is not allowed in the record's current state."""


class SigningKeyError(UserInputError):
    """A signing key cannot be created or used (missing, unreadable, open to others)."""


class KeyRegisterError(UserInputError):
    """The register's ``[[signer]]`` tables cannot be read or one is malformed."""
