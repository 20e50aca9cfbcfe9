"""The HMT330's ``FORM`` output format: parsed, printed back, and applied to a reading.

Modifiers (HMT330 User's Guide M210566EN, Table 27 [P]): ``x.y`` length (integer digits
and decimals) for the quantities after it; ``#t`` tab; ``#r`` CR; ``#n`` LF; ``"text"``
a string constant; ``#xxx`` the character with decimal code xxx; ``U`` / ``U5`` the unit
of the quantity before it (optionally padded to 5 characters); ``ADDR`` the address
(two digits); ``ERR`` error flags for P, T, Ta, RH (``0000``); ``STAT`` the 7-character
status (``N 0``: no heating); ``SN`` serial number; ``TIME``/``DATE``; ``CS2``/``CS4``/``CSX``
checksums of the message so far (mod 256, mod 65536, NMEA xor) in hexadecimal. The
transmitter shows ``#`` as ``\\`` when it prints a format back, and takes either.

Examples from the guide, reproduced by the tests: ``FORM /`` (the default) gives
``RH= 98.4 %RH T= 31.1 'C``; a quantity without a length prints one decimal; a length
applies to the quantities after it. Widths are ``x + 1 + y`` characters (the manual's
examples lost their padding in print, so the exact count of leading spaces is [U]).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: quantities the FORM command names (case-insensitive) -> metric unit text
QUANTITY_UNITS = {
    "RH": "%RH", "T": "'C", "TD": "'C", "TDF": "'C", "DT": "'C", "TW": "'C",
    "A": "g/m3", "X": "g/kg", "H2O": "ppmV", "PW": "hPa", "PWS": "hPa", "H": "kJ/kg",
    "P": "hPa",
}
TEMPERATURES = {"T", "TD", "TDF", "DT", "TW"}
DEFAULT_FORM = '"RH=" 3.1 RH " " U " " "T=" 3.1 T " " U #r #n'
#: the default with a barometer module (a PTU30x-type transmitter)
DEFAULT_FORM_WITH_PRESSURE = DEFAULT_FORM.replace(' #r #n', ' " " "P=" 4.2 P " " U #r #n')

_TOKEN = re.compile(r'"[^"]*"|\S+')
_LENGTH = re.compile(r"(\d+)\.(\d+)")
_UNIT = re.compile(r"U(\d*)", re.IGNORECASE)
#: one or more escapes in a row: ``#t``, ``#r``, ``#n``, ``#027`` (or with ``\``)
_ESCAPE_RUN = re.compile(r"(?:[#\\](?:[trnTRN]|\d{3}))+")
_ESCAPE = re.compile(r"[#\\]([trnTRN]|\d{3})")


class FormError(ValueError):
    """A FORM string the transmitter does not accept (the text says which part)."""


@dataclass(frozen=True)
class Item:
    """One element of a format: ``kind`` is "text", "quantity", "unit" or a field name
    (ADDR, ERR, STAT, SN, TIME, DATE, CS2, CS4, CSX); ``value`` the text, quantity or
    ``(integer digits, decimals)``; ``width`` a unit field's length (0: none)."""

    kind: str
    value: str = ""
    digits: tuple[int, int] = (3, 1)
    width: int = 0


_ESCAPES = {"t": "\t", "r": "\r", "n": "\n"}
_FIELDS = {"ADDR", "ERR", "STAT", "SN", "TIME", "DATE", "CS2", "CS4", "CSX"}


@dataclass(frozen=True)
class OutputForm:
    """A parsed format: its items and the text it was given as."""

    items: tuple[Item, ...]
    source: str

    @classmethod
    def parse(cls, text: str, quantities: set[str]) -> OutputForm:
        """Return the format in ``text`` for a transmitter measuring ``quantities``.

        Raises FormError naming the first token it does not understand.
        """
        items: list[Item] = []
        digits = (3, 1)
        for token in _TOKEN.findall(text):
            upper = token.upper()
            if token.startswith('"'):
                items.append(Item("text", token[1:-1]))
            elif (length := _LENGTH.fullmatch(token)) is not None:
                digits = (int(length.group(1)), int(length.group(2)))
            elif _ESCAPE_RUN.fullmatch(token):
                for escape in _ESCAPE.findall(token):
                    character = _ESCAPES.get(escape.lower()) or chr(int(escape))
                    items.append(Item("text", character))
            elif (unit := _UNIT.fullmatch(token)) is not None and items and any(
                    i.kind == "quantity" for i in items):
                items.append(Item("unit", width=int(unit.group(1) or 0)))
            elif upper in quantities:
                items.append(Item("quantity", upper, digits))
            elif upper in _FIELDS:
                items.append(Item(upper))
            else:
                raise FormError(f"unknown FORM element {token!r}")
        return cls(tuple(items), " ".join(_TOKEN.findall(text)))

    def shown(self) -> str:
        """Return the format as the transmitter prints it back (``#`` shown as ``\\``)."""
        return re.sub(r"#(?=[trn]\b|\d{3})", "\\\\", self.source)

    def render(self, values: Mapping[str, float | None], units: Mapping[str, str],
               fields: Mapping[str, str]) -> str:
        """Return the output message: quantities from ``values`` (None: a failed sensor,
        printed as stars), units from ``units``, the named fields from ``fields``."""
        out = ""
        last = ""
        for item in self.items:
            if item.kind == "text":
                out += item.value
            elif item.kind == "quantity":
                last = item.value
                integer, decimals = item.digits
                width = integer + 1 + decimals
                value = values.get(item.value)
                out += "*" * width if value is None else f"{value:{width}.{decimals}f}"
            elif item.kind == "unit":
                out += units.get(last, "").ljust(item.width)
            elif item.kind in ("CS2", "CS4", "CSX"):
                out += checksum(item.kind, out)
            else:
                out += fields[item.kind]
        return out


def checksum(kind: str, message: str) -> str:
    """Return the ``CS2`` (sum mod 256, 2 hex digits), ``CS4`` (sum mod 65536, 4 digits) or
    ``CSX`` (NMEA xor, 2 digits) checksum of ``message`` so far."""
    data = message.encode("latin-1")
    if kind == "CS2":
        return f"{sum(data) % 256:02X}"
    if kind == "CS4":
        return f"{sum(data) % 65536:04X}"
    xor = 0
    for byte in data:
        xor ^= byte
    return f"{xor:02X}"
