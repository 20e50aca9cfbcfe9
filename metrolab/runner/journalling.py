"""Turning runner objects into the JSON-safe data of journal entries (docs/interfaces.md)."""

from __future__ import annotations

import math
from typing import Any

import pint

from metrolab.runner.procedure import PointOutcome, TestPoint


def unit_text(quantity: pint.Quantity) -> str:
    """Return the unit of ``quantity`` as short text pint reads back (``V``, ``Ω``, ``°C``)."""
    return f"{quantity.units:~C}"


def quantity_data(quantity: pint.Quantity | None) -> dict[str, Any] | None:
    """Return ``{"value", "unit"}`` for a scalar quantity (None stays None, NaN becomes None)."""
    if quantity is None:
        return None
    value = float(quantity.magnitude)
    return {"value": None if math.isnan(value) else value, "unit": unit_text(quantity)}


def point_started_data(point: TestPoint, phase: str) -> dict[str, Any]:
    """Return the data of a ``point_started`` entry for ``point`` in ``phase``."""
    settings = {name: quantity_data(value) for name, value in point.settings.items()}
    if point.frequency is not None:
        settings["frequency"] = quantity_data(point.frequency)
    return {
        "point_id": point.point_id,
        "phase": phase,
        "step": point.step,
        "function": point.function,
        "range": quantity_data(point.range),
        "nominal": quantity_data(point.nominal),
        "settings": settings,
    }


def point_result_data(point: TestPoint, phase: str, outcome: PointOutcome) -> dict[str, Any]:
    """Return the data of a ``point_result`` entry from a plan's :class:`PointOutcome`."""
    lower, upper = outcome.tolerance
    unit = unit_text(outcome.error)
    return {
        "point_id": point.point_id,
        "phase": phase,
        "function": point.function,
        "range": quantity_data(point.range),
        "nominal": quantity_data(point.nominal),
        "value": quantity_data(outcome.value),
        "error": quantity_data(outcome.error),
        "reference": quantity_data(outcome.reference),
        "tolerance": {
            "lower": float(lower.to(outcome.error.units).magnitude),
            "upper": float(upper.to(outcome.error.units).magnitude),
            "unit": unit,
        },
        "budget": outcome.budget,
        "decision": outcome.decision,
        "caveats": list(outcome.caveats),
        "standard_values": [dict(v) for v in outcome.standard_values],
    }


def readings_entries(
    point_id: str, phase: str, first_index: int, time: float, readings: pint.Quantity
) -> list[tuple[str, dict[str, Any]]]:
    """Return one ``reading`` entry per element of ``readings``, indexed from ``first_index``."""
    unit = unit_text(readings)
    return [
        ("reading", {"point_id": point_id, "phase": phase, "index": first_index + n,
                     "time": time, "value": float(value), "unit": unit})
        for n, value in enumerate(readings.magnitude.ravel())
    ]
