"""Translate pint units into D-SI unit strings (``\\volt``, ``\\milli\\volt``, ``\\hecto\\pascal``).

D-SI writes each factor as an optional SI prefix and a unit macro, powers as
``\\tothe{n}``. Only units with a D-SI macro are accepted; anything else is an error
rather than a guess, because a wrong unit in a machine-readable certificate is worse
than none.
"""

from __future__ import annotations

from metrolab.certificates.errors import CertificateError
from metrolab.units import ureg

#: pint unit name -> D-SI unit macro (without the backslash)
_UNIT_MACROS: dict[str, str] = {
    "volt": "volt",
    "ampere": "ampere",
    "ohm": "ohm",
    "siemens": "siemens",
    "hertz": "hertz",
    "second": "second",
    "meter": "metre",
    "gram": "gram",
    "kelvin": "kelvin",
    "degree_Celsius": "degreecelsius",
    "pascal": "pascal",
    "watt": "watt",
    "farad": "farad",
    "henry": "henry",
    "percent": "percent",
    "ppm": "ppm",
    "bar": "bar",
}

#: pint prefix -> D-SI prefix macro
_PREFIX_MACROS: dict[str, str] = {
    "": "",
    "pico": "pico",
    "nano": "nano",
    "micro": "micro",
    "milli": "milli",
    "centi": "centi",
    "deci": "deci",
    "hecto": "hecto",
    "kilo": "kilo",
    "mega": "mega",
    "giga": "giga",
}


def dsi_unit(unit: str) -> str:
    """Return the D-SI unit string for a pint unit expression such as ``"mV"`` or ``"V"``.

    Dimensionless gives ``\\one``. Raises :class:`CertificateError` for a unit without a
    D-SI macro.
    """
    container = ureg.Unit(unit)._units
    if not container:
        return "\\one"
    parts: list[str] = []
    for name, exponent in container.items():
        parsed = ureg.parse_unit_name(name)
        if not parsed:
            raise CertificateError(f"unit {unit!r}: pint cannot parse {name!r}; give an SI unit")
        prefix, base, _suffix = parsed[0]
        if base not in _UNIT_MACROS or prefix not in _PREFIX_MACROS:
            raise CertificateError(
                f"unit {unit!r} has no D-SI notation in metrolab (factor {name!r}); "
                "record the quantity in an SI unit such as V, A, ohm, Hz, degC, hPa or %"
            )
        text = (f"\\{_PREFIX_MACROS[prefix]}" if prefix else "") + f"\\{_UNIT_MACROS[base]}"
        if exponent != 1:
            power = float(exponent)  # type: ignore[arg-type]
            text += f"\\tothe{{{int(power) if power.is_integer() else power}}}"
        parts.append(text)
    return "".join(parts)
