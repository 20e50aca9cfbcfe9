"""Named failures of DCC import and of the register tools."""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class DccImportError(UserInputError):
    """A DCC cannot be imported: unreadable, not well-formed, invalid against its schema
    (the message gives line numbers), or without the values an import needs."""


class StandardMatchError(UserInputError):
    """The certificate's item matches no standard of the register, or several."""


class RegisterUpdateError(MetrolabError):
    """The register file could not be rewritten (it is left as it was)."""
