"""Round a result and its expanded uncertainty the way they are reported.

The uncertainty is given to two significant digits (ILAC P14 practice, as summarised
in KAN-G-01) and the value to the same decimal place. Decimal arithmetic is used so
the printed text and the number written into the DCC are the same digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Reported:
    """A value and its expanded uncertainty as reported, both as exact decimal text."""

    value: str
    uncertainty: str


def _quantum(uncertainty: float, significant: int) -> Decimal:
    magnitude = math.floor(math.log10(abs(uncertainty)))
    return Decimal(1).scaleb(magnitude - significant + 1)


def reported_uncertainty(uncertainty: float, significant: int = 2) -> tuple[str, int]:
    """Return (U as text to ``significant`` significant digits, rounded half up, and the
    decimal exponent of its last significant digit): 338 -> ("340", 1), 0.0523 ->
    ("0.052", -3), 9.96 -> ("10", 0). ``uncertainty`` must be finite and positive."""
    quantum = _quantum(uncertainty, significant)
    u = Decimal(repr(uncertainty)).quantize(quantum, rounding=ROUND_HALF_UP)
    if u.adjusted() > quantum.adjusted() + significant - 1:  # 9.96 -> 10.0: one digit more
        quantum = quantum.scaleb(1)
        u = u.quantize(quantum, rounding=ROUND_HALF_UP)
    return _plain(u), int(quantum.as_tuple().exponent)


def round_reported(value: float, uncertainty: float, significant: int = 2) -> Reported:
    """Return ``value`` and ``uncertainty`` rounded for a certificate.

    The uncertainty keeps ``significant`` significant digits (half up, so it is never
    understated by more than half a digit); the value is rounded half-even to the same
    decimal place. A zero or non-finite uncertainty leaves the value at 6 significant
    digits.
    """
    if not math.isfinite(uncertainty) or uncertainty <= 0:
        return Reported(format_plain(value, 6), format_plain(uncertainty, 6))
    u, exponent = reported_uncertainty(uncertainty, significant)
    return Reported(round_at(value, exponent), u)


def round_at(value: float, exponent: int) -> str:
    """Return ``value`` rounded half-even to the decimal place ``10**exponent``, as text."""
    if not math.isfinite(value):
        return format_plain(value, 6)
    quantum = Decimal(1).scaleb(exponent)
    return _plain(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


def difference(minuend: str, subtrahend: str, scale: int) -> str:
    """Return ``(minuend - subtrahend) * 10**scale`` computed on the printed digits, as text.

    This is how a reader checks a certificate: the error is the printed indication less
    the printed reference, converted to the error's unit (``scale`` powers of ten).
    """
    return _plain((Decimal(minuend) - Decimal(subtrahend)).scaleb(scale))


def format_percent(fraction: float, significant: int = 2, floor: float = 1e-6) -> str:
    """Return a probability (a fraction) as a percentage with ``significant`` digits.

    Below ``floor`` (default 1e-6, 0.0001 %) the text is ``< 0.0001 %``: a risk computed as
    1e-14 or 0 is not known to that precision, and one format reads better than a mix of
    plain digits and e-notation.
    """
    if not math.isfinite(fraction):
        return "—"
    if abs(fraction) < floor:
        return f"< {format_trimmed(floor * 100, 1)} %"
    return f"{format_trimmed(fraction * 100, significant)} %"


def round_like(value: float, reference: Reported) -> str:
    """Return ``value`` rounded to the decimal place of ``reference.value``, as text."""
    quantum = Decimal(reference.value).as_tuple().exponent
    v = Decimal(repr(value)).quantize(Decimal(1).scaleb(int(quantum)), rounding=ROUND_HALF_EVEN)
    return _plain(v)


def format_plain(value: float, significant: int) -> str:
    """Return ``value`` with ``significant`` significant digits in plain (no exponent) text."""
    if not math.isfinite(value):
        return "NaN"
    if value == 0:
        return "0"
    quantum = _quantum(value, significant)
    return _plain(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


def format_trimmed(value: float, significant: int) -> str:
    """Return ``value`` like :func:`format_plain` without trailing zeros (2.00 -> "2")."""
    if not math.isfinite(value) or value == 0:
        return format_plain(value, significant)
    return _plain(Decimal(format_plain(value, significant)).normalize())


def format_probability(value: float, significant: int) -> str:
    """Return a probability (a fraction) as text: plain digits, or ``1.28e-13`` below 1e-4."""
    if math.isfinite(value) and 0 < abs(value) < 1e-4:
        return f"{value:.{significant}g}"
    return format_trimmed(value, significant)


def _plain(number: Decimal) -> str:
    if number.is_zero():
        number = abs(number)  # no "-0.000" on a certificate
    return format(number, "f")
