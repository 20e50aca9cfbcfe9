"""The one pint unit registry shared by every part of metrolab, and the door into it.

Quantities from different registries cannot be combined, so every module takes
``ureg`` and ``Quantity`` from here. Importing this module makes ``ureg`` pint's
application registry, so a user's ``pint.Quantity(10, "V")`` made afterwards is one of
ours. A quantity made with
another ``pint.UnitRegistry()`` is converted by :func:`as_ours` (its unit looked up here by
name, and its definition checked to agree) or refused with :class:`ForeignUnitError`;
nothing that takes a quantity may strip its unit silently.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from metrolab.errors import UserInputError

ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.formatter.default_format = "~P"
Quantity = ureg.Quantity
pint.set_application_registry(ureg)


class ForeignUnitError(UserInputError):
    """A quantity or unit from another pint registry that metrolab cannot take over.

    The message names the argument and the unit and says what to give instead.
    """


def is_quantity(value: Any) -> bool:
    """Return True when ``value`` is a pint Quantity of any registry."""
    return isinstance(value, pint.Quantity)


def is_ours(value: Any) -> bool:
    """Return True when ``value`` is a Quantity or Unit of metrolab's registry."""
    return isinstance(value, Quantity | ureg.Unit)


def as_ours(value: Any, what: str, error: type[Exception] = ForeignUnitError) -> Any:
    """Return ``value`` with any pint Quantity in it made a Quantity of metrolab's registry.

    A Quantity of ours is returned unchanged; one from another registry (or made with
    ``pint.Quantity`` under another application registry) is rebuilt here with the same
    magnitude and unit; a list or tuple whose first item is a Quantity becomes one
    Quantity array in the first item's unit. Anything else is returned unchanged.
    Raises ``error`` (naming ``what``) when the unit is unknown here or defined differently.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, pint.Quantity):
        return Quantity(value.magnitude, unit_as_ours(value.units, what, error))
    if isinstance(value, list | tuple) and value and is_quantity(value[0]):
        items = [as_ours(v, what, error) for v in value]
        if not all(isinstance(v, Quantity) for v in items):
            raise error(f"{what}: mixes quantities and plain numbers: give every item a unit")
        unit = items[0].units
        try:
            return Quantity(np.array([v.to(unit).magnitude for v in items], dtype=float), unit)
        except pint.errors.DimensionalityError as exc:
            raise error(f"{what}: its items cannot all be expressed in {unit}: {exc}") from None
    return value


def unit_as_ours(unit: Any, what: str, error: type[Exception] = ForeignUnitError) -> pint.Unit:
    """Return ``unit`` (a pint Unit of any registry) as a Unit of metrolab's registry.

    Raises ``error`` naming ``what`` when the unit is not defined here, or when the other
    registry defines it differently (its size in base units disagrees).
    """
    if isinstance(unit, ureg.Unit):
        return unit
    text = f"{unit:D}"
    try:
        other = unit._REGISTRY.Quantity(1.0, unit)
        other_base = other.to_base_units()
        other_two = unit._REGISTRY.Quantity(2.0, unit).to_base_units().magnitude
        base_text = f"{other_base.units:D}"
        return _checked_unit(text, float(other_base.magnitude), float(other_two), base_text)
    except _Mismatch as exc:
        raise error(
            f"{what}: the unit {text!r} of this quantity's registry differs from metrolab's "
            f"({exc}): use metrolab.units.Quantity or pint.Quantity"
        ) from None
    except (pint.errors.PintError, ValueError, AttributeError) as exc:
        raise error(
            f"{what}: the unit {text!r} of this quantity's registry is not known to metrolab "
            f"({exc}): use metrolab.units.Quantity or pint.Quantity with a standard unit"
        ) from None


class _Mismatch(Exception):
    """A unit that two registries define differently."""


@lru_cache(maxsize=256)
def _checked_unit(text: str, one_base: float, two_base: float, base_text: str) -> pint.Unit:
    """Return our Unit spelled ``text`` after checking that 1 and 2 of it are ``one_base``
    and ``two_base`` of ``base_text`` here too (scale and offset agree)."""
    ours = ureg.parse_units(text)
    base = ureg.parse_units(base_text)
    for amount, expected in ((1.0, one_base), (2.0, two_base)):
        here = float(Quantity(amount, ours).to(base).magnitude)
        if not math.isclose(here, expected, rel_tol=1e-12, abs_tol=1e-300):
            raise _Mismatch(f"{amount:g} {text} is {expected!r} {base_text} there, {here!r} here")
    return ours


def plain_numbers(value: Any, what: str, error: type[Exception]) -> np.ndarray:
    """Return ``value`` as a float array, refusing a pint Quantity with ``error``.

    For functions that take magnitudes in one agreed unit: a quantity handed to them
    would otherwise lose its unit without a word.
    """
    if is_quantity(value) or (
        isinstance(value, list | tuple) and any(is_quantity(v) for v in value)
    ):
        raise error(
            f"{what} is a quantity, but this function takes plain numbers in one unit: "
            "pass .magnitude in the unit of the other values (decide() takes quantities)"
        )
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{what} = {value!r} is not a number or array") from None


__all__ = [
    "ForeignUnitError",
    "Quantity",
    "as_ours",
    "is_ours",
    "is_quantity",
    "plain_numbers",
    "unit_as_ours",
    "ureg",
]
