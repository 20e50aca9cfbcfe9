"""How the Fluke calibrators read a program message: their own syntax, not SCPI's.

The 5500A/5520A/5522A/5502A and 5720A/5730A command sets are flat (``OUT``,
``TSENS_TYPE``, ``*OPC?``): no SCPI tree, no short forms, underscores in names; one space
separates a header from its parameters, commas separate parameters, ``;`` separates
commands, and a null parameter (``OUT 1V, ,2A``) is an error (5520A Programmers Manual
"Command Syntax" [P]). Headers are matched exactly, in any case. The shared SCPI
:class:`~metrolab.instrument.simulation.CommandTree` cannot hold names with ``_``, so the
calibrator parses its messages here.

Numbers take IEEE 488.2 multipliers: ``M`` milli, except ``MOHM`` and ``MHZ`` (mega);
``MA`` before a unit is mega (``MAV``), ``MA`` alone milliamperes (5700A/5720A Operators
Manual §5-9 [P], same command style).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from metrolab.instrument.simulation import CommandError
from metrolab.instrument.simulation.parser import split_outside_quotes

from .cal_errors import (
    BAD_PARAMETER_COUNT,
    BAD_PARAMETER_TYPE,
    BAD_PARAMETER_UNIT,
    BAD_SYNTAX,
    translate,
)
from .cal_output import CommandRejected

Reply = str | None
#: a handler takes the parameters (raw text for a ``raw`` command) and returns its reply
Handler = Callable[[list[str]], Reply]

_MULTIPLIERS = {
    "": 1.0, "T": 1e12, "G": 1e9, "MA": 1e6, "K": 1e3,
    "M": 1e-3, "U": 1e-6, "N": 1e-9, "P": 1e-12,
}
_NUMBER = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)")
#: base units, longest first so ``FAR`` is not read as farads with a prefix
_BASES = ("OHM", "CEL", "FAR", "HZ", "DEG", "V", "A", "F")
_NO_PREFIX = {"CEL", "FAR", "DEG"}


@dataclass(frozen=True)
class Argument:
    """A number with its unit: ``value`` in the base unit (V, A, OHM, F, HZ, CEL, FAR, DEG);
    ``unit`` "" when none was given."""

    value: float
    unit: str


def parse_argument(text: str) -> Argument:
    """Return the value and base unit in ``10 MV``, ``1.5A``, ``100 NF``, ``25 CEL``.

    Raises CommandRejected 1304 for text that is not a number, 1305 for an unknown unit.
    """
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        raise CommandRejected(BAD_PARAMETER_TYPE)
    suffix = match.group(2).upper()
    number = float(match.group(1))
    if not suffix:
        return Argument(number, "")
    for base in _BASES:
        if not suffix.endswith(base):
            continue
        prefix = suffix[: -len(base)]
        if base in _NO_PREFIX:
            if prefix:
                break
            return Argument(number, base)
        if prefix == "M" and base in ("OHM", "HZ"):
            prefix = "MA"  # IEEE 488.2: MOHM and MHZ are mega
        if prefix in _MULTIPLIERS:
            return Argument(number * _MULTIPLIERS[prefix], base)
        break
    raise CommandRejected(BAD_PARAMETER_UNIT)


@dataclass(frozen=True)
class Command:
    """One header of the command set; ``raw`` commands get their parameter text whole."""

    handler: Handler
    raw: bool = False


class CommandSet:
    """The calibrator's headers and the execution of program messages."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, header: str, handler: Handler, *, raw: bool = False) -> None:
        """Declare ``header`` (upper case, queries end in ``?``) run by ``handler``."""
        self._commands[header.upper()] = Command(handler, raw)

    def headers(self) -> list[str]:
        """Return every declared header, sorted."""
        return sorted(self._commands)

    def execute(self, message: str, on_error: Callable[[int], None]) -> Reply:
        """Run each command of ``message``; return the query replies joined by ``;`` or None.

        A failing command calls ``on_error(number)`` with the calibrator's error number and
        ends the message; what ran before it stays done.
        """
        replies: list[str] = []
        for unit in split_outside_quotes(message, ";"):
            unit = unit.strip()
            if not unit:
                continue
            header, _, text = unit.partition(" ")
            command = self._commands.get(header.upper())
            try:
                if command is None:
                    raise CommandRejected(BAD_SYNTAX)
                reply = command.handler(
                    [text.strip()] if command.raw else parameters(text))
            except CommandRejected as exc:
                on_error(exc.code)
                break
            except CommandError as exc:  # a shared helper's SCPI code
                on_error(translate(exc.code))
                break
            if reply is not None:
                replies.append(reply)
        return ";".join(replies) if replies else None


def parameters(text: str) -> list[str]:
    """Return the comma-separated parameters of ``text`` (none for blank text).

    Raises CommandRejected 1302 for a null parameter (two adjacent commas).
    """
    if not text.strip():
        return []
    params = [part.strip() for part in split_outside_quotes(text, ",")]
    if any(not part for part in params):
        raise CommandRejected(BAD_PARAMETER_COUNT)
    return params


def count(params: list[str], low: int, high: int | None = None) -> list[str]:
    """Return ``params`` when there are ``low`` to ``high`` (default ``low``) of them;
    raise CommandRejected 1302 otherwise."""
    if not low <= len(params) <= (low if high is None else high):
        raise CommandRejected(BAD_PARAMETER_COUNT)
    return params
