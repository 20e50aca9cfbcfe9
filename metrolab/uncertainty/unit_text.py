"""Unit texts that people write (``"V"``, ``"mV/K"``, ``"kg*m**2"``), read safely.

pint evaluates a unit text as an arithmetic expression, integers included: ``V**9**9**9``
computes 9**387420489 and never returns, ``(V`` raises a tokenizer error and ``V*`` an
assertion. :func:`parse_unit` checks the text first (its length, that every power has a
plain number of modest size as its exponent and a unit as its base), hands it to pint,
turns whatever pint raises into one :class:`UncertaintyInputError`, and bounds the
exponents of the result.
"""

from __future__ import annotations

import numbers
import re
import tokenize
from functools import lru_cache

import pint

from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.units import ureg

#: longest unit text accepted, in characters
MAX_UNIT_LENGTH = 100
#: largest |exponent| of a unit, written or resulting (m**3 and Hz**-1/2 need little more)
MAX_EXPONENT = 64

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TOKEN = re.compile(
    r"\s*(?:(?P<power>\*\*|\^)|(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    rf"|(?P<superscript>[⁻⁺]?[{_SUPERSCRIPTS}]+)"
    rf"|(?P<open>\()|(?P<close>\))|(?P<op>[*/+-])|(?P<name>[^\s*/^()+\-⁻⁺{_SUPERSCRIPTS}]+))"
)


def parse_unit(text: str) -> pint.Unit:
    """Return the pint unit spelled ``text`` (cached; parsing is slow).

    Raises :class:`UncertaintyInputError` naming the text for anything pint cannot
    read or should not be asked to: more than :data:`MAX_UNIT_LENGTH` characters, a power
    whose exponent is not a plain number up to :data:`MAX_EXPONENT` or whose base is a
    number, and exponents above that bound in the result.
    """
    if not isinstance(text, str):
        raise UncertaintyInputError(f"a unit must be text such as 'V', got {text!r}")
    return _parse(text)


@lru_cache(maxsize=512)
def _parse(text: str) -> pint.Unit:
    if len(text) > MAX_UNIT_LENGTH:
        raise UncertaintyInputError(
            f"unit {text[:20]!r}...: {len(text)} characters; at most {MAX_UNIT_LENGTH}"
        )
    _check_powers(text)
    try:
        unit = ureg.Unit(text)
    except (
        pint.errors.PintError,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        AssertionError,
        ArithmeticError,
        SyntaxError,
        tokenize.TokenError,
    ) as exc:
        raise UncertaintyInputError(f"unknown unit {text!r}: {_reason(exc)}") from None
    for name, exponent in unit._units.items():
        if not isinstance(exponent, numbers.Real) or not abs(exponent) <= MAX_EXPONENT:
            raise UncertaintyInputError(
                f"unit {text!r}: {name} to the power {exponent} is out of range "
                f"(at most {MAX_EXPONENT})"
            )
    return unit


def _reason(exc: BaseException) -> str:
    """Return what a pint parsing failure means, in a few words."""
    if isinstance(exc, tokenize.TokenError):
        return "unbalanced brackets"
    if isinstance(exc, AssertionError | IndexError | SyntaxError) or not str(exc):
        return "it is incomplete or malformed (an operator without a unit beside it?)"
    return str(exc).splitlines()[0]


def _check_powers(text: str) -> None:
    """Refuse a power whose exponent is not a plain number within :data:`MAX_EXPONENT`, a
    chain of powers, and a power of a number or of a bracket holding only numbers."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip():
                raise UncertaintyInputError(f"unit {text!r}: cannot read it at {text[pos:]!r}")
            break
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    has_name: list[bool] = [False]  # one flag per open bracket: does it hold a unit name?
    closed_with_name = False
    for i, (kind, value) in enumerate(tokens):
        if kind == "name":
            has_name[-1] = True
        elif kind == "open":
            has_name.append(False)
        elif kind == "close" and len(has_name) > 1:
            closed_with_name = has_name.pop()
            has_name[-1] = has_name[-1] or closed_with_name
        elif kind in ("power", "superscript"):
            before = tokens[i - 1] if i else ("", "")
            if before[0] in ("number", "superscript", "power", "") or (
                before[0] == "close" and not closed_with_name
            ):
                raise UncertaintyInputError(
                    f"unit {text!r}: only a unit can be raised to a power (V**2, m²)"
                )
            if kind == "power":
                _check_exponent(text, tokens[i + 1 : i + 4])
            else:
                digits = value.lstrip("⁻⁺").translate(str.maketrans(_SUPERSCRIPTS, "0123456789"))
                _check_exponent(text, [("number", digits)])


def _check_exponent(text: str, after: list[tuple[str, str]]) -> None:
    """Refuse unless ``after`` (the tokens after a power) starts with an optionally signed
    number no larger than :data:`MAX_EXPONENT`, not followed by another power."""
    if after and after[0] in (("op", "-"), ("op", "+")):
        after = after[1:]
    if not after or after[0][0] != "number":
        raise UncertaintyInputError(
            f"unit {text!r}: an exponent must be a plain number (V**2, m**-1)"
        )
    if not float(after[0][1]) <= MAX_EXPONENT:
        raise UncertaintyInputError(
            f"unit {text!r}: exponent {after[0][1]} is out of range (at most {MAX_EXPONENT})"
        )
    if len(after) > 1 and after[1][0] == "power":
        raise UncertaintyInputError(
            f"unit {text!r}: write one exponent per unit (V**6, not V**2**3)"
        )
