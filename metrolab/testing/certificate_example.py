"""An example job: a 6½-digit DMM verified on DC voltage against a multifunction calibrator.

Used by the tests, the docs and anyone who wants to see a certificate without running
a procedure. :func:`example_content` builds the content directly;
:func:`example_journal_entries` gives the same job as journal entries in the shape of
docs/interfaces.md "Store" (budgets from metrolab.uncertainty, decisions from
metrolab.conformity), and :func:`write_example_record` journals, seals, reviews and
approves it through metrolab.store, signed with example keys (:func:`example_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from metrolab import store
from metrolab.certificates.content import (
    Amendment,
    Approval,
    CertificateContent,
    Conformity,
    Dates,
    DecisionRule,
    Equipment,
    InfluenceCondition,
    Item,
    Laboratory,
    Method,
    Party,
    ResultPoint,
    Standard,
)
from metrolab.clock import VirtualClock, isoformat
from metrolab.conformity import decide
from metrolab.store.signing import SigningKey, create_key, load_signing_key
from metrolab.uncertainty import TypeA, TypeB, evaluate_gum
from metrolab.units import Quantity

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)

LABORATORY = {
    "name": "Example Calibration Laboratory",
    "address": "Bundesallee 100, 38116 Braunschweig, Germany",
    "accreditation": "D-K-00000-01-00",
    "country": "DE",
}
CUSTOMER = {"name": "ACME Instruments GmbH", "address": "Hauptstrasse 1, 10115 Berlin, Germany"}
ITEM = {
    "manufacturer": "Keysight",
    "model": "34401A",
    "serial": "MY41000123",
    "description": "Digital multimeter, 6.5 digits",
}
STANDARD_TRACEABILITY: dict[str, str | None] = {
    "certificate_id": "PTB-2025-0815",
    "certificate_sha256": "3f" * 32,
    "calibration_date": "2025-06-01",
    "due_date": "2026-06-01",
    "issuer": "Physikalisch-Technische Bundesanstalt",
    "override_reason": None,
}
#: the hygrometer's calibration: it gives the environmental conditions the certificate reports
HYGROMETER_TRACEABILITY: dict[str, str | None] = {
    "certificate_id": "DKD-K-12345-2025-07",
    "certificate_sha256": "7a" * 32,
    "calibration_date": "2025-07-01",
    "due_date": "2026-07-01",
    "issuer": "Example humidity laboratory",
    "override_reason": None,
}
#: when the item arrived and in what condition (ISO/IEC 17025 7.8.2.1 g, h)
RECEIVED = date(2026, 2, 27)
CONDITION = "no visible damage"

@dataclass(frozen=True, slots=True)
class ExamplePoint:
    """One point of the example job; values in V (frequency in Hz, None for DC).

    ``error``, ``U``, ``statement`` and ``pc`` feed :func:`example_content` directly; the
    journal example simulates readings around ``nominal + error`` and lets the real
    uncertainty and conformity engines find U and the statement.
    """

    point_id: str
    phase: str
    function: str
    nominal: float
    range: float
    frequency: float | None
    error: float
    U: float
    half_width: float  # tolerance of the error, ±
    statement: str
    pc: float
    calibrator_half_width: float  # the calibrator's 1-year specification, rectangular


POINTS: tuple[ExamplePoint, ...] = (
    ExamplePoint("dcv-1v", "as_found", "DCV", 1.0, 1.0, None, 12e-6, 7.4e-6, 40e-6, "pass",
                 0.99999, 5e-6),
    ExamplePoint("dcv-10v", "as_found", "DCV", 10.0, 10.0, None, 355e-6, 52e-6, 350e-6,
                 "conditional_fail", 0.4618, 25e-6),
    ExamplePoint("dcv-m10v", "as_found", "DCV", -10.0, 10.0, None, -41e-6, 52e-6, 350e-6, "pass",
                 1.0, 25e-6),
    ExamplePoint("acv-1v-1khz", "as_found", "ACV", 1.0, 1.0, 1000.0, 150e-6, 110e-6, 1e-3,
                 "pass", 1.0, 80e-6),
    ExamplePoint("dcv-10v", "as_left", "DCV", 10.0, 10.0, None, 18e-6, 52e-6, 350e-6, "pass",
                 1.0, 25e-6),
)


def _decision(statement: str, pc: float, error: float, U: float, half: float) -> dict[str, Any]:
    return {
        "rule": "nonbinary", "parameters": {"w": "U"}, "measured": error, "U": U, "k": 2.0,
        "lower_limit": -half, "upper_limit": half, "acceptance_lower": -half + U,
        "acceptance_upper": half - U, "statement": statement, "probability_of_conformity": pc,
        "pfa": None, "pfr": None, "tur": half / U,
    }


def example_content(*, approved: bool = True, amendment: Amendment | None = None,
                    certificate_id: str = "ECL-2026-0001") -> CertificateContent:
    """Return the example job as :class:`CertificateContent` (values in V, °C, %, hPa)."""
    volt = "V"
    results = []
    for point in POINTS:
        decision = _decision(point.statement, point.pc, point.error, point.U, point.half_width)
        nominal = point.nominal
        results.append(ResultPoint(
            point_id=point.point_id, phase=point.phase,  # type: ignore[arg-type]
            function=point.function, range=Quantity(point.range, volt),
            nominal=Quantity(nominal, volt), reference=Quantity(nominal + 1e-6, volt),
            value=Quantity(nominal + 1e-6 + point.error, volt),
            error=Quantity(point.error, volt), U=Quantity(point.U, volt), k=2.0,
            coverage_probability=0.95, tolerance_lower=Quantity(-point.half_width, volt),
            tolerance_upper=Quantity(point.half_width, volt),
            conformity=Conformity(
                statement=point.statement,  # type: ignore[arg-type]
                rule="nonbinary", parameters=(("w", "U"),), probability_of_conformity=point.pc,
                tur=decision["tur"],
                acceptance_lower=Quantity(decision["acceptance_lower"], volt),
                acceptance_upper=Quantity(decision["acceptance_upper"], volt),
            ),
            frequency=None if point.frequency is None else Quantity(point.frequency, "Hz"),
        ))
    approval = Approval(
        state="approved" if approved else "draft", performed_by="A. Operator",
        checked_by="C. Checker" if approved else "",
        checked_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC) if approved else None,
        approved_by="B. Approver" if approved else "",
        approved_at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC) if approved else None,
    )
    return CertificateContent(
        certificate_id=certificate_id,
        laboratory=Laboratory(LABORATORY["name"], LABORATORY["address"],
                              LABORATORY["accreditation"], LABORATORY["country"]),
        customer=Party(CUSTOMER["name"], CUSTOMER["address"]),
        location="laboratory",
        item=Item(**ITEM, condition=CONDITION, firmware="11-5-2"),
        dates=Dates(performance_start=START, performance_end=END,
                    issue=date(2026, 3, 3) if approved else None, receipt=RECEIVED),
        method=Method(procedure="dmm-dcv-verification", version="1.0", software_version="0.1.0",
                      config_hash="ab12cd34"),
        environment=(
            InfluenceCondition("Temperature", Quantity(23.1, "degC"), Quantity(22.8, "degC"),
                               Quantity(23.4, "degC")),
            InfluenceCondition("Relative humidity", Quantity(45.0, "percent"),
                               Quantity(43.0, "percent"), Quantity(47.0, "percent")),
        ),
        equipment=(
            Equipment("standard", "Multifunction calibrator", "Fluke", "5522A", "1234567",
                      "1.4", Standard(
                name="Multifunction calibrator", manufacturer="Fluke", model="5522A",
                serial="1234567", certificate_id=str(STANDARD_TRACEABILITY["certificate_id"]),
                certificate_sha256=str(STANDARD_TRACEABILITY["certificate_sha256"]),
                calibration_date=date(2025, 6, 1), due_date=date(2026, 6, 1),
                issuer=str(STANDARD_TRACEABILITY["issuer"]), in_date=True)),
            Equipment("environment", "Hygrometer", "Vaisala", "HMT330", "V1230045", "5.16",
                      Standard(
                name="Hygrometer", manufacturer="Vaisala", model="HMT330", serial="V1230045",
                certificate_id=str(HYGROMETER_TRACEABILITY["certificate_id"]),
                certificate_sha256=str(HYGROMETER_TRACEABILITY["certificate_sha256"]),
                calibration_date=date(2025, 7, 1), due_date=date(2026, 7, 1),
                issuer=str(HYGROMETER_TRACEABILITY["issuer"]), in_date=True)),
        ),
        results=tuple(results),
        decision_rule=DecisionRule(
            rule="nonbinary", parameters=(("w", "U"),),
            description="ILAC-G8:09/2019 non-binary statement with guard band w = U",
        ),
        approval=approval,
        record_sha256="5e" * 32,
        amendment=amendment,
        draft=not approved,
    )


def _point_entries(point: ExamplePoint, rule: str, clock: VirtualClock,
                   rng: np.random.Generator) -> list[tuple[str, dict[str, Any]]]:
    """Return point_started, readings and point_result entries of one simulated point."""
    volt = {"unit": "V"}
    ids = {"point_id": point.point_id, "phase": point.phase}
    readings = point.nominal + point.error + rng.normal(0.0, 2e-6, 10)
    settings: dict[str, Any] = {"nplc": {"value": 10.0, "unit": ""}}
    if point.frequency is not None:
        settings["frequency"] = {"value": point.frequency, "unit": "Hz"}
    setup = {"function": point.function, "range": {"value": point.range, **volt},
             "nominal": {"value": point.nominal, **volt}}
    entries: list[tuple[str, dict[str, Any]]] = [
        ("point_started", {**ids, **setup, "settings": settings})]
    for index, value in enumerate(readings):
        clock.sleep(1.0)
        entries.append(("reading", {**ids, "index": index, "time": clock.now(),
                                    "value": float(value), "unit": "V"}))
    budget = evaluate_gum(
        lambda indication, reference: indication - reference,
        {"indication": TypeA.from_readings(readings, "V"),
         "reference": TypeB(point.nominal, half_width=point.calibrator_half_width,
                            distribution="rectangular", unit="V")},
        outputs=("error",),
    ).to_dict()
    output = budget["outputs"]["error"]
    half = point.half_width
    decision = decide(Quantity(output["value"], "V"), Quantity(output["U"], "V"),
                      lower=Quantity(-half, "V"), upper=Quantity(half, "V"),
                      k=float(output["k"]), rule=rule).to_dict()
    entries.append(("point_result", {
        **ids, **setup,
        "value": {"value": float(readings.mean()), **volt},
        "error": {"value": output["value"], **volt},
        "reference": {"value": point.nominal, **volt},
        "tolerance": {"lower": -half, "upper": half, "unit": "V"},
        "budget": budget, "decision": decision,
    }))
    return entries


def example_journal_entries(run_id: str = "ECL-2026-0001", *,
                            clock: VirtualClock | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Return the example job as ``(kind, data)`` journal entries, in journal order.

    Times come from ``clock`` (a fresh :class:`VirtualClock` at :data:`START` by default);
    readings are seeded, so the entries are the same on every call.
    """
    clock = clock or VirtualClock(START.timestamp())
    rng = np.random.default_rng(20260302)
    rule = "nonbinary"
    entries: list[tuple[str, dict[str, Any]]] = [
        ("run_started", {
            "run_id": run_id, "procedure": {"name": "dmm-dcv-verification", "version": "1.0"},
            "software_version": "0.1.0", "config_hash": "ab12cd34", "operator": "A. Operator",
            "item": {**ITEM, "received": RECEIVED.isoformat(), "condition": CONDITION},
            "customer": dict(CUSTOMER), "location": "laboratory",
            "laboratory": dict(LABORATORY),
            "decision_rule": {"rule": rule, "parameters": {"guard": "U"}},
            "started_at": isoformat(clock.now()),
        }),
        ("instrument", {
            "role": "dut", "name": "DMM under test", "resource": "TCPIP0::127.0.0.1::5025::SOCKET",
            "identity": {"manufacturer": "Keysight", "model": "34401A", "serial": ITEM["serial"],
                         "firmware": "11-5-2"},
        }),
        ("instrument", {
            "role": "standard", "name": "Multifunction calibrator",
            "resource": "TCPIP0::127.0.0.1::5026::SOCKET",
            "identity": {"manufacturer": "Fluke", "model": "5522A", "serial": "1234567",
                         "firmware": "1.4"},
            "traceability": dict(STANDARD_TRACEABILITY),
        }),
        ("instrument", {
            "role": "environment", "name": "Hygrometer", "resource": "ASRL/dev/pts/7::INSTR",
            "identity": {"manufacturer": "Vaisala", "model": "HMT330", "serial": "V1230045",
                         "firmware": "5.16"},
            "traceability": dict(HYGROMETER_TRACEABILITY),
        }),
    ]
    for temperature, humidity in ((22.9, 44.0), (23.1, 45.5), (23.3, 46.0)):
        entries.append(("environment", {
            "time": clock.now(), "temperature": {"value": temperature, "unit": "degC"},
            "humidity": {"value": humidity, "unit": "%"}, "pressure": None,
        }))
        clock.sleep(60.0)
    for point in POINTS:
        entries += _point_entries(point, rule, clock, rng)
    entries.append(("run_ended", {"status": "completed", "ended_at": isoformat(clock.now()),
                                  "reason": ""}))
    return entries


#: the example laboratory's people who sign records: name -> role
SIGNERS = {"A. Operator": "operator", "C. Checker": "reviewer", "B. Approver": "approver"}
#: sub-folder of the example folder holding the example signing keys (a real laboratory
#: keeps each key in its holder's own key folder, never beside the records)
KEYS = "example-keys"
#: the example register of keys, written beside the records
REGISTER = "example-register.toml"


def example_key(folder: Path, name: str) -> SigningKey:
    """Return the example signing key of ``name`` (one of :data:`SIGNERS`) in ``folder``,
    creating the keys of all :data:`SIGNERS` and the register :data:`REGISTER` on first use."""
    keys = Path(folder) / KEYS
    if not keys.is_dir():
        tables = [create_key(who, role, keys).register_table() for who, role in SIGNERS.items()]
        (Path(folder) / REGISTER).write_text("# example register of keys\n" + "\n".join(tables),
                                             encoding="utf-8")
    return load_signing_key(name, keys)


def write_example_record(folder: Path, *, run_id: str = "ECL-2026-0001", review: bool = True,
                         approve: bool = True) -> Path:
    """Journal, seal and (by default) review and approve the example job in ``folder``.

    Returns the sealed record's path (``folder/<run_id>.h5``); the journal and the
    audit log sit beside it. Seal, review and approval are signed with the example keys
    (:func:`example_key`, registered in ``folder/example-register.toml``); reviewer and
    approver are two different people.
    """
    clock = VirtualClock(START.timestamp())
    journal_path = Path(folder) / f"{run_id}.journal"
    with store.Journal.create(journal_path, run_id, clock=clock) as journal:
        journal.append_many(example_journal_entries(run_id, clock=clock))
    record = store.seal(journal_path, clock=clock, signer=example_key(folder, "A. Operator"))
    clock.sleep(86400.0)
    if review or approve:
        store.review(record, example_key(folder, "C. Checker"), clock=clock)
    if approve:
        clock.sleep(3600.0)
        store.approve(record, example_key(folder, "B. Approver"), clock=clock)
    return Path(record)
