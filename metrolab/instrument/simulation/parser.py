"""A SCPI command tree as instruments parse it.

Headers are declared once in SCPI notation (``[SENSe:]VOLTage[:DC]:RANGe``): the
upper-case letters are the short form, the whole word the long form, ``[...]``
marks an optional node. Either form is accepted, in any case. A program message
may chain commands with ``;``: a header that does not start with ``:`` or ``*``
continues from the previous header's branch (SCPI-99). The first failure ends the
message; everything before it has been executed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Reply = str | bytes | None
Handler = Callable[[list[str]], Reply]

ERROR_TEXT = {
    -100: "Command error",
    -102: "Syntax error",
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -200: "Execution error",
    -213: "Init ignored",
    -221: "Settings conflict",
    -222: "Data out of range",
    -224: "Illegal parameter value",
    -230: "Data corrupt or stale",
    -350: "Queue overflow",
    -363: "Input buffer overrun",
    -410: "Query INTERRUPTED",
}


class CommandError(Exception):
    """A command failed inside a simulator; ``code`` goes on the error queue."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or ERROR_TEXT.get(code, "Error")
        super().__init__(f"{code},{self.message}")


@dataclass(frozen=True)
class Command:
    """One declared header, its compiled matcher and its handler."""

    pattern: str
    regex: re.Pattern[str]
    handler: Handler


def compile_header(pattern: str) -> re.Pattern[str]:
    """Return the case-insensitive regex matching ``pattern``'s short and long forms."""
    out: list[str] = []
    for token in re.findall(r"\[|\]|:|\*|\?|[A-Za-z][A-Za-z0-9]*", pattern):
        if token == "[":
            out.append("(?:")
        elif token == "]":
            out.append(")?")
        elif token in (":", "*", "?"):
            out.append(re.escape(token))
        else:
            short = "".join(ch for ch in token if ch.isupper() or ch.isdigit()) or token.upper()
            long = token.upper()
            out.append(f"(?:{short}|{long})" if short != long else long)
    return re.compile("".join(out), re.IGNORECASE)


class CommandTree:
    """Declared headers of one instrument and the dispatch of program messages."""

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._cache: dict[str, Command | None] = {}

    def add(self, pattern: str, handler: Handler) -> None:
        """Declare ``pattern`` (a query ends in ``?``) to be run by ``handler(params)``."""
        self._commands.append(Command(pattern, compile_header(pattern), handler))
        self._cache.clear()

    def lookup(self, header: str) -> Command | None:
        """Return the command whose pattern matches ``header`` (no leading ``:``), or None."""
        key = header.upper()
        if key in self._cache:
            return self._cache[key]
        found = next((c for c in self._commands if c.regex.fullmatch(key)), None)
        if len(self._cache) < 4096:
            self._cache[key] = found
        return found

    def execute(self, message: str, on_error: Callable[[int, str], None]) -> Reply:
        """Run every command of ``message``; return the joined query replies, or None.

        A failing command calls ``on_error(code, text)`` and ends the message.
        A binary (bytes) reply is returned alone.
        """
        replies: list[str] = []
        branch = ""
        for unit in split_outside_quotes(message, ";"):
            unit = unit.strip()
            if not unit:
                continue
            header, _, params_text = unit.partition(" ")
            header = header.strip()
            full = header.lstrip(":") if header.startswith(("*", ":")) else branch + header
            command = self.lookup(full)
            if command is None:
                on_error(-113, ERROR_TEXT[-113])
                break
            if not full.startswith("*"):
                branch = full.rsplit(":", 1)[0] + ":" if ":" in full else ""
            params = [p.strip() for p in split_outside_quotes(params_text, ",")]
            if params == [""]:
                params = []
            try:
                reply = command.handler(params)
            except CommandError as exc:
                on_error(exc.code, exc.message)
                break
            if isinstance(reply, bytes):
                return reply
            if reply is not None:
                replies.append(reply)
        return ";".join(replies) if replies else None


def split_outside_quotes(text: str, separator: str) -> list[str]:
    """Return ``text`` split on ``separator`` where it is not inside double quotes."""
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def no_params(params: list[str]) -> None:
    """Raise CommandError -108 when a command that takes no parameter got one."""
    if params:
        raise CommandError(-108)


def one_param(params: list[str]) -> str:
    """Return the single parameter; -109 when missing, -108 when more than one."""
    if not params:
        raise CommandError(-109)
    if len(params) > 1:
        raise CommandError(-108)
    return params[0]


def number(
    text: str,
    *,
    minimum: float,
    maximum: float,
    default: float | None = None,
) -> float:
    """Return ``text`` as a number within ``[minimum, maximum]``.

    ``MIN``/``MAX``/``DEF`` (short or long) give the bounds or ``default``;
    a non-number gives -104, a value outside the bounds -222.
    """
    word = text.strip().upper()
    if word in ("MIN", "MINIMUM"):
        return minimum
    if word in ("MAX", "MAXIMUM"):
        return maximum
    if word in ("DEF", "DEFAULT") and default is not None:
        return default
    try:
        value = float(word)
    except ValueError:
        raise CommandError(-104) from None
    if not minimum <= value <= maximum:
        raise CommandError(-222)
    return value


def choice(text: str, options: list[str]) -> str:
    """Return the option (long form, upper case) that ``text`` names in short or long form.

    ``options`` are in SCPI notation (``IMMediate``); anything else gives -224.
    """
    for option in options:
        if compile_header(option).fullmatch(text.strip().strip('"')):
            return option.upper()
    raise CommandError(-224)


def boolean(text: str) -> bool:
    """Return ``ON``/``1`` as True and ``OFF``/``0`` as False; anything else gives -224."""
    word = text.strip().upper()
    if word in ("ON", "1"):
        return True
    if word in ("OFF", "0"):
        return False
    raise CommandError(-224)
