"""What a run journals before its first point: ``run_started`` and one ``instrument`` each.

These entries identify the run (procedure, item, customer, laboratory, decision rule,
software and config hash) and every instrument with its traceability; the store copies
them into the sealed record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from metrolab import __version__
from metrolab.clock import Clock, VirtualClock, isoformat
from metrolab.runner.config import RunConfig
from metrolab.runner.discovery import Procedure
from metrolab.runner.engine import RunContext, RunSettings, procedure_points, select_points
from metrolab.runner.instruments import OpenInstrument
from metrolab.runner.operator import CUSTOMER_FIELDS
from metrolab.runner.register import LABORATORY_FIELDS


def new_run_id(procedure: Procedure, dut_serial: str, clock: Clock) -> str:
    """Return a run ID: procedure name, DUT serial and start time (UTC), file-name safe."""
    stamp = datetime.fromtimestamp(clock.now(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    serial = "".join(c if c.isalnum() else "-" for c in dut_serial) or "noserial"
    return f"{procedure.metadata.name}-{serial}-{stamp}"


def clock_data(clock: Clock) -> dict[str, Any]:
    """Return which clock runs the run: ``kind`` virtual or wall, and the wall time at start.

    On a virtual clock (simulated instruments) the times in the record are simulated:
    an hour of warm-up passes in a moment of real time.
    """
    kind = "virtual" if isinstance(clock, VirtualClock) else "wall"
    return {"kind": kind, "wall_started_at": datetime.now(UTC).isoformat()}


def plan_data(procedure: Procedure, settings: RunSettings,
              context: RunContext | None = None) -> dict[str, Any]:
    """Return which points the run measures: how many of the procedure's (for the instruments
    of ``context``), and the patterns."""
    selected = select_points(procedure, settings.points, context)
    phases = 2 if settings.adjust else 1
    total = len(procedure_points(procedure, context))
    return {"points": len(selected) * phases, "procedure_points": total * phases,
            "patterns": list(settings.points)}


def run_started_data(procedure: Procedure, config: RunConfig, operator: str, run_id: str,
                     item: Mapping[str, str], item_description: str, started: datetime,
                     laboratory: Mapping[str, str], clock: Clock,
                     context: RunContext | None = None) -> dict[str, Any]:
    """Return the data of the journal's ``run_started`` entry (the plan's points for the
    instruments of ``context``)."""
    meta = procedure.metadata
    settings = config.settings
    # each decision uses its point's own k (from the effective degrees of freedom): a
    # single k here would misstate it (it said 2.0 while the points' k ran 1.96-2.23)
    parameters: dict[str, Any] = {
        "coverage_factor": "each point's own, from its effective degrees of freedom "
                           "(JCGM 100 G.4); recorded with each decision"}
    if settings.rule != "simple":
        parameters["guard"] = settings.guard
    return {
        "run_id": run_id,
        "procedure": {"name": meta.name, "version": meta.version, "title": meta.title},
        "software_version": __version__,
        "config_hash": config.config_hash(),
        "operator": operator,
        "item": {**item,
                 "description": item.get("description") or item_description or meta.title},
        "customer": {key: config.customer.get(key, "") for key in CUSTOMER_FIELDS},
        "location": config.location,
        "laboratory": {key: laboratory.get(key, "") for key in LABORATORY_FIELDS},
        "decision_rule": {"rule": settings.rule, "parameters": parameters},
        "started_at": isoformat(started.timestamp()),
        "clock": clock_data(clock),
        "plan": plan_data(procedure, settings, context),
        "simulation": dict(config.simulation),
    }


def instrument_data(instrument: OpenInstrument, trace: dict[str, Any] | None) -> dict[str, Any]:
    """Return the data of the journal's ``instrument`` entry for ``instrument``."""
    data: dict[str, Any] = {"role": instrument.kind, "name": instrument.role,
                            "resource": instrument.resource, "identity": instrument.identity}
    if trace is not None:
        data["traceability"] = trace
    return data
