"""D-SI unit strings (``\\micro\\volt``, ``\\kilogram\\metre\\tothe{-1}``) to pint units.

PTB's ``dsiunits`` package parses and checks the string; each of its factors (prefix,
unit, exponent; a ``\\per`` puts factors below the line) becomes the pint unit of the same
name. A string ``dsiunits`` rejects, or a unit pint does not know, is an error naming it.
"""

from __future__ import annotations

import functools
import warnings

import pint
from dsi_unit import DsiUnit

from metrolab.lab.standards.errors import DccImportError
from metrolab.units import ureg

#: D-SI unit names whose pint name differs
_PINT_NAMES = {
    "metre": "meter",
    "litre": "liter",
    "degreecelsius": "degree_Celsius",
    "one": "dimensionless",
    "arcminute": "arcminute",
    "arcsecond": "arcsecond",
    "astronomicalunit": "astronomical_unit",
    "electronvolt": "electron_volt",
    "atomicmassunit": "dalton",
}


@functools.cache
def pint_unit(dsi: str) -> pint.Unit:
    """Return the pint unit written ``dsi`` in D-SI; raises :class:`DccImportError` when
    ``dsiunits`` does not accept it or pint has no unit of that name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = DsiUnit(dsi.strip())
    if not parsed.valid:
        raise DccImportError(f"D-SI unit {dsi!r} is not valid D-SI (PTB dsiunits rejects it)")
    fractions = parsed.tree
    parts = []
    for n, fraction in enumerate(fractions):
        for node in fraction:
            name = _PINT_NAMES.get(node.unit, node.unit)
            exponent = float(node.exponent) * (-1 if n else 1)
            parts.append(f"({node.prefix}{name})**{exponent:g}" if name != "dimensionless"
                         else "dimensionless")
    expression = " * ".join(parts) or "dimensionless"
    try:
        return ureg.Unit(expression)
    except (pint.errors.UndefinedUnitError, ValueError, AttributeError) as exc:
        raise DccImportError(f"D-SI unit {dsi!r}: pint knows no unit {expression!r}") from exc
