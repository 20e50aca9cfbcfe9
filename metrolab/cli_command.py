"""A click command whose usage errors are one line, like every other input error.

click prints a usage error as a usage line, a hint and the error (three lines, exit 2).
metrolab's contract for bad input is one line on stderr and exit 2, so commands that
take user input use :class:`OneLineErrorCommand`, which turns the usage error into a
:class:`~metrolab.errors.UserInputError` that :func:`metrolab.cli.main` prints.
"""

from __future__ import annotations

import click

from metrolab.errors import UserInputError


class OneLineErrorCommand(click.Command):
    """A click command whose usage errors become one-line :class:`UserInputError` (exit 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse ``args``; turn click's multi-line usage errors into one-line input errors."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            message = " ".join(exc.format_message().split())
            raise UserInputError(f"metrolab {self.name}: {message}") from None
