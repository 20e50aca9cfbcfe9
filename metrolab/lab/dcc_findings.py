"""Corrections from a standard's new calibration certificate (a DCC, ``--certificate``).

When a standard comes back from calibration, its Digital Calibration Certificate holds,
per output, the value it was set to (nominal), what the calibrating laboratory measured
(reference value), the error of indication (indication - reference) and its expanded
uncertainty. The finding for impact analysis is, per output, the offset between what
the standard really gave and what it was taken to give: ``-error`` (with the error's U
and k), or ``reference - indication`` (``reference - nominal``) when no error is given.
As-found results are used (``beforeAdjustment``); a certificate with only as-left
results is used as it is.

Quantities are found by DCC ``refType`` (``basic_nominalValue``,
``basic_referenceValue``, ``basic_measuredValue``, ``basic_measurementError``) or, in
certificates without refTypes, by their names (``Nominal value``, ``Reference value``,
``Indication``, ``Error``); single values (``si:real``) and lists
(``si:realListXMLList``) are both read. The output kind comes from the result's name
(``DCV, range 10 V, ...``) or else from the unit (volt: DCV, or ACV with a frequency;
ampere: DCI/ACI; ohm: RES). A DCC 3.3.0 document is validated against the schema first.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrolab.lab.corrections import Correction, check_unique, parse_correction
from metrolab.lab.errors import ImpactInputError

DCC = "{https://ptb.de/dcc}"
SI = "{https://ptb.de/si}"
_PREFIXES = {"pico": "p", "nano": "n", "micro": "µ", "milli": "m", "centi": "c", "deci": "d",
             "kilo": "k", "mega": "M", "giga": "G", "hecto": "h"}
_UNITS = {"volt": "V", "ampere": "A", "ohm": "Ω", "hertz": "Hz", "siemens": "S",
          "kelvin": "K", "degreecelsius": "degC", "second": "s", "one": "",
          "percent": "percent", "ppm": "ppm", "watt": "W", "farad": "F", "henry": "H",
          "metre": "m", "pascal": "Pa", "bar": "bar", "gram": "g"}
_KINDS_BY_UNIT = {"V": ("DCV", "ACV"), "A": ("DCI", "ACI"), "Ω": ("RES", "RES")}
_ROLES = {
    "nominal": ("nominalvalue", ("nominal value", "nominal")),
    "reference": ("referencevalue", ("reference value", "reference")),
    "indication": ("measuredvalue", ("indication", "measured value", "indicated value")),
    "error": ("measurementerror", ("error", "error of indication", "deviation")),
    "frequency": ("frequency", ("frequency",)),
}


@dataclass(frozen=True)
class CertificateFindings:
    """What a standard's DCC says: its certificate ID, calibration date, the item's
    identity (manufacturer, model, serial) and one correction per output found."""

    path: Path
    certificate_id: str
    calibration_date: date | None
    manufacturer: str
    model: str
    serial: str
    corrections: tuple[Correction, ...]


def dsi_to_pint(text: str) -> str:
    """Return a pint unit expression for a D-SI unit string (``\\micro\\volt`` -> ``µV``).

    Raises :class:`ImpactInputError` for a unit metrolab does not read.
    """
    parts = re.findall(r"\\([a-z]+)(?:\{([^}]*)\})?", text.strip())
    units: list[str] = []
    prefix = ""
    power_next = False
    for name, argument in parts:
        if name == "tothe":
            if not units or power_next:
                raise ImpactInputError(f"D-SI unit {text!r}: \\tothe without a unit")
            units[-1] += f"**{argument}"
            continue
        if name in _PREFIXES and not prefix:
            prefix = _PREFIXES[name]
            continue
        if name not in _UNITS:
            raise ImpactInputError(f"D-SI unit {text!r}: {name!r} is not a unit metrolab reads")
        symbol = _UNITS[name]
        units.append(prefix + symbol if symbol else "")
        prefix = ""
    if prefix or not parts:
        raise ImpactInputError(f"D-SI unit {text!r} is incomplete")
    return "*".join(u for u in units if u)


@dataclass(frozen=True)
class _Value:
    values: tuple[float, ...]
    unit: str
    U: tuple[float, ...] | None
    k: float


def _numbers(text: str | None, where: str) -> tuple[float, ...]:
    try:
        numbers = tuple(float(v) for v in (text or "").split())
    except ValueError:
        raise ImpactInputError(f"{where}: {text!r} is not a number list") from None
    if not numbers or not all(math.isfinite(v) for v in numbers):
        raise ImpactInputError(f"{where}: no finite number")
    return numbers


def _value(quantity: ET.Element, where: str) -> _Value | None:
    real = quantity.find(f"{SI}real")
    if real is not None:
        values = _numbers(real.findtext(f"{SI}value"), where)
        unit = dsi_to_pint(real.findtext(f"{SI}unit") or "")
        expanded = real.find(f".//{SI}expandedMU")
        if expanded is None:
            return _Value(values, unit, None, 2.0)
        U = _numbers(expanded.findtext(f"{SI}valueExpandedMU"), where)
        k = _numbers(expanded.findtext(f"{SI}coverageFactor"), where)[0]
        return _Value(values, unit, U, k)
    listed = quantity.find(f"{SI}realListXMLList")
    if listed is None:
        return None
    values = _numbers(listed.findtext(f"{SI}valueXMLList"), where)
    units = (listed.findtext(f"{SI}unitXMLList") or "").split()
    if not units:
        raise ImpactInputError(f"{where}: a list without units")
    unit = dsi_to_pint(units[0])
    expanded = listed.find(f".//{SI}expandedMUXMLList")
    if expanded is None:
        return _Value(values, unit, None, 2.0)
    U = _numbers(expanded.findtext(f"{SI}valueExpandedMUXMLList"), where)
    k = _numbers(expanded.findtext(f"{SI}coverageFactorXMLList"), where)[0]
    return _Value(values, unit, U if len(U) == len(values) else U * len(values), k)


def _role(quantity: ET.Element) -> str | None:
    ref = (quantity.get("refType") or "").replace("_", "").casefold()
    name = " ".join((quantity.findtext(f"{DCC}name/{DCC}content") or "").split()).casefold()
    for role, (ref_key, names) in _ROLES.items():
        if ref_key in ref or name in names:
            return role
    return None


def _kind(result: ET.Element, unit: str, has_frequency: bool) -> str:
    name = (result.findtext(f"{DCC}name/{DCC}content") or "").strip()
    first = re.split(r"[\s,;:]+", name, maxsplit=1)[0].upper() if name else ""
    if re.fullmatch(r"(DC|AC)[VI]|RES[24]?|TEMP|FREQ", first):
        return "RES" if first.startswith("RES") else first
    base = re.sub(r"^[pnµmcdkMGh](?=[VAΩ]$)", "", unit)
    kinds = _KINDS_BY_UNIT.get(base)
    if kinds is None:
        raise ImpactInputError(f"result {name!r}: cannot tell which output it is (unit "
                               f"{unit!r}); give the corrections with --correction instead")
    return kinds[1] if has_frequency else kinds[0]


def _as_found(root: ET.Element) -> list[ET.Element]:
    sets = root.findall(f"{DCC}measurementResults/{DCC}measurementResult")
    before = [s for s in sets if any(
        (status.text or "").strip() == "beforeAdjustment"
        for status in s.iter(f"{DCC}status"))]
    return before or sets


def _findings(result: ET.Element, where: str) -> list[str]:
    """Return the correction texts of one ``dcc:result`` (one per listed value)."""
    found: dict[str, _Value] = {}
    for quantity in result.iter(f"{DCC}quantity"):
        role = _role(quantity)
        if role is not None and role not in found:
            value = _value(quantity, where)
            if value is not None:
                found[role] = value
    anchor = found.get("nominal") or found.get("indication")
    if anchor is None:
        return []
    if "error" in found:
        error = found["error"]
        offsets = tuple(-v for v in error.values)
        unit, U, k = error.unit, error.U, error.k
    elif "reference" in found:
        reference = found["reference"]
        offsets = tuple(r - a for r, a in zip(reference.values, anchor.values, strict=False))
        unit, U, k = reference.unit, reference.U, reference.k
    else:
        return []
    frequency = found.get("frequency")
    kind = _kind(result, anchor.unit, frequency is not None)
    texts = []
    for n, (setting, offset) in enumerate(zip(anchor.values, offsets, strict=False)):
        at = f"{setting!r}{anchor.unit}".replace(" ", "")
        if frequency is not None:
            at += f"@{frequency.values[min(n, len(frequency.values) - 1)]!r}{frequency.unit}"
        text = f"{kind} {at} {offset:+.12g}{unit}"
        if U is not None:
            text += f" U={U[min(n, len(U) - 1)]!r}{unit} k={k!r}"
        texts.append(text)
    return texts


def read_findings(path: Path) -> CertificateFindings:
    """Return the corrections a standard's DCC states, with its identity.

    Raises :class:`ImpactInputError` naming the file for a document that is not XML, not
    a DCC, fails DCC 3.3.0 validation, or holds no result metrolab can read.
    """
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError) as exc:
        raise ImpactInputError(f"--certificate {path}: cannot read it as XML ({exc})") from None
    root = tree.getroot()
    if root.tag != f"{DCC}digitalCalibrationCertificate":
        raise ImpactInputError(f"--certificate {path}: not a Digital Calibration Certificate "
                               f"(root element {root.tag})")
    if root.get("schemaVersion") == "3.3.0":
        from metrolab.certificates.schema import dcc_schema

        problem = next(iter(dcc_schema().iter_errors(root)), None)
        if problem is not None:
            raise ImpactInputError(f"--certificate {path}: not a valid DCC 3.3.0 document: "
                                   f"{str(problem.reason or problem)[:300]}")
    admin = root.find(f"{DCC}administrativeData")
    core = admin.find(f"{DCC}coreData") if admin is not None else None
    item = admin.find(f"{DCC}items/{DCC}item") if admin is not None else None
    certificate_id = (core.findtext(f"{DCC}uniqueIdentifier") if core is not None else "") or ""
    begin = core.findtext(f"{DCC}beginPerformanceDate") if core is not None else None
    serial = ""
    if item is not None:
        for identification in item.iter(f"{DCC}identification"):
            label = (identification.findtext(f"{DCC}name/{DCC}content") or "").casefold()
            if "serial" in label or not serial:
                serial = identification.findtext(f"{DCC}value") or serial
    texts: list[str] = []
    for result_set in _as_found(root):
        for result in result_set.iter(f"{DCC}result"):
            texts += _findings(result, f"--certificate {path}, result {result.get('id')!r}")
    if not texts:
        raise ImpactInputError(f"--certificate {path}: no result with a nominal value and an "
                               "error (or reference value) was found; give the corrections "
                               "with --correction instead")
    try:
        corrections = check_unique(parse_correction(text) for text in dict.fromkeys(texts))
    except ImpactInputError as exc:
        raise ImpactInputError(f"--certificate {path} lists one output twice with different "
                               f"findings ({exc}); give the corrections with --correction "
                               "instead") from None
    return CertificateFindings(
        path, certificate_id.strip(), date.fromisoformat(begin) if begin else None,
        (item.findtext(f"{DCC}manufacturer/{DCC}name/{DCC}content") or "").strip()
        if item is not None else "",
        (item.findtext(f"{DCC}model") or "").strip() if item is not None else "",
        serial.strip(), corrections)
