"""Failures of the conformity part: bad decision inputs and unreachable risk targets."""

from __future__ import annotations

from metrolab.errors import MetrolabError, UserInputError


class ConformityInputError(UserInputError):
    """A decision or risk input that cannot be used (the message names it and says what to give)."""


class ConformityError(MetrolabError):
    """A risk computation that cannot reach what was asked, such as a target PFA out of reach."""


class LowTURWarning(UserWarning):
    """TUR below 4:1 and no risk analysis (prior) given, see ANSI/NCSL Z540.3 clause 5.3."""
