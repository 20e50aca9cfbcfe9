"""``metrolab fleet simulate``: writing a simulated laboratory's records, sealed and signed.

The plan (:mod:`metrolab.lab.fleet_plan`) says what was calibrated when; here each
record is journalled and sealed through the store (:func:`metrolab.store.seal`, so it
is a record like any other and follows the store's layout), signed by the fleet's
operator, and reviewed, approved or amended as planned. One task writes one month's
records directory, so the months can be written in parallel (Dask's local scheduler by
default). Reviews and approvals are appended to the audit log signed by the fleet's
reviewer and approver: the same entries ``metrolab review``/``approve`` write, without
verifying again a record this process has just sealed; amendments go through
:func:`metrolab.store.amend`.

Every record says it is simulated (``run_started.simulation``) and its numbers come
from illustrative specifications; the budgets are evaluations by the engine of
``error = reading + resolution - calibrator [- thermal_emf]``: GUM, or for the Monte
Carlo procedure version JCGM 101 with :data:`MC_TRIALS` trials and a seed per point (the
decision then takes U as the half-width of the probabilistically symmetric 95 %
interval and k = U/u).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from metrolab.cluster import run_map
from metrolab.lab.errors import FleetError
from metrolab.lab.fleet_plan import (
    MODELS,
    PROCEDURE,
    VERSION_CURRENT,
    VERSION_FUNCTION,
    VERSION_MONTE_CARLO,
    FleetMix,
    FleetPlan,
    PointPlan,
    RecordPlan,
    calibrator_half_width,
    plan_fleet,
    resolution,
    tolerance,
)
from metrolab.units import Quantity

REGISTER = "fleet-register.toml"
KEYS = "fleet-keys"
SUMMARY = "fleet.json"
RECORDS = "records"
#: the fleet's people: name -> role in the register
PEOPLE = {"fleet operator": "operator (simulated fleet)",
          "fleet reviewer": "reviewer (simulated fleet)",
          "fleet approver": "approver (simulated fleet)"}
LABORATORY = {"name": "metrolab simulated fleet laboratory (fictitious)",
              "address": "Simulation Street 1 (fictitious)", "accreditation": "none (simulation)",
              "country": "DE"}
READINGS = 5
#: trials of a Monte Carlo point: 10^4 / (1 - p) for p = 95 % (JCGM 101 7.2.1)
MC_TRIALS = 200_000


@dataclass(frozen=True)
class FleetSummary:
    """What ``simulate_fleet`` wrote: the folder, register, record count per directory,
    the standards with their calibrations, and how long it took (s)."""

    out: Path
    register: Path
    records: int
    directories: dict[str, int]
    standards: list[dict[str, Any]]
    seconds: float


def _error_function(reading: Any, resolution: Any, calibrator: Any, thermal_emf: Any) -> Any:
    """E = (reading + resolution) - (calibrator + thermal EMF): the older procedure's model."""
    return reading + resolution - calibrator - thermal_emf


def _error_function_res(reading: Any, resolution: Any, calibrator: Any) -> Any:
    """E = (reading + resolution) - calibrator: the older procedure's resistance model."""
    return reading + resolution - calibrator


@lru_cache(maxsize=8)
def _model(version: str, dc_volts: bool, standard: str) -> Any:
    """Return the error model of a procedure version (equations, or a Python function)."""
    from metrolab.uncertainty import compile_equations

    if version == VERSION_FUNCTION:
        return _error_function if dc_volts else _error_function_res
    names = ["reading", "resolution", standard] + (["thermal_emf"] if dc_volts else [])
    text = f"reading + resolution - {standard}" + (" - thermal_emf" if dc_volts else "")
    return compile_equations({"error": text}, names)


def _point_entries(record: RecordPlan, point: PointPlan, start: float,
                   rng: np.random.Generator) -> tuple[list[tuple[str, dict[str, Any]]], float]:
    """Return the journal entries of one point and the time after it."""
    from metrolab.conformity import decide
    from metrolab.uncertainty import GumResult, McResult, TypeA, TypeB, evaluate_gum, evaluate_mc
    from metrolab.uncertainty.montecarlo import expanded_from_interval

    model_data = MODELS[record.model]
    unit, function = point.unit, point.function
    standard = "reference" if record.version not in (
        VERSION_CURRENT, VERSION_FUNCTION, VERSION_MONTE_CARLO) else "calibrator"
    noise = 0.4e-6 * point.span
    readings = point.nominal + point.true_error + rng.normal(0.0, noise, READINGS)
    phase = "as_found"
    entries: list[tuple[str, dict[str, Any]]] = [("point_started", {
        "point_id": point.point_id, "phase": phase, "function": function,
        "range": {"value": point.span, "unit": unit},
        "nominal": {"value": point.nominal, "unit": unit}, "settings": {}})]
    moment = start
    for index, value in enumerate(readings):
        moment += 2.0
        entries.append(("reading", {"point_id": point.point_id, "phase": phase, "index": index,
                                    "time": moment, "value": float(value), "unit": unit}))
    dc_volts = function == "DCV"
    inputs: dict[str, Any] = {
        "reading": TypeA.from_readings(Quantity(readings, unit), check_autocorrelation=False),
        "resolution": TypeB(Quantity(0.0, unit),
                            half_width=Quantity(resolution(function, point.span) / 2, unit),
                            distribution="rectangular"),
        standard: TypeB(Quantity(point.nominal, unit),
                        half_width=Quantity(calibrator_half_width(function, point.nominal), unit),
                        distribution="rectangular"),
    }
    if dc_volts:
        inputs["thermal_emf"] = TypeB(Quantity(0.0, "V"), half_width=Quantity(1e-6, "V"),
                                      distribution="rectangular")
    model = _model(record.version, dc_volts, standard)
    result: GumResult | McResult
    if record.version == VERSION_MONTE_CARLO:
        result = evaluate_mc(model, inputs, trials=MC_TRIALS, seed=int(rng.integers(0, 2**63)),
                             outputs=("error",), output_units={"error": unit})
        value = float(result.values[0])
        low, high = (float(v) for v in result.interval_symmetric[0])
        U, mc_k = expanded_from_interval(low, high, float(result.u[0]))
        assert mc_k is not None  # the calibrator's rectangular term makes u > 0
        k = mc_k
    else:
        result = evaluate_gum(model, inputs, outputs=("error",), output_units={"error": unit})
        error = result["error"]
        value, U = float(np.asarray(error.value.magnitude)), float(np.asarray(error.U.magnitude))
        k = float(np.asarray(error.k))
    limit = tolerance(model_data, function, point.nominal, point.span)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decision = decide(Quantity(value, unit), Quantity(U, unit), lower=Quantity(-limit, unit),
                          upper=Quantity(limit, unit), k=k, rule=record.rule)
    mean = float(np.mean(readings))
    entries.append(("point_result", {
        "point_id": point.point_id, "phase": phase, "function": function,
        "range": {"value": point.span, "unit": unit},
        "nominal": {"value": point.nominal, "unit": unit},
        "value": {"value": mean, "unit": unit},
        "error": {"value": value, "unit": unit},
        "reference": {"value": point.nominal, "unit": unit},
        "tolerance": {"lower": -limit, "upper": limit, "unit": unit},
        "budget": result.to_dict(), "decision": decision.to_dict(), "caveats": [
            "simulated fleet: illustrative specifications, not a maker's published data"]}))
    return entries, moment + 30.0


def journal_entries(record: RecordPlan, plan: FleetPlan) -> list[tuple[str, dict[str, Any]]]:
    """Return every journal entry of a planned record (run_started to run_ended)."""
    model = MODELS[record.model]
    standard = plan.standards[record.standard]
    calibration = record.calibration
    start = record.started.timestamp()
    rng = np.random.default_rng(record.noise_seed)
    entries: list[tuple[str, dict[str, Any]]] = [("run_started", {
        "run_id": record.record_id,
        "procedure": {"name": PROCEDURE, "version": record.version,
                      "title": "DC verification of a 6½-digit DMM (simulated fleet)"},
        "software_version": "metrolab fleet simulation", "operator": "fleet operator",
        "item": {"manufacturer": model.manufacturer, "model": model.model,
                 "serial": record.serial, "asset": record.asset,
                 "description": "6½-digit digital multimeter (simulated)"},
        "customer": {"name": record.customer, "address": "simulated"},
        "location": "laboratory", "laboratory": LABORATORY,
        "decision_rule": {"rule": record.rule, "parameters": {"k": 2.0}},
        "started_at": start,
        "clock": {"kind": "virtual"},
        "simulation": {"simulated": True, "seed": plan.seed,
                       "note": "metrolab fleet simulation: not a calibration of a real item"},
    }), ("instrument", {
        "role": "dut", "name": "dut", "resource": "simulated",
        "identity": {"manufacturer": model.manufacturer, "model": model.model,
                     "serial": record.serial, "firmware": "sim"}}), ("instrument", {
        "role": "standard", "name": "calibrator", "resource": "simulated",
        "identity": {"manufacturer": "FLUKE", "model": "5522A", "serial": standard.serial,
                     "firmware": "sim"},
        "traceability": {"register_id": standard.register_id,
                         "certificate_id": calibration.certificate_id,
                         "certificate_sha256": "",
                         "calibration_date": calibration.calibration_date.isoformat(),
                         "due_date": calibration.due_date.isoformat(),
                         "issuer": "simulated calibration laboratory",
                         "specification": "illustrative 1-year specification",
                         "corrections": {}, "override_reason": None}}),
        ("environment", {"time": start, "temperature": {"value": 23.0, "unit": "degC"},
                         "humidity": {"value": 45.0, "unit": "percent"}, "pressure": None})]
    moment = start + 60.0
    points = record.points[:2] if record.aborted else record.points
    for point in points:
        more, moment = _point_entries(record, point, moment, rng)
        entries += more
    entries.append(("run_ended", {
        "status": "aborted" if record.aborted else "completed", "ended_at": moment,
        "reason": "operator stopped the run (simulated)" if record.aborted else ""}))
    return entries


def _write_directory(job: tuple[str, list[RecordPlan], FleetPlan, str]) -> dict[str, int]:
    """Write one directory's records; return {record_id: number of points}."""
    from metrolab.clock import VirtualClock
    from metrolab.store import Journal, amend, seal
    from metrolab.store.audit import AuditLog
    from metrolab.store.signing import load_signing_key

    folder_text, records, plan, keys_dir = job
    folder = Path(folder_text)
    folder.mkdir(parents=True, exist_ok=True)
    keys = {name: load_signing_key(name, keys_dir) for name in PEOPLE}
    written: dict[str, int] = {}
    for record in records:
        journal_path = folder / f"{record.record_id}.journal"
        try:
            entries = journal_entries(record, plan)
            ended = float(entries[-1][1]["ended_at"])
            journal = Journal.create(journal_path, record.record_id,
                                     clock=VirtualClock(record.started.timestamp()))
            journal.append_many(entries)
            journal.close()
            clock = VirtualClock(ended + 60.0)
            path = seal(journal_path, clock=clock, signer=keys["fleet operator"])
        except Exception as exc:
            raise FleetError(f"fleet: record {record.record_id} in {folder} could not be "
                             f"written: {exc}") from exc
        written[record.record_id] = len(entries)
        if record.review == "draft":
            continue
        log = AuditLog(folder / "audit.log", clock)
        sealed = log.record_entry(record.record_id)
        assert sealed is not None
        clock.advance(timedelta(days=1).total_seconds())
        log.append("reviewed", record.record_id, signer=keys["fleet reviewer"],
                   content_sha256=sealed["content_sha256"], file=path.name)
        if record.review == "approved":
            clock.advance(timedelta(days=1).total_seconds())
            log.append("approved", record.record_id, signer=keys["fleet approver"],
                       content_sha256=sealed["content_sha256"], file=path.name)
        if record.amend:
            clock.advance(timedelta(days=20).total_seconds())
            amend(path, signer=keys["fleet approver"], clock=clock,
                  reason="customer renamed (simulated amendment)",
                  changes={"customer.name": record.customer.replace("Ltd", "GmbH")})
    return written


def write_register(out: Path, plan: FleetPlan) -> Path:
    """Write the fleet's register (standards, laboratory, [[signer]] keys) and the keys;
    return the register's path."""
    from metrolab.runner.register import Standard, dumps_register
    from metrolab.store.signing import create_key, slug

    keys_dir = out / KEYS
    tables = []
    for name, role in PEOPLE.items():
        if not (keys_dir / f"{slug(name)}.key").exists():
            create_key(name, role, keys_dir)
        tables.append((keys_dir / f"{slug(name)}.pub.toml").read_text(encoding="utf-8"))
    standards = []
    for standard in plan.standards:
        latest = standard.calibrations[-1]
        standards.append(Standard(
            id=standard.register_id, role="calibrator", manufacturer="FLUKE", model="5522A",
            serial=standard.serial, certificate_id=latest.certificate_id,
            calibration_date=latest.calibration_date, due_date=latest.due_date,
            issuer="simulated calibration laboratory",
            specification="illustrative 1-year specification"))
    register = out / REGISTER
    register.write_text(dumps_register(standards, LABORATORY) + "\n" + "\n".join(tables),
                        encoding="utf-8")
    return register


def simulate_fleet(count: int, out: Path, *, standards: int = 3, seed: int = 0,
                   scheduler: str | None = None, workers: int | None = None,
                   progress: Callable[[int], None] | None = None,
                   mix: FleetMix | None = None) -> FleetSummary:
    """Write ``count`` simulated, sealed records into ``out/records/YYYY-MM``; return a
    summary (also written to ``out/fleet.json``).

    Raises :class:`FleetError` when ``out`` already holds a fleet's records or a record
    cannot be written; months are written in parallel where ``scheduler`` says
    (:func:`metrolab.cluster.run_map`), and ``progress(n)`` is told of months written.
    """
    from metrolab.store.durable import prepare_folder

    if count < 1:
        raise FleetError(f"fleet simulate: N must be at least 1, got {count}")
    if standards < 1:
        raise FleetError(f"fleet simulate: --standards must be at least 1, got {standards}")
    began = time.perf_counter()
    prepare_folder(out, "fleet's output folder (--out)")
    if (out / RECORDS).exists() and any((out / RECORDS).iterdir()):
        raise FleetError(f"fleet simulate: {out / RECORDS} already holds records; give "
                         "another --out (a sealed record is never overwritten)")
    plan = plan_fleet(count, standards=standards, seed=seed, mix=mix)
    register = write_register(out, plan)
    groups = plan.directories()
    # each job carries its own records only (with the standards and seed they need)
    jobs = [(str(out / RECORDS / name), records,
             FleetPlan(plan.seed, plan.standards, tuple(records)), str(out / KEYS))
            for name, records in groups.items()]
    sizes = {str(out / RECORDS / name): len(records) for name, records in groups.items()}
    done = run_map(_write_directory, jobs, scheduler=scheduler, workers=workers,
                   progress=progress)
    total = sum(len(d) for d in done)
    summary = FleetSummary(
        out, register, total, {Path(k).name: v for k, v in sizes.items()},
        [{"register_id": s.register_id, "serial": s.serial,
          "calibrations": [{"certificate_id": c.certificate_id,
                            "calibration_date": c.calibration_date.isoformat(),
                            "due_date": c.due_date.isoformat()} for c in s.calibrations]}
         for s in plan.standards], time.perf_counter() - began)
    (out / SUMMARY).write_text(json.dumps({
        "records": summary.records, "seed": seed, "standards": summary.standards,
        "directories": summary.directories, "register": REGISTER,
        "seconds": round(summary.seconds, 3)}, indent=2) + "\n", encoding="utf-8")
    return summary
