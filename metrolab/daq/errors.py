"""Named failures of data acquisition (``metrolab.daq``).

Bad input (a spec that cannot run, an unknown instrument model or reading call, a file
that already exists) is a :class:`DaqInputError`, a
:class:`~metrolab.errors.UserInputError`: the CLI prints one line and exits 2. Failures
while a run goes on or while its file is rebuilt are :class:`DaqError`: exit 1.
"""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class DaqError(MetrolabError):
    """An acquisition could not go on, or its file could not be written or read back."""


class DaqInputError(UserInputError):
    """A readable, axis, duration, resource or file name that cannot be used as given."""


class DaqFileError(DaqError):
    """A data file or journal that is not what metrolab.daq wrote, or cannot be written."""


class DaqAborted(DaqError):
    """The run stopped before its end (operator, fault, suspender); its file holds every
    row acknowledged before the stop."""
