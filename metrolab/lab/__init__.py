"""A laboratory's memory: the records catalogue, impact analysis, simulated fleets, and
the lab's standards (:mod:`metrolab.lab.standards`: DCC import, drift, intervals).

Above the store, uncertainty and conformity (it imports them; they never import it).
Public names, imported on first use so ``import metrolab.lab`` stays light:

- :class:`Catalogue` (``Catalogue.open(url)``, ``rebuild``, ``sync``, ``find``) and
  :class:`Query`; :func:`lab_settings` finds the database beside the register;
- :func:`assess_impact` with :class:`ImpactRequest` and :func:`parse_correction` gives an
  :class:`ImpactReport`; :func:`write_report` writes its HTML, CSV and JSON;
- :func:`read_findings` reads the corrections of a standard's new DCC;
- :func:`simulate_fleet` writes a simulated fleet of sealed records.

See docs/lab.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Catalogue": "metrolab.lab.catalogue",
    "Query": "metrolab.lab.catalogue",
    "lab_settings": "metrolab.lab.location",
    "assess_impact": "metrolab.lab.impact",
    "ImpactRequest": "metrolab.lab.impact",
    "ImpactReport": "metrolab.lab.impact",
    "parse_correction": "metrolab.lab.corrections",
    "write_report": "metrolab.lab.report",
    "read_findings": "metrolab.lab.dcc_findings",
    "simulate_fleet": "metrolab.lab.fleet",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'metrolab.lab' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
