"""Building blocks of a DCC document: namespaced elements, text and D-SI quantities."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
NOTE_NS = "urn:metrolab:dcc-note"
ET.register_namespace("dcc", DCC_NS)
ET.register_namespace("si", SI_NS)
ET.register_namespace("metrolab", NOTE_NS)


def d(parent: ET.Element, name: str, text: str | None = None, *,
      ref_type: str | None = None) -> ET.Element:
    """Add and return a ``dcc:`` element with optional text and refType."""
    element = ET.SubElement(parent, f"{{{DCC_NS}}}{name}")
    if ref_type is not None:
        element.set("refType", ref_type)
    if text is not None:
        element.text = text
    return element


def s(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    """Add and return a ``si:`` element with optional text."""
    element = ET.SubElement(parent, f"{{{SI_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def text(parent: ET.Element, name: str, content: str, *,
         ref_type: str | None = None) -> ET.Element:
    """Add a dcc:textType / richContentType element with one English content; return it."""
    element = d(parent, name, ref_type=ref_type)
    d(element, "content", content).set("lang", "en")
    return element


def ncname(value: str) -> str:
    """Return ``value`` as an XML NCName (for ``id`` attributes)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", value)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def token(value: str) -> str:
    """Return ``value`` as one item of an XML list (its white space made underscores)."""
    return re.sub(r"\s", "_", value) or "_"


def quantity(data: ET.Element, name: str, ref_type: str | None = None) -> ET.Element:
    """Add a named ``dcc:quantity`` (with its refType) to ``data``; return it."""
    element = d(data, "quantity", ref_type=ref_type)
    text(element, "name", name)
    return element


def real(parent: ET.Element, label: str, value: str, dsi: str, *,
         U: str | None = None, k: str | None = None, p: str | None = None) -> ET.Element:
    """Add an ``si:real`` (value, D-SI unit, expanded uncertainty if given); return it."""
    element = s(parent, "real")
    s(element, "label", label)
    s(element, "value", value)
    s(element, "unit", dsi)
    if U is not None and k is not None and p is not None:
        expanded = s(s(element, "measurementUncertaintyUnivariate"), "expandedMU")
        s(expanded, "valueExpandedMU", U)
        s(expanded, "coverageFactor", k)
        s(expanded, "coverageProbability", p)
        s(expanded, "distribution", "normal")
    return element


def units(dsi: Sequence[str]) -> str:
    """Return a ``unitXMLList``: one unit when every value has it, else one per value."""
    return dsi[0] if len(set(dsi)) == 1 else " ".join(dsi)


def real_list(parent: ET.Element, values: Sequence[str], dsi: Sequence[str], *,
              U: Sequence[str] | None = None, k: Sequence[str] | None = None,
              p: Sequence[str] | None = None) -> ET.Element:
    """Add an ``si:realListXMLList`` (a column of values with their D-SI units and, if
    given, expanded uncertainties); return it."""
    element = s(parent, "realListXMLList")
    s(element, "valueXMLList", " ".join(values))
    s(element, "unitXMLList", units(dsi))
    if U is not None and k is not None and p is not None:
        expanded = s(s(element, "measurementUncertaintyUnivariateXMLList"), "expandedMUXMLList")
        s(expanded, "valueExpandedMUXMLList", " ".join(U))
        s(expanded, "coverageFactorXMLList", " ".join(k))
        s(expanded, "coverageProbabilityXMLList", " ".join(p))
        s(expanded, "distributionXMLList", " ".join(["normal"] * len(U)))
    return element
