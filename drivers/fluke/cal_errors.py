"""The Fluke calibrators' own error numbers and texts (not SCPI's negative codes).

The 5500A/5520A/5522A report errors as positive numbers with a text (Operators Manual,
appendix "Error Messages"): ``ERR?`` answers ``1300,"Bad syntax"``, ``FAULT?`` the number
alone, ``EXPLAIN? 1300`` the text, and an empty queue ``0,"No Error"``. In RS-232
terminal mode the calibrator also prints each fault as it happens:
``Fault 1300: Bad syntax``.

Sources: ``0,"No Error"`` [S, third-party driver tests "verified live"]; ``Fault 1300: Bad
syntax`` [S, MCUSH driver for the 5520A, pengshulin/mcush ``test/mcush/fluke/F5520A.py``];
every other number and text [U]: recalled from the 5520A manual's error list, which was
not available here. The Standard Event Status bit each error sets follows that list's
classes (CME command errors, EXE execution errors, QYE query errors, DDE the rest).

The generic simulation helpers (``number()``, ``choice()``, ``one_param()``) raise SCPI
codes; :func:`translate` maps them to the calibrators', so they can be shared.
The 5720A/5730A use the same queries; their numbers are taken to be the same [U].
"""

from __future__ import annotations

from dataclasses import dataclass

#: Standard Event Status Register bits (IEEE 488.2)
ESR_QYE = 4
ESR_DDE = 8
ESR_EXE = 16
ESR_CME = 32


@dataclass(frozen=True)
class FlukeError:
    """One entry of the calibrators' error list: number, text and the ESR bit it sets."""

    code: int
    text: str
    esr_bit: int


NO_ERROR = 0
QUEUE_OVERFLOW = 1
OUTSIDE_USER_LIMITS = 509
OUTSIDE_LOCKED_RANGE = 518
UNIT_REQUIRED = 519
TWO_FREQUENCIES = 520
CANNOT_SOURCE_THREE = 521
TEMPERATURE_UNIT = 522
BAD_SYNTAX = 1300
BAD_PARAMETER_COUNT = 1302
BAD_KEYWORD = 1303
BAD_PARAMETER_TYPE = 1304
BAD_PARAMETER_UNIT = 1305
BAD_PARAMETER_VALUE = 1306
INTERRUPTED_QUERY = 1308
UNTERMINATED_COMMAND = 1309
PARAMETER_TOO_LONG = 1314

ERRORS: dict[int, FlukeError] = {
    error.code: error
    for error in (
        FlukeError(NO_ERROR, "No Error", 0),
        FlukeError(QUEUE_OVERFLOW, "Error queue overflow", ESR_DDE),
        FlukeError(OUTSIDE_USER_LIMITS, "Output exceeds user limits", ESR_DDE),
        FlukeError(OUTSIDE_LOCKED_RANGE, "Value outside locked range", ESR_DDE),
        FlukeError(UNIT_REQUIRED, "Must specify an output unit", ESR_DDE),
        FlukeError(TWO_FREQUENCIES, "Can't do two freqs at once", ESR_DDE),
        FlukeError(CANNOT_SOURCE_THREE, "Can't source 3 values at once", ESR_DDE),
        FlukeError(TEMPERATURE_UNIT, "Temp must be degrees C or F", ESR_DDE),
        FlukeError(BAD_SYNTAX, "Bad syntax", ESR_CME),
        FlukeError(BAD_PARAMETER_COUNT, "Bad parameter count", ESR_CME),
        FlukeError(BAD_KEYWORD, "Bad keyword", ESR_CME),
        FlukeError(BAD_PARAMETER_TYPE, "Bad parameter type", ESR_CME),
        FlukeError(BAD_PARAMETER_UNIT, "Bad parameter unit", ESR_CME),
        FlukeError(BAD_PARAMETER_VALUE, "Bad parameter value", ESR_EXE),
        FlukeError(INTERRUPTED_QUERY, "488.2 interrupted query", ESR_QYE),
        FlukeError(UNTERMINATED_COMMAND, "488.2 unterminated command", ESR_QYE),
        FlukeError(PARAMETER_TOO_LONG, "Parameter too long", ESR_EXE),
    )
}

#: SCPI code raised by the shared simulation helpers -> the calibrators' number
_FROM_SCPI = {
    -100: BAD_SYNTAX, -102: BAD_SYNTAX, -113: BAD_SYNTAX,
    -104: BAD_PARAMETER_TYPE, -108: BAD_PARAMETER_COUNT, -109: BAD_PARAMETER_COUNT,
    -131: BAD_PARAMETER_UNIT, -221: BAD_PARAMETER_VALUE, -222: BAD_PARAMETER_VALUE,
    -224: BAD_KEYWORD, -350: QUEUE_OVERFLOW, -410: INTERRUPTED_QUERY,
    -420: UNTERMINATED_COMMAND,
}


def translate(code: int) -> int:
    """Return the calibrators' number for ``code``: a SCPI code from a shared helper becomes
    its equivalent; the calibrators' own numbers (and any other) pass unchanged."""
    return _FROM_SCPI.get(code, code)


def lookup(code: int, fallback_text: str = "") -> FlukeError:
    """Return the list entry of ``code``; a number outside the list (a fault inside the
    simulator) keeps ``fallback_text`` and counts as device-dependent (DDE)."""
    return ERRORS.get(code) or FlukeError(code, fallback_text or "Unknown error", ESR_DDE)


def err_reply(code: int, text: str) -> str:
    """Return the ``ERR?`` answer for one entry: ``1300,"Bad syntax"``."""
    return f'{code},"{text}"'


def fault_line(code: int, text: str) -> str:
    """Return the line terminal mode prints when the fault happens: ``Fault 1300: Bad syntax``."""
    return f"Fault {code}: {text}"
