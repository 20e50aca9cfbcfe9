"""Named failures of certificate rendering."""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class CertificateError(MetrolabError):
    """A certificate could not be produced from a record (missing or inconsistent data)."""


class RecordNotIssuableError(UserInputError):
    """The record may not be certified: unsealed, tampered with, or not approved."""


class DccValidationError(CertificateError):
    """The generated DCC XML does not validate against the DCC 3.3.0 schema.

    ``element`` is the XPath-like location of the first offending element; nothing is
    written when this is raised.
    """

    def __init__(self, message: str, element: str) -> None:
        super().__init__(message)
        self.element = element
