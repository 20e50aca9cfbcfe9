"""Named failures of the runner, the register of standards and procedure discovery.

Bad input from the operator (an unknown procedure, a malformed answers file or
register, a standard that is missing or expired, a resource that does not answer)
is a :class:`~metrolab.errors.UserInputError`: the CLI prints one line and exits 2.
Failures during a run are :class:`RunnerError`.
"""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class RunnerError(MetrolabError):
    """A run could not go on (an instrument fault it could not recover from, say)."""


class RunAborted(RunnerError):
    """The run was aborted (by the operator, a refused prompt or a fault); its record is sealed."""


class OperatorAborted(RunnerError):
    """The operator aborted at a prompt (Ctrl-C twice, or end of input)."""


class ProcedureNotFound(UserInputError):
    """No procedure of that name is installed, in the built-ins or in ``--procedures DIR``."""


class ProcedureDefinitionError(UserInputError):
    """A procedure module lacks METADATA, TEST_POINTS or measure_point, or is malformed."""


class AnswersFileError(UserInputError):
    """The answers file cannot be read, is not TOML/JSON, or holds something other than answers."""


class UnansweredPrompt(UserInputError):
    """An unattended run met a prompt that neither the answers file nor ``--yes`` answers."""


class RegisterError(UserInputError):
    """The register of standards cannot be read or an entry in it is malformed."""


class StandardNotRegistered(UserInputError):
    """A standard in use is not in the register of standards."""


class StandardExpired(UserInputError):
    """A standard in use is past its calibration due date and no override reason was given."""


class ResourceNotAnswering(UserInputError):
    """An instrument resource could not be opened or did not answer its identification query."""


class ResumeError(UserInputError):
    """A journal cannot be resumed: unreadable, already ended, or its instruments changed."""
