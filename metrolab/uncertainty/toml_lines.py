"""Line numbers of keys in a TOML text, for error messages.

``tomllib`` gives positions only for syntax errors; once a file parses, its values carry
none. :func:`line_of` finds where a key was written by reading the text line by line as
TOML lays it out (``[table]`` and ``[[array]]`` headers, ``key = value`` and dotted keys),
and answers with the line of the deepest part of the key path it finds (the line of an
inline table when the key sits inside one). It is used only to point at a line in a
message; when it cannot tell, it answers None and the message names the key alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"\s*(?:{_BARE}|{_QUOTED})\s*"
_DOTTED = rf"{_KEY_PART}(?:\.{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)({_DOTTED})\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(rf"^({_DOTTED})=")

Path = Sequence[str | int]


def _parts(dotted: str) -> list[str]:
    """Return the keys of a dotted TOML key, unquoted."""
    keys = re.findall(rf"{_BARE}|{_QUOTED}", dotted)
    return [k[1:-1] if k[:1] in "\"'" else k for k in keys]


def line_of(text: str, path: Path) -> int | None:
    """Return the 1-based line where ``path`` (keys, and indices into arrays of tables) is
    written in the TOML ``text``, or of its deepest written prefix; None if none is found."""
    target = [str(p) for p in path]
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str] = []
    counts: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            keys = _parts(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(tuple(keys), 0)
                counts[tuple(keys)] = index + 1
                keys = [*keys, str(index)]
            table = keys
            best = _better(best, table, target, number)
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            best = _better(best, table + _parts(assignment.group(1)), target, number)
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_string = quote
                break
    return None if best is None else best[1]


def _better(
    best: tuple[int, int] | None, keys: list[str], target: list[str], number: int
) -> tuple[int, int] | None:
    """Return ``best`` or (length, number) when ``keys`` is a longer prefix of ``target``."""
    if len(keys) > len(target) or keys != target[: len(keys)]:
        return best
    if best is None or len(keys) > best[0]:
        return (len(keys), number)
    return best
