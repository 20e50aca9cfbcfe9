"""Reading the results back out of a DCC the way software does: by refType.

:func:`dcc_results` decodes a DCC with xmlschema's decoder (against the same DCC 3.3.0
schema metrolab validates with) and returns one :class:`DccRow` per calibration point,
found only through the refType attributes of ``metrolab.certificates.dcc_reftypes`` and
the D-SI structure, never through names or labels. Used by the tests that read metrolab's
DCCs back, and usable by a laboratory's own checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrolab.certificates import dcc_reftypes as ref
from metrolab.certificates.schema import dcc_schema


@dataclass(frozen=True)
class DccRow:
    """One point of a DCC results table: its ``phase`` (the measurementResult id),
    ``function`` (the result name), ``point_id``, every column value by refType as
    ``(number, D-SI unit)``, the expanded uncertainty ``U`` of its error with ``k`` and
    coverage ``probability``, its ``conformity`` (DCC vocabulary, or None) and the numbers
    behind that statement by refType."""

    phase: str
    function: str
    point_id: str
    values: dict[str, tuple[float, str]]
    U: float
    k: float
    probability: float
    conformity: str | None = None
    decision: dict[str, tuple[float, str]] = field(default_factory=dict)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ref_types(element: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in _list(element.get("@refType", []))]


def _by_ref_type(quantities: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for quantity in quantities:
        for ref_type in _ref_types(quantity):
            found[ref_type] = quantity
    return found


def _column(quantity: Mapping[str, Any], rows: int) -> list[tuple[float, str]]:
    """Return a realListXMLList column as (value, unit) per row (one unit may serve all)."""
    data = quantity["si:realListXMLList"]
    values, units = [float(v) for v in data["si:valueXMLList"]], list(data["si:unitXMLList"])
    units = units * rows if len(units) == 1 else units
    if len(values) != rows or len(units) != rows:
        raise ValueError(f"a column of {len(values)} values and {len(units)} units in a "
                         f"table of {rows} points")
    return list(zip(values, units, strict=True))


def _rows(phase: str, result: Mapping[str, Any]) -> list[DccRow]:
    quantities = _by_ref_type(_list(result["dcc:data"]["dcc:quantity"]))
    ids = [str(i) for i in quantities[ref.POINT_ID]["dcc:charsXMLList"]]
    count = len(ids)
    columns = {name: _column(q, count) for name, q in quantities.items()
               if "si:realListXMLList" in q}
    error = quantities[ref.ERROR]["si:realListXMLList"]
    expanded = error["si:measurementUncertaintyUnivariateXMLList"]["si:expandedMUXMLList"]
    conformity: list[str | None] = [None] * count
    decision: dict[str, list[tuple[float, str]]] = {}
    meta = quantities[ref.ERROR].get("dcc:measurementMetaData", {}).get("dcc:metaData", [])
    for statement in _list(meta):
        if ref.CONFORMITY in _ref_types(statement):
            conformity = [str(c) for c in statement["dcc:conformityXMLList"]]
            inner = _by_ref_type(_list(statement.get("dcc:data", {}).get("dcc:quantity", [])))
            decision = {name: _column(q, count) for name, q in inner.items()}
    name = result["dcc:name"]["dcc:content"][0]["$"]
    return [DccRow(phase=phase, function=str(name).split(" (")[0], point_id=ids[n],
                   values={key: column[n] for key, column in columns.items()},
                   U=float(expanded["si:valueExpandedMUXMLList"][n]),
                   k=float(expanded["si:coverageFactorXMLList"][n]),
                   probability=float(expanded["si:coverageProbabilityXMLList"][n]),
                   conformity=conformity[n],
                   decision={key: column[n] for key, column in decision.items()})
            for n in range(count)]


def dcc_results(path: str | Path) -> list[DccRow]:
    """Return every calibration point of the DCC at ``path`` as a :class:`DccRow`, in the
    order of the document, found by refType."""
    document = dcc_schema().to_dict(str(path))
    if not isinstance(document, dict):
        raise ValueError(f"{path} did not decode into a DCC document")
    rows: list[DccRow] = []
    results = document["dcc:measurementResults"]
    for measurement in _list(results["dcc:measurementResult"]):
        for result in _list(measurement["dcc:results"]["dcc:result"]):
            if ref.RESULTS in _ref_types(result):
                rows += _rows(str(measurement["@id"]), result)
    return rows
