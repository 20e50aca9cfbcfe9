"""Corrections to a standard's value found at its recalibration: ``--correction`` text.

A correction says by how much one output of a standard really differed from the value
the records took for it, and how well that is known::

    DCV 10V +30uV              the 10 V DC output was 30 µV high
    DCV -10V -25uV U=8uV k=2   ... with the expanded uncertainty of that finding
    DCV * +3ppm                every DC voltage output, relative to its value
    ACV 1V@1kHz +120uV         one AC output at one frequency
    RES 10kohm -0.4ohm         a resistance output (points in 2- and 4-wire alike)

The function is the standard's output kind (``DCV``, ``ACV``, ``DCI``, ``ACI``, ``RES``
or any function name a procedure uses, such as ``TEMP``), the value that output was set
to (``*`` for all), then the signed offset (in a unit of the value, or relative: ``ppm``,
``percent``, a plain number), then optionally ``U=`` (the offset's expanded uncertainty)
and ``k=`` (its coverage factor, default 2). A re-evaluation adds the offset to the
standard's input and its uncertainty U/k as a new, uncorrelated input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pint

from metrolab.lab.errors import ImpactInputError
from metrolab.units import Quantity, ureg

#: the standard's output kind that a point of each DUT function uses
OUTPUT_KIND = {"RES2": "RES", "RES4": "RES"}
#: relative changes are compared with the value within this fraction
VALUE_TOLERANCE = 1e-6
_EXPANDED = re.compile(r"^U=(?P<value>.+)$", re.IGNORECASE)
_FACTOR = re.compile(r"^k=(?P<value>.+)$", re.IGNORECASE)


def output_kind(function: str) -> str:
    """Return the standard's output kind a DUT ``function`` uses (RES2/RES4 -> RES)."""
    upper = function.strip().upper()
    return OUTPUT_KIND.get(upper, upper)


@dataclass(frozen=True)
class Correction:
    """One finding on a standard's output: ``offset`` (a Quantity with the value's
    dimension, or dimensionless: relative to the value) at ``value`` (None: every value
    of that output kind) and ``frequency`` (None: every frequency), with expanded
    uncertainty ``expanded`` (same kind as the offset, None: known exactly) at ``k``."""

    kind: str
    value: pint.Quantity | None
    offset: pint.Quantity
    expanded: pint.Quantity | None = None
    k: float = 2.0
    frequency: pint.Quantity | None = None
    text: str = ""

    @property
    def relative(self) -> bool:
        """Return True when the offset is a fraction of the value (ppm, percent, number)."""
        return bool(self.offset.dimensionless)

    def matches(self, function: str, nominal: pint.Quantity | None,
                frequency: pint.Quantity | None) -> bool:
        """Return True when this correction applies to a point of ``function`` at
        ``nominal`` (and ``frequency`` for AC points)."""
        if output_kind(function) != self.kind:
            return False
        if self.value is not None and (nominal is None or not _same(nominal, self.value)):
            return False
        if self.frequency is not None:
            return frequency is not None and _same(frequency, self.frequency)
        return True

    def shift(self, value: float, unit: str) -> tuple[float, float]:
        """Return (offset, its standard uncertainty) for an input of ``value`` in ``unit``.

        Raises :class:`ImpactInputError` when the offset's unit does not fit the input.
        """
        offset = self._in(self.offset, value, unit)
        u = 0.0 if self.expanded is None else self._in(self.expanded, value, unit) / self.k
        return offset, abs(u)

    def _in(self, amount: pint.Quantity, value: float, unit: str) -> float:
        if amount.dimensionless:
            return float(amount.to("dimensionless").magnitude) * value
        try:
            return _difference(amount, unit)
        except pint.PintError as exc:
            raise ImpactInputError(f"--correction {self.text!r}: {amount:~P} cannot change "
                                   f"an input in {unit!r} ({exc})") from exc

    def describe(self) -> str:
        """Return the correction as one line of text (the form it is given in)."""
        return self.text or f"{self.kind} {self.value} {self.offset}"


def _same(a: pint.Quantity, b: pint.Quantity) -> bool:
    try:
        x = float(a.to(b.units).magnitude)
    except pint.PintError:
        return False
    y = float(b.magnitude)
    return math.isclose(x, y, rel_tol=VALUE_TOLERANCE, abs_tol=1e-15)


def _difference(amount: pint.Quantity, unit: str) -> float:
    """Return the difference ``amount`` expressed in ``unit``: scales only, so an offset
    unit counts as its degree (0.02 K is 0.02 in degC). Raises pint's error when the
    dimensions differ."""
    target = ureg.Unit(unit) if unit else ureg.dimensionless
    if Quantity(1.0, amount.units).to_base_units().units != \
            Quantity(1.0, target).to_base_units().units:
        raise pint.DimensionalityError(amount.units, target)
    return float(amount.magnitude) * _scale(amount.units) / _scale(target)


def _scale(unit: Any) -> float:
    """Return how many base units one step of ``unit`` is (ignoring any offset)."""
    return float(Quantity(2.0, unit).to_base_units().magnitude
                 - Quantity(1.0, unit).to_base_units().magnitude)


#: a number and a unit written as one word (10V, +30uV, 3ppm, -0.5 mohm, 1e-3 V/V): checked
#: before pint sees it, since pint's parser is Python's tokenizer and fails on stray
#: brackets or control characters with errors of its own (TokenError, AssertionError)
_QUANTITY_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+|inf|nan)([eE][+-]?\d+)?[A-Za-zµμΩ%°/*^0-9_. ]*")


def _quantity(text: str, what: str, spec: str) -> pint.Quantity:
    try:
        if not _QUANTITY_TEXT.fullmatch(text):
            raise ValueError("not a number followed by a unit")
        quantity: Any = Quantity(text)
    except (pint.PintError, ValueError, AttributeError, TypeError, SyntaxError) as exc:
        raise ImpactInputError(f"--correction {spec!r}: {what} {text!r} is not a quantity "
                               f"such as 10V, +30uV or 3ppm ({exc})") from None
    if not isinstance(quantity, pint.Quantity):
        quantity = Quantity(float(quantity), "")
    if not math.isfinite(float(quantity.magnitude)):
        raise ImpactInputError(f"--correction {spec!r}: {what} {text!r} is not finite")
    return quantity


def parse_correction(spec: str) -> Correction:
    """Return the :class:`Correction` that ``spec`` describes (format in the module doc).

    Raises :class:`ImpactInputError` naming the text and the part that is wrong.
    """
    words = spec.split()
    if len(words) < 3:
        raise ImpactInputError(f"--correction {spec!r}: give FUNCTION VALUE OFFSET, e.g. "
                               "\"DCV 10V +30uV\" (optionally U=8uV k=2)")
    kind = output_kind(words[0])
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", kind):
        raise ImpactInputError(f"--correction {spec!r}: {words[0]!r} is not a function name "
                               "(DCV, ACV, DCI, ACI, RES, TEMP...)")
    value_text, _, frequency_text = words[1].partition("@")
    value = None if value_text == "*" else _quantity(value_text, "the value", spec)
    frequency = _quantity(frequency_text, "the frequency", spec) if frequency_text else None
    offset = _quantity(words[2], "the offset", spec)
    expanded, k = None, 2.0
    for word in words[3:]:
        if (found := _EXPANDED.match(word)) is not None:
            expanded = _quantity(found["value"], "U", spec)
        elif (found := _FACTOR.match(word)) is not None:
            try:
                k = float(found["value"])
            except ValueError:
                raise ImpactInputError(f"--correction {spec!r}: k={found['value']!r} is not "
                                       "a number") from None
        else:
            raise ImpactInputError(f"--correction {spec!r}: unexpected {word!r} (after the "
                                   "offset only U=... and k=... may follow)")
    if not (k > 0 and math.isfinite(k)):
        raise ImpactInputError(f"--correction {spec!r}: k must be a positive number")
    if expanded is not None and float(expanded.magnitude) < 0:
        raise ImpactInputError(f"--correction {spec!r}: U must not be negative")
    for amount, what in ((offset, "offset"), (expanded, "U")):
        if amount is None or value is None or amount.dimensionless:
            continue
        if amount.dimensionality != value.dimensionality:
            raise ImpactInputError(f"--correction {spec!r}: the {what} {amount:~P} is not in a "
                                   f"unit of the value {value:~P} (nor relative: ppm, %)")
    return Correction(kind, value, offset, expanded, k, frequency, " ".join(words))


def _key(value: pint.Quantity | None) -> str:
    """Return a quantity as comparable text in base units ("*" for None)."""
    if value is None:
        return "*"
    base = value.to_base_units()
    return f"{float(base.magnitude):.12g} {base.units:~P}"


def check_unique(corrections: Iterable[Correction]) -> tuple[Correction, ...]:
    """Return the corrections; raise :class:`ImpactInputError` when two name the same
    output (kind, value and frequency)."""
    seen: dict[tuple[str, str, str], Correction] = {}
    for correction in corrections:
        key = (correction.kind, _key(correction.value), _key(correction.frequency))
        if key in seen:
            raise ImpactInputError(f"--correction {correction.text!r} names the same output as "
                                   f"{seen[key].text!r}: give each output once")
        seen[key] = correction
    return tuple(seen.values())


def applicable(corrections: Iterable[Correction], function: str,
               nominal: pint.Quantity | None,
               frequency: pint.Quantity | None) -> Correction | None:
    """Return the correction for a point: one naming its value wins over one for all
    values (``*``), and one naming its frequency over one for all frequencies."""
    found = [c for c in corrections if c.matches(function, nominal, frequency)]
    found.sort(key=lambda c: (c.value is None, c.frequency is None))
    return found[0] if found else None
