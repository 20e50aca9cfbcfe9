"""Named failures of the laboratory-level work: catalogue, impact analysis, fleet, cluster."""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError

#: what to install for the optional parts (Dask, the PostgreSQL driver)
LAB_EXTRA = "pip install 'metrolab[lab]'"


class CatalogueError(MetrolabError):
    """The catalogue database cannot be opened, read or written (the message names it)."""


class CatalogueInputError(UserInputError):
    """A bad catalogue argument: a database URL, a directory, a date, a status."""


class ImpactInputError(UserInputError):
    """A bad impact-analysis argument: the standard, the window, a correction, a certificate."""


class ImpactError(MetrolabError):
    """Impact analysis could not run to its end (the message says where it stopped)."""


class FleetError(MetrolabError):
    """A simulated fleet could not be written (the message names the folder and record)."""


class MissingExtraError(MetrolabError):
    """An optional dependency is not installed; the message says what to install."""


def missing_extra(what: str, module: str) -> MissingExtraError:
    """Return the error for ``what`` needing the module ``module`` of the ``lab`` extra."""
    return MissingExtraError(f"{what} needs {module}, which is not installed: {LAB_EXTRA}")
