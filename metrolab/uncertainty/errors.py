"""Named failures of the uncertainty engine."""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class UncertaintyInputError(UserInputError):
    """An input, a correlation or a model cannot be evaluated as given.

    The message names the input (or output) and the problem, and says what to change.
    """


class ModelFileError(UncertaintyInputError):
    """A model file (``MODEL.toml``) is malformed; the message names the file and the key."""


class ModelEvaluationError(UncertaintyInputError):
    """The model in a model file cannot be evaluated for the inputs the file gives (an
    output that is NaN, infinite or complex at some input values): the file must change.
    The message names the file, the output and the input values."""


class UncertaintyComputationError(MetrolabError):
    """The model could be parsed but its evaluation failed (e.g. it returned NaN)."""


class AutocorrelationWarning(UserWarning):
    """Readings show serial correlation: the standard deviation of the mean understates u."""


class NotConvergedWarning(UserWarning):
    """The adaptive Monte Carlo procedure hit its trial limit before reaching its tolerance."""
