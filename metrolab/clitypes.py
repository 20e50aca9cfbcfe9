"""Click parameter types whose bad values are one-line errors (exit 2), not a usage block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from metrolab.errors import UserInputError


class ExistingPath(click.ParamType):
    """A path that must exist; a missing one is :class:`UserInputError` naming the command."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Path:
        """Return ``value`` as a :class:`Path`; raise :class:`UserInputError` if it is missing."""
        path = Path(value)
        if not path.exists():
            command = ctx.command_path if ctx is not None else "metrolab"
            raise UserInputError(f"{command}: {path} does not exist")
        return path
