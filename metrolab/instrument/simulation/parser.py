"""A SCPI command tree as instruments parse it.

Headers are declared once in SCPI notation (``[SENSe:]VOLTage[:DC]:RANGe``): the
upper-case letters are the short form, the whole word the long form, ``[...]``
marks an optional node. Either form is accepted, in any case. A program message
may chain commands with ``;``: a header that does not start with ``:`` or ``*``
continues from the previous header's branch (SCPI-99). The first failure ends the
message; everything before it has been executed.

Parameters follow the IEEE 488.2 rules the instruments apply: any run of white space
(space, tab, other control characters but LF) separates a header from its parameters and
surrounds commas; numbers may carry a unit suffix with an SI multiplier (``100mV``,
``1.5 KOHM``: ``M`` is milli, ``MA`` mega, except ``MOHM`` and ``MHZ`` which are mega,
SCPI-99 7.2.2) where a handler names the unit; ``MIN``/``MAX``/``DEF`` stand for a value
in settings and in queries (``VOLT:RANG? MAX``); ``INF`` for a count that never ends.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

#: IEEE 488.2 white space (7.4.1.2): every byte 0-32 except LF, which ends a message
_WHITESPACE = "".join(chr(c) for c in range(33) if c != 10)
_HEADER_SPLIT = re.compile(f"[{re.escape(_WHITESPACE)}]+")
#: the value SCPI queries report for an infinite count (SCPI-99 7.2.1.4)
INFINITY_REPLY = 9.9e37

Reply = str | bytes | None
Handler = Callable[[list[str]], Reply]

ERROR_TEXT = {
    -100: "Command error",
    -102: "Syntax error",
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -131: "Invalid suffix",
    -138: "Suffix not allowed",
    -141: "Invalid character data",
    -151: "Invalid string data",
    -200: "Execution error",
    -211: "Trigger ignored",
    -213: "Init ignored",
    -214: "Trigger deadlock",
    -221: "Settings conflict",
    -222: "Data out of range",
    -223: "Too much data",
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


@functools.lru_cache(maxsize=8192)
def compile_header(pattern: str) -> re.Pattern[str]:
    """Return the case-insensitive regex matching ``pattern``'s short and long forms
    (compiled once per pattern: a Truevolt meter declares more headers than ``re`` keeps
    in its own cache of 512, and every simulator built would compile them all again)."""
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

    def commands(self) -> tuple[Command, ...]:
        """Return every declared command, in the order declared."""
        return tuple(self._commands)

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
            unit = unit.strip(_WHITESPACE)
            if not unit:
                continue
            header, params_text = split_header(unit)
            full = header.lstrip(":") if header.startswith(("*", ":")) else branch + header
            command = self.lookup(full)
            if command is None:
                on_error(-113, ERROR_TEXT[-113])
                break
            if not full.startswith("*"):
                branch = full.rsplit(":", 1)[0] + ":" if ":" in full else ""
            params = [p.strip(_WHITESPACE) for p in split_outside_quotes(params_text, ",")]
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


def split_header(unit: str) -> tuple[str, str]:
    """Return ``(header, parameter text)`` of one command: they are separated by the first
    run of IEEE 488.2 white space (the header itself contains none)."""
    parts = _HEADER_SPLIT.split(unit, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


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


def answers(reply: Callable[[], Reply]) -> Handler:
    """Return the handler of a query without parameters that answers what ``reply()``
    returns when it is asked (-108 when a parameter comes with it)."""

    def handler(params: list[str]) -> Reply:
        no_params(params)
        return reply()

    return handler


def one_param(params: list[str]) -> str:
    """Return the single parameter; -109 when missing, -108 when more than one."""
    if not params:
        raise CommandError(-109)
    if len(params) > 1:
        raise CommandError(-108)
    return params[0]


_MULTIPLIERS = {
    "EX": 1e18, "PE": 1e15, "T": 1e12, "G": 1e9, "MA": 1e6, "K": 1e3,
    "M": 1e-3, "U": 1e-6, "N": 1e-9, "P": 1e-12, "F": 1e-15, "A": 1e-18,
}
#: units in which a lone ``M`` prefix means mega, not milli (SCPI-99 7.2.2: MOHM, MHZ)
_MEGA_M_UNITS = frozenset({"OHM", "HZ"})
_DECIMAL = re.compile(
    r"([+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?)" + f"[{re.escape(_WHITESPACE)}]*" + r"([A-Z]*)"
)


def number(
    text: str,
    *,
    minimum: float,
    maximum: float,
    default: float | None = None,
    unit: str | None = None,
    infinite: bool = False,
) -> float:
    """Return ``text`` as a number within ``[minimum, maximum]``.

    ``MIN``/``MAX``/``DEF`` (short or long) give the bounds or ``default``; ``INF``
    gives ``math.inf`` when ``infinite``. A suffix in ``unit`` (``V``, ``A``, ``OHM``,
    ``HZ``, ``S``, ``F``) with an SI multiplier scales the value (``100mV`` = 0.1);
    another suffix gives -131, a suffix where no ``unit`` is allowed -138, a non-number
    -104 and a value outside the bounds -222.
    """
    word = text.strip(_WHITESPACE).upper()
    if word in ("MIN", "MINIMUM"):
        return minimum
    if word in ("MAX", "MAXIMUM"):
        return maximum
    if word in ("DEF", "DEFAULT") and default is not None:
        return default
    if infinite and word in ("INF", "INFINITY"):
        return math.inf
    match = _DECIMAL.fullmatch(word)
    if match is None:
        raise CommandError(-104)
    value = float(match.group(1)) * _suffix_factor(match.group(2), unit)
    if not minimum <= value <= maximum:
        raise CommandError(-222)
    return value


def _suffix_factor(suffix: str, unit: str | None) -> float:
    """Return the multiplier a unit ``suffix`` applies (1 for none); -138/-131 as SCPI says."""
    if not suffix:
        return 1.0
    if unit is None:
        raise CommandError(-138)
    unit = unit.upper()
    if not suffix.endswith(unit):
        raise CommandError(-131)
    prefix = suffix[: -len(unit)]
    if not prefix:
        return 1.0
    if prefix == "M" and unit in _MEGA_M_UNITS:
        return 1e6
    if prefix not in _MULTIPLIERS:
        raise CommandError(-131)
    return _MULTIPLIERS[prefix]


def query_value(
    params: list[str],
    *,
    current: float,
    minimum: float,
    maximum: float,
    default: float | None = None,
) -> float:
    """Return what a numeric query reports: ``current`` without a parameter, the bound or
    the default for ``MIN``/``MAX``/``DEF`` (``VOLT:RANG? MAX``); -224 for anything else."""
    if not params:
        return current
    word = one_param(params).strip(_WHITESPACE).upper()
    if word in ("MIN", "MINIMUM"):
        return minimum
    if word in ("MAX", "MAXIMUM"):
        return maximum
    if word in ("DEF", "DEFAULT") and default is not None:
        return default
    raise CommandError(-224)


def nr3(value: float) -> str:
    """Return ``value`` as the SCPI NR3 reply Keysight meters send (``+1.00000000E+01``):
    never ``-0``, an infinite value as 9.9E37 with its sign."""
    if math.isinf(value):
        value = math.copysign(INFINITY_REPLY, value)
    return f"{value + 0.0:+.8E}"


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
