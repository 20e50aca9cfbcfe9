"""A simulated recalibration of a fleet standard, ending in its DCC (for ``--certificate``).

The standard (a calibrator) is the item; a reference DMM measures each of its outputs.
The error of indication is the calibrator's setting minus what the reference read, so
an output that was ``offset`` high gives an error of ``-offset``. The run is journalled,
sealed, reviewed and approved through the store and rendered by the certificate
renderer like any calibration, so its DCC is the one metrolab itself issues. Every
number is simulated and the record says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from metrolab.lab.fleet import KEYS, LABORATORY, PEOPLE
from metrolab.lab.fleet_plan import POINTS, calibrator_half_width
from metrolab.units import Quantity

#: the calibrating laboratory's reference DMM and its (illustrative) half-width: ppm
REFERENCE = {"manufacturer": "FLUKE", "model": "8508A", "serial": "REF-0001"}
REFERENCE_PPM = 3.5


def _entries(serial: str, day: date, offsets: Mapping[str, float], seed: int
             ) -> list[tuple[str, dict[str, Any]]]:
    from metrolab.conformity import decide
    from metrolab.uncertainty import TypeA, TypeB, compile_equations, evaluate_gum

    rng = np.random.default_rng(seed)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp() + 9 * 3600
    model = compile_equations({"error": "setting - reading - reference_dmm"},
                              ["setting", "reading", "reference_dmm"])
    entries: list[tuple[str, dict[str, Any]]] = [("run_started", {
        "run_id": f"RECAL-{serial}-{day:%Y%m%d}",
        "procedure": {"name": "calibrator-verification", "version": "1.0",
                      "title": "Verification of a multi-product calibrator (simulated)"},
        "software_version": "metrolab fleet simulation", "operator": "fleet operator",
        "item": {"manufacturer": "FLUKE", "model": "5522A", "serial": serial,
                 "description": "multi-product calibrator (simulated)"},
        "customer": {"name": LABORATORY["name"], "address": LABORATORY["address"]},
        "location": "laboratory", "laboratory": LABORATORY,
        "decision_rule": {"rule": "simple", "parameters": {"k": 2.0}}, "started_at": start,
        "clock": {"kind": "virtual"},
        "simulation": {"simulated": True, "seed": seed,
                       "note": "metrolab fleet simulation: not a calibration of a real item"},
    }), ("instrument", {"role": "dut", "name": "dut", "resource": "simulated",
                        "identity": {"manufacturer": "FLUKE", "model": "5522A",
                                     "serial": serial, "firmware": "sim"}}),
        ("instrument", {"role": "standard", "name": "reference_dmm", "resource": "simulated",
                        "identity": {**REFERENCE, "firmware": "sim"},
                        "traceability": {"register_id": "REF-8508A",
                                         "certificate_id": "SIM-NMI-8508A",
                                         "certificate_sha256": "",
                                         "calibration_date": (day - timedelta(days=100))
                                         .isoformat(),
                                         "due_date": (day + timedelta(days=265)).isoformat(),
                                         "issuer": "simulated national metrology institute",
                                         "specification": "illustrative", "corrections": {},
                                         "override_reason": None}})]
    moment = start + 60.0
    for point_id, function, nominal, unit, span in POINTS:
        offset = float(offsets.get(point_id, 0.0))
        noise = 0.2e-6 * span
        readings = nominal + offset + rng.normal(0.0, noise, 5)
        entries.append(("point_started", {
            "point_id": point_id, "phase": "as_found", "function": function,
            "range": {"value": span, "unit": unit}, "nominal": {"value": nominal, "unit": unit},
            "settings": {}}))
        for index, value in enumerate(readings):
            moment += 2.0
            entries.append(("reading", {"point_id": point_id, "phase": "as_found",
                                        "index": index, "time": moment, "value": float(value),
                                        "unit": unit}))
        gum = evaluate_gum(model, {
            "setting": TypeB(Quantity(nominal, unit), u=Quantity(0.0, unit)),
            "reading": TypeA.from_readings(Quantity(readings, unit),
                                           check_autocorrelation=False),
            "reference_dmm": TypeB(Quantity(0.0, unit),
                                   half_width=Quantity(REFERENCE_PPM * 1e-6 * span, unit),
                                   distribution="rectangular")},
            outputs=("error",), output_units={"error": unit})
        error = gum["error"]
        limit = calibrator_half_width(function, nominal)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            decision = decide(error.value, error.U, lower=Quantity(-limit, unit),
                              upper=Quantity(limit, unit), k=float(np.asarray(error.k)))
        entries.append(("point_result", {
            "point_id": point_id, "phase": "as_found", "function": function,
            "range": {"value": span, "unit": unit}, "nominal": {"value": nominal, "unit": unit},
            "value": {"value": nominal, "unit": unit},
            "error": {"value": float(np.asarray(error.value.magnitude)), "unit": unit},
            "reference": {"value": float(np.mean(readings)), "unit": unit},
            "tolerance": {"lower": -limit, "upper": limit, "unit": unit},
            "budget": gum.to_dict(), "decision": decision.to_dict(), "caveats": []}))
        moment += 30.0
    entries.append(("run_ended", {"status": "completed", "ended_at": moment, "reason": ""}))
    return entries


def simulate_recalibration(fleet: Path, serial: str, day: date,
                           offsets: Mapping[str, float], *, seed: int = 0) -> Path:
    """Calibrate the fleet standard with ``serial`` on ``day`` (outputs off by
    ``offsets``: point ID -> offset in the point's unit) and return its DCC's path.

    The record, its certificate files and audit log go to ``fleet/recalibrations``; the
    fleet's keys (``fleet/fleet-keys``) sign the seal, review and approval.
    """
    from metrolab.certificates.issue import render_all
    from metrolab.clock import VirtualClock
    from metrolab.store import Journal, approve, review, seal
    from metrolab.store.signing import KeyRegister, load_signing_key

    folder = fleet / "recalibrations"
    folder.mkdir(parents=True, exist_ok=True)
    keys = {name: load_signing_key(name, fleet / KEYS) for name in PEOPLE}
    entries = _entries(serial, day, offsets, seed)
    run_id = str(entries[0][1]["run_id"])
    journal_path = folder / f"{run_id}.journal"
    started = float(entries[0][1]["started_at"])
    journal = Journal.create(journal_path, run_id, clock=VirtualClock(started))
    journal.append_many(entries)
    journal.close()
    clock = VirtualClock(float(entries[-1][1]["ended_at"]) + 600.0)
    record = seal(journal_path, clock=clock, signer=keys["fleet operator"])
    register = KeyRegister.load(fleet / "fleet-register.toml")
    clock.advance(3600.0)
    review(record, keys["fleet reviewer"], register=register, clock=clock)
    clock.advance(3600.0)
    approve(record, keys["fleet approver"], register=register, clock=clock)
    return Path(render_all(record, folder, draft=False, register=register)["dcc"])
