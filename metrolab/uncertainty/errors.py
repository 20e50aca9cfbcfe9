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


class SingularFitError(UncertaintyComputationError):
    """A curve fit whose x values cannot determine the curve: its design matrix is singular
    or so ill-conditioned that the coefficients would be noise (x values too close)."""


class AutocorrelationWarning(UserWarning):
    """Readings show serial correlation: the standard deviation of the mean understates u."""


class NotConvergedWarning(UserWarning):
    """The adaptive Monte Carlo procedure hit its trial limit before reaching its tolerance."""


class NonFiniteOutputError(UncertaintyComputationError):
    """A Monte Carlo trial made the model return NaN or infinity.

    ``output`` names the output, ``trial`` is the 0-based trial number (of the run with
    that seed), ``point`` the test point index (None for scalar inputs) and ``inputs``
    the drawn input values, each in its input's unit, that produced it.
    """

    def __init__(
        self,
        message: str,
        *,
        output: str,
        trial: int,
        point: tuple[int, ...] | None,
        inputs: dict[str, float],
    ) -> None:
        super().__init__(message)
        self.output, self.trial, self.point, self.inputs = output, trial, point, inputs


class FewReadingsWarning(UserWarning):
    """A Type A input from n <= 3 readings enters Monte Carlo as a t distribution with
    n - 1 <= 2 degrees of freedom, which has no finite variance (JCGM 101 6.4.9)."""
