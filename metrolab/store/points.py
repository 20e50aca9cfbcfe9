"""The points of a record as tables, and the default plot of errors against tolerances.

``/entry/points`` (NXcollection) holds four compound tables (:mod:`metrolab.store.tables`):
``points`` (one row per point and phase: setup, result, tolerance), ``outputs`` (one row
per output of each point's uncertainty budget: value, u, U, k...), ``budget`` (one row
per input of each budget: value, u, sensitivity, contribution...) and ``decisions`` (one
row per conformity decision), plus ``started_json`` and ``result_json``: the exact
journalled ``point_started`` and ``point_result`` data of each row.

``/entry/results`` (NXdata, the entry's default) plots every point that has a tolerance:
its error as a fraction of the tolerance (-1 and +1 are the tolerance limits, whatever
the unit of each point), the expanded uncertainty likewise as error bars, and the
limits and acceptance limits as auxiliary signals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pint

from metrolab.store.assemble import PointData
from metrolab.store.durable import canonical_json
from metrolab.store.tables import Spec, build, number, quantity
from metrolab.store.writer import STRING, RecordWriter
from metrolab.units import ureg

POINTS = "/entry/points"
RESULTS = "/entry/results"

POINT_COLUMNS = (
    Spec("point_id", "text"), Spec("phase", "text"), Spec("function", "text"),
    Spec("attempts", "int", long_name="point_started entries for this point and phase"),
    Spec("readings", "int", long_name="readings of the last attempt (the ones that count)"),
    Spec("nominal", "float", unit_column="nominal_unit"), Spec("nominal_unit", "text"),
    Spec("range", "float", unit_column="range_unit", absent_reason="no point set a range"),
    Spec("range_unit", "text"),
    Spec("frequency", "float", unit_column="frequency_unit",
         absent_reason="no point set a frequency (all DC)"),
    Spec("frequency_unit", "text"),
    Spec("value", "float", unit_column="value_unit", long_name="reduced indication",
         absent_reason="no point has a result"),
    Spec("value_unit", "text"),
    Spec("reference", "float", unit_column="reference_unit", absent_reason="no point has a "
         "result"), Spec("reference_unit", "text"),
    Spec("error", "float", unit_column="error_unit", absent_reason="no point has a result"),
    Spec("error_unit", "text"),
    Spec("tolerance_lower", "float", unit_column="tolerance_unit",
         absent_reason="no point has a lower tolerance limit"),
    Spec("tolerance_upper", "float", unit_column="tolerance_unit",
         absent_reason="no point has an upper tolerance limit"),
    Spec("tolerance_unit", "text"),
    Spec("caveats", "int", long_name="caveats recorded with the result (in result_json)"),
)

OUTPUT_COLUMNS = (
    Spec("point", "int", long_name="row of the points table"), Spec("output", "text"),
    Spec("method", "text"), Spec("unit", "text"),
    Spec("value", "float", unit_column="unit"), Spec("u", "float", unit_column="unit"),
    Spec("U", "float", unit_column="unit", absent_reason="no budget gave U"),
    Spec("k", "float", units="1", absent_reason="no budget gave k"),
    Spec("coverage", "float", units="1", long_name="coverage probability"),
    Spec("dof", "float", long_name="effective degrees of freedom (inf: infinite)",
         absent_reason="no budget gave degrees of freedom"),
    Spec("interval_low", "float", unit_column="unit", absent_reason="no Monte Carlo budget"),
    Spec("interval_high", "float", unit_column="unit", absent_reason="no Monte Carlo budget"),
    Spec("trials", "float", absent_reason="no Monte Carlo budget"),
)

BUDGET_COLUMNS = (
    Spec("point", "int", long_name="row of the points table"), Spec("output", "text"),
    Spec("input", "text"), Spec("kind", "text", long_name="A or B evaluation"),
    Spec("distribution", "text"), Spec("unit", "text"),
    Spec("value", "float", unit_column="unit"), Spec("u", "float", unit_column="unit"),
    Spec("half_width", "float", unit_column="unit", absent_reason="no input gave one"),
    Spec("dof", "float", long_name="degrees of freedom (inf: infinite)"),
    Spec("sensitivity", "float", unit_column="sensitivity_unit"),
    Spec("sensitivity_unit", "text"),
    Spec("contribution", "float", unit_column="output_unit"), Spec("output_unit", "text"),
    Spec("share", "float", units="1", long_name="share of the output's variance"),
)

DECISION_COLUMNS = (
    Spec("point", "int", long_name="row of the points table"), Spec("rule", "text"),
    Spec("statement", "text"), Spec("dcc_conformity", "text"), Spec("unit", "text"),
    *(Spec(name, "float", unit_column="unit", absent_reason=f"no decision gave {name}")
      for name in ("measured", "U", "lower_limit", "upper_limit", "acceptance_lower",
                   "acceptance_upper")),
    *(Spec(name, "float", units="1", absent_reason=f"no decision gave {name}")
      for name in ("k", "probability_of_conformity", "specific_risk", "pfa", "pfr", "tur")),
    Spec("parameters_json", "text"), Spec("warnings_json", "text"),
)


def _dof(value: Any) -> float:
    """Return degrees of freedom as journalled: None means infinite."""
    return float("inf") if value is None else float(value)


def _json(value: Any) -> str:
    """Return ``value`` as canonical JSON text (an empty list or mapping without the
    encoder: most decisions have no parameters and no warnings)."""
    if type(value) in (list, dict) and not value:
        return "[]" if type(value) is list else "{}"
    return canonical_json(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping (as journalled: a dict), else an empty one."""
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def point_row(point: PointData) -> dict[str, Any]:
    """Return the points-table row of one point."""
    started, result = _mapping(point.started), _mapping(point.result)
    row: dict[str, Any] = {"point_id": point.point_id, "phase": point.phase,
                           "function": str(started.get("function") or result.get("function")
                                           or ""),
                           "attempts": point.attempts, "readings": point.readings,
                           "caveats": len(result.get("caveats") or ())}
    for name in ("nominal", "range"):
        row[name], row[f"{name}_unit"] = quantity(started.get(name) or result.get(name))
    row["frequency"], row["frequency_unit"] = quantity(
        _mapping(started.get("settings")).get("frequency"))
    for name in ("value", "reference", "error"):
        row[name], row[f"{name}_unit"] = quantity(result.get(name))
    tolerance = _mapping(result.get("tolerance"))
    row["tolerance_lower"] = number(tolerance.get("lower"))
    row["tolerance_upper"] = number(tolerance.get("upper"))
    row["tolerance_unit"] = str(tolerance.get("unit") or row["error_unit"])
    return row


def output_rows(point: PointData) -> list[dict[str, Any]]:
    """Return the outputs-table rows of one point's uncertainty budget."""
    budget = _mapping(_mapping(point.result).get("budget"))
    rows = []
    for name, out in _mapping(budget.get("outputs")).items():
        out = _mapping(out)
        interval = out.get("interval_symmetric")
        low, high = (interval if isinstance(interval, list) and len(interval) == 2
                     else (None, None))
        rows.append({"point": point.number, "output": str(name),
                     "method": str(budget.get("method") or ""),
                     "unit": str(out.get("unit") or ""), "value": number(out.get("value")),
                     "u": number(out.get("u")), "U": number(out.get("U")),
                     "k": number(out.get("k")), "coverage": number(budget.get("coverage")),
                     "dof": _dof(out.get("dof")) if "dof" in out else None,
                     "interval_low": number(low), "interval_high": number(high),
                     "trials": number(out.get("trials"))})
    return rows


def budget_rows(point: PointData) -> list[dict[str, Any]]:
    """Return the budget-table rows of one point: one per input per output."""
    budget = _mapping(_mapping(point.result).get("budget"))
    outputs, inputs = _mapping(budget.get("outputs")), _mapping(budget.get("inputs"))
    rows = []
    for line in budget.get("budget") or ():
        line = _mapping(line)
        given = _mapping(inputs.get(str(line.get("input"))))
        rows.append({
            "point": point.number, "output": str(line.get("output") or ""),
            "input": str(line.get("input") or ""),
            "kind": str(line.get("kind") or given.get("kind") or ""),
            "distribution": str(line.get("distribution") or ""),
            "unit": str(line.get("unit") or ""), "value": number(line.get("value")),
            "u": number(line.get("u")), "half_width": number(given.get("half_width")),
            "dof": _dof(line.get("dof")), "sensitivity": number(line.get("sensitivity")),
            "sensitivity_unit": str(line.get("sensitivity_unit") or ""),
            "contribution": number(line.get("contribution")),
            "output_unit": str(_mapping(outputs.get(str(line.get("output")))).get("unit") or ""),
            "share": number(line.get("share"))})
    return rows


def decision_row(point: PointData) -> dict[str, Any] | None:
    """Return the decisions-table row of one point, or None if it has no decision."""
    result = _mapping(point.result)
    decision = _mapping(result.get("decision"))
    if not decision:
        return None
    unit = decision.get("unit") or _mapping(result.get("tolerance")).get("unit") or \
        _mapping(result.get("value")).get("unit") or ""
    row: dict[str, Any] = {
        "point": point.number, "rule": str(decision.get("rule") or ""),
        "statement": str(decision.get("statement") or ""),
        "dcc_conformity": str(decision.get("dcc_conformity") or ""), "unit": str(unit),
        "parameters_json": _json(decision.get("parameters")),
        "warnings_json": _json(decision.get("warnings") or [])}
    for name in ("measured", "U", "lower_limit", "upper_limit", "acceptance_lower",
                 "acceptance_upper", "k", "probability_of_conformity", "specific_risk",
                 "pfa", "pfr", "tur"):
        row[name] = number(decision.get(name))
    return row


def write_points(writer: RecordWriter, points: Sequence[PointData]) -> bool:
    """Write the points tables and the default plot; return True if the plot was written
    (some point has a tolerance)."""
    group = writer.group(POINTS, "NXcollection", {
        "description": "one row per point and phase, in the order the points started"})
    rows = [point_row(p) for p in points]
    tables = (
        ("points", POINT_COLUMNS, rows, "setup and result of each point and phase"),
        ("outputs", OUTPUT_COLUMNS, [r for p in points for r in output_rows(p)],
         "the outputs of each point's uncertainty budget"),
        ("budget", BUDGET_COLUMNS, [r for p in points for r in budget_rows(p)],
         "the uncertainty budgets: one row per input per output of each point"),
        ("decisions", DECISION_COLUMNS,
         [r for p in points if (r := decision_row(p)) is not None],
         "the conformity decision of each point that has one"),
    )
    outputs: list[dict[str, Any]] = []
    for name, specs, table_rows, description in tables:
        table, attrs = build(specs, table_rows, description)
        writer.field(f"{group}/{name}", table, attrs, compress=True)
        if name == "outputs":
            outputs = table_rows
    for name, key in (("started_json", "started"), ("result_json", "result")):
        texts = ["" if getattr(p, key) is None else canonical_json(getattr(p, key))
                 for p in points]
        writer.field(f"{group}/{name}", np.array(texts, dtype=object).astype(STRING)
                     if texts else np.zeros(0, dtype=STRING),
                     {"content_type": "application/json",
                      "description": f"the exact journalled point_{key} data of each row "
                                     "of the points table (empty text: none)"})
    return _results_plot(writer, rows, outputs)


def _convert(value: float | None, unit: str, target: str) -> float | None:
    """Return ``value`` in ``unit`` expressed in ``target`` (None if it cannot be)."""
    if value is None or unit == target or not unit or not target:
        return value
    try:
        return float(ureg.Quantity(value, unit).to(target).magnitude)
    except (pint.PintError, ValueError, TypeError, AttributeError):
        return None


def _plotted(rows: list[dict[str, Any]], outputs: list[dict[str, Any]]
             ) -> list[tuple[int, str, float, float, float, float]]:
    """Return (row, label, error, U, lower, upper) in the tolerance unit of every point
    that has an error, an uncertainty and both tolerance limits."""
    first_u: dict[int, tuple[float, str]] = {}
    for out in outputs:
        if out["U"] is not None and out["point"] not in first_u:
            first_u[out["point"]] = (out["U"], out["unit"])
    plotted = []
    for row_number, row in enumerate(rows):
        lower, upper, unit = row["tolerance_lower"], row["tolerance_upper"], row["tolerance_unit"]
        if lower is None or upper is None or upper <= lower or row_number not in first_u:
            continue
        error = _convert(row["error"], row["error_unit"], unit)
        expanded = _convert(*first_u[row_number], unit)
        if error is not None and expanded is not None:
            plotted.append((row_number, f"{row['point_id']} ({row['phase']})", error,
                            expanded, lower, upper))
    return plotted


def _results_plot(writer: RecordWriter, rows: list[dict[str, Any]],
                  outputs: list[dict[str, Any]]) -> bool:
    """Write /entry/results: each point with a tolerance, its error and U as fractions
    of the tolerance; return False (nothing written) when no point has one."""
    plotted = _plotted(rows, outputs)
    if not plotted:
        return False
    numbers, labels, error, expanded, lower, upper = (list(c) for c in zip(*plotted,
                                                                           strict=True))
    centre = (np.array(upper) + np.array(lower)) / 2
    half = (np.array(upper) - np.array(lower)) / 2
    path = writer.group(RESULTS, "NXdata", {
        "signal": "normalized_error", "axes": "point", "point_indices": 0,
        "auxiliary_signals": ["lower_limit", "upper_limit"],
        "title": "error of each point as a fraction of its tolerance (limits at -1 and +1), "
                 "with its expanded uncertainty"})
    writer.field(f"{path}/normalized_error", (np.array(error) - centre) / half, {
        "units": "1", "long_name": "(error - tolerance centre) / tolerance half-width"})
    writer.field(f"{path}/normalized_error_errors", np.array(expanded) / half,
                 {"units": "1", "long_name": "expanded uncertainty U / tolerance half-width"})
    writer.field(f"{path}/lower_limit", np.full(len(plotted), -1.0), {"units": "1"})
    writer.field(f"{path}/upper_limit", np.full(len(plotted), 1.0), {"units": "1"})
    writer.field(f"{path}/point", np.array(numbers, np.int32),
                 {"long_name": "row of /entry/points/points"})
    writer.field(f"{path}/point_id", labels)
    return True
