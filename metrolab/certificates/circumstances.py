"""What a certificate must say about how the run went, read from the record.

- deviations from the method (ISO/IEC 17025 7.8.2.1 n): a standard used past its due
  date, a run restricted to some of the procedure's points, a run interrupted and
  resumed;
- notices shown boxed at the top: why a document is a draft (not approved, rendered on
  request from an approved record, or a run that did not complete), that the
  instruments were simulators, and that the times are those of a virtual clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrolab.store import Record


def deviations(record: Record) -> tuple[str, ...]:
    """Return the deviations from the method, one sentence each, in the order they arose."""
    found = [str(event.get("message", "")) for event in record.events
             if event.get("type") == "override"]
    plan = record.run.get("plan") or {}
    planned, total = plan.get("points"), plan.get("procedure_points")
    if isinstance(planned, int) and isinstance(total, int) and planned < total:
        patterns = ", ".join(str(p) for p in plan.get("patterns") or ())
        found.append(f"only {planned} of the procedure's {total} points were measured "
                     f"(points matching {patterns})" if patterns else
                     f"only {planned} of the procedure's {total} points were measured")
    for event in record.events:
        data = event.get("data") or {}
        if event.get("type") == "resume" and "last_seq" in data:
            found.append(f"the run was interrupted and resumed at {event.get('time')}; the "
                         "points completed before the interruption were kept and the "
                         "interrupted point was measured again from its start")
    return tuple(found)


def draft_notice(record: Record, *, requested: bool, approved: bool) -> str:
    """Return the DRAFT notice: why this document is not a certificate."""
    status = record.run.get("status")
    if status != "completed":
        reason = record.run.get("reason") or "no reason recorded"
        return (f"DRAFT: the run did not complete ({status}: {reason}); its results are "
                "incomplete and this document is not a certificate.")
    if approved and requested:
        return ("DRAFT: rendered on request from an approved record; this document is not "
                "the issued certificate.")
    return "DRAFT: this record is not approved; this document is not a certificate."


def is_simulated(run: Mapping[str, Any]) -> bool:
    """Return True when the run's instruments were simulators."""
    return bool((run.get("simulation") or {}).get("simulated"))


def notices(record: Record, *, draft: bool, requested: bool, approved: bool
            ) -> tuple[str, ...]:
    """Return the boxed statements at the top of the certificate, most important first."""
    run = record.run
    found: list[str] = []
    if is_simulated(run):
        simulation = run.get("simulation") or {}
        errors = simulation.get("dut_errors") or []
        injected = f"; errors injected into the simulated item: {'; '.join(errors)}" \
            if errors else ""
        found.append(
            "SIMULATED: every instrument of this calibration was a simulator (seed "
            f"{simulation.get('seed', '?')}{injected}). No real item was calibrated; this "
            "document rehearses a calibration and certifies nothing.")
    clock = run.get("clock") or {}
    if clock.get("kind") == "virtual":
        found.append(
            "Times are those of a virtual clock: the procedure's waits (warm-up, settling) "
            "passed in simulation, so the dates and times of performance are simulated"
            + (f"; the run was made on {str(clock['wall_started_at'])[:10]}"
               if clock.get("wall_started_at") else "") + ".")
    if draft:
        found.insert(0, draft_notice(record, requested=requested, approved=approved))
    return tuple(found)
