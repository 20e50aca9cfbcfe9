"""Checking a TOML file that people write against its schema, with line-numbered problems.

A lab's own files (specification tables, procedures as data) are parsed with ``tomllib``
and checked with a pydantic model: every problem found becomes a :class:`Problem` with
the line it is on (the syntax error's own line, or the line where the offending key or
table is written, found by :func:`metrolab.uncertainty.toml_lines.line_of`) and one
sentence saying what is wrong. :class:`TomlFileError` carries them all and prints as
``FILE:LINE: message`` lines.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from metrolab.errors import UserInputError
from metrolab.uncertainty.toml_lines import line_of

_SYNTAX_LINE = re.compile(r"at line (\d+)")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file: the 1-based line it is on (None: the file as a whole)
    and what is wrong."""

    line: int | None
    message: str

    def format(self, path: Path | str) -> str:
        """Return ``FILE:LINE: message`` (``FILE: message`` without a line)."""
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


class TomlFileError(UserInputError):
    """A file people write cannot be used: ``problems`` says where and why.

    The message holds every problem as ``FILE:LINE: message``, joined by ``; `` so that
    the CLI prints it on one line; :meth:`lines` gives one line per problem.
    """

    def __init__(self, what: str, path: Path | str, problems: Sequence[Problem]) -> None:
        self.what = what
        self.path = Path(path)
        self.problems = tuple(problems)
        super().__init__(f"{what} " + "; ".join(p.format(path) for p in self.problems))

    def lines(self) -> list[str]:
        """Return one ``FILE:LINE: message`` line per problem."""
        return [p.format(self.path) for p in self.problems]


def read_text(path: Path, what: str, error: type[TomlFileError] = TomlFileError) -> str:
    """Return the text of ``path``; raise ``error`` naming the file when it cannot be read
    or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(what, path, [Problem(None, f"cannot read it ({exc})")]) from exc


def parse(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Return (the top-level table, []) of TOML ``text``, or (None, [the syntax error with
    its line])."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        found = _SYNTAX_LINE.search(str(exc))
        return None, [Problem(int(found.group(1)) if found else None,
                              f"not valid TOML: {exc}")]


def validate(model: type[M], data: dict[str, Any], text: str
                           ) -> tuple[M | None, list[Problem]]:
    """Return (``data`` checked as ``model``, []) or (None, one problem per schema error,
    each on the line of its key or table in ``text``, in line order)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, sorted((problem_at(text, err["loc"], _message(err))
                             for err in exc.errors()),
                            key=lambda p: (p.line or 0, p.message))


def problem_at(text: str, location: Sequence[str | int], message: str) -> Problem:
    """Return a problem about the key at ``location`` (keys and array indices) of ``text``:
    its line, and the message prefixed by the key's dotted name."""
    where = dotted(location)
    return Problem(line_of(text, location) if location else None,
                   f"{where}: {message}" if where else message)


def dotted(location: Sequence[str | int]) -> str:
    """Return a key path as people read it: ``spec[3].reading_pct`` (indices from 1)."""
    text = ""
    for part in location:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _message(error: Any) -> str:
    """Return a pydantic error as one sentence, with the value given when it is small."""
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a known key (a misspelling?)"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    given = error.get("input")
    if isinstance(given, str | int | float | bool) and error["type"] != "value_error":
        message += f" (got {given!r})"
    return message
