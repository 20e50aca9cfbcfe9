"""Measurement functions a multimeter (or a calibrator output) can be set to."""

from __future__ import annotations

from enum import Enum


class Function(Enum):
    """A measurement function; ``unit`` is the pint unit text of its readings."""

    DCV = "DCV"
    ACV = "ACV"
    DCI = "DCI"
    ACI = "ACI"
    RES2 = "RES2"
    RES4 = "RES4"

    @property
    def unit(self) -> str:
        """Return the unit text of this function's readings: ``V``, ``A`` or ``ohm``."""
        return _UNITS[self]

    @property
    def is_ac(self) -> bool:
        """Return True for the AC functions (readings are RMS values)."""
        return self in (Function.ACV, Function.ACI)

    @classmethod
    def parse(cls, text: str) -> Function:
        """Return the function named by ``text`` (``DCV``, ``dcv``, ``RES4``...).

        Raises UserInputError naming the accepted names when ``text`` is none of them.
        """
        from metrolab.errors import UserInputError

        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(f.name for f in cls)
            raise UserInputError(f"unknown function {text!r}: use one of {names}") from None


_UNITS = {
    Function.DCV: "V",
    Function.ACV: "V",
    Function.DCI: "A",
    Function.ACI: "A",
    Function.RES2: "ohm",
    Function.RES4: "ohm",
}
