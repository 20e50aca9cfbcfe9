"""Impact analysis against decisions computed independently from the same stored inputs.

The oracle is plain numpy/scipy: the GUM of ``error = indication + resolution -
(reference + correction) - thermal_emf`` (every sensitivity ±1; rectangular inputs
u = a/√3; the mean of n readings u = s/√n with n - 1 degrees of freedom;
Welch-Satterthwaite; k = Student t at 95 % for the truncated dof, GUM G.4.1 and G.6.4),
and the ILAC-G8:09/2019 rules: simple acceptance (pass inside the tolerance), guarded
(acceptance limits moved in by w = U) and non-binary (zones of width w = U beside each
limit). It reads the stored inputs of each point and nothing the re-evaluation computes.

Points the fleet evaluated by Monte Carlo are checked against plain numpy draws of the
same model with the corrected input (10^6 trials, other streams than the engine's),
within the JCGM 101 7.9.2 numerical tolerance for two significant digits of u; the new
decision must be one the oracle's numbers give within that tolerance.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from metrolab.lab.catalogue import Catalogue, Query, records_directories
from metrolab.lab.corrections import parse_correction
from metrolab.lab.impact import ImpactRequest, assess_impact
from metrolab.store.record import PointRecord, open_record
from metrolab.store.verification import verify
from metrolab.testing.cli import run_cli

CORRECTION = "DCV 10V +150uV U=40uV k=2"
OFFSET, OFFSET_U = 150e-6, 20e-6
ORACLE_TRIALS = 1_000_000


def oracle(point: PointRecord, offset: float, offset_u: float) -> tuple[float, float, str]:
    """Return (error, U, statement) of a fleet point re-evaluated with plain numpy/scipy."""
    inputs = point.budget["inputs"]
    readings = np.asarray(inputs["reading"]["readings"], dtype=float)
    n = readings.size
    u_a = readings.std(ddof=1) / math.sqrt(n)
    reference = next(v for k, v in inputs.items() if k in ("calibrator", "reference"))
    rectangular = [inputs[name]["half_width"] / math.sqrt(3)
                   for name in inputs if name != "reading"]
    value = readings.mean() - (reference["value"] + offset)  # resolution, emf: 0
    u = math.sqrt(u_a**2 + sum(x**2 for x in rectangular) + offset_u**2)
    dof = u**4 / (u_a**4 / (n - 1))
    k = stats.t.ppf(0.975, math.floor(dof)) if dof < 1e7 else stats.norm.ppf(0.975)
    U = k * u
    return float(value), float(U), statement_of(point, float(value), float(U))


def mc_oracle(point: PointRecord, offset: float, offset_u: float
              ) -> tuple[float, float, float, float]:
    """Return (error, u, U, δ) of a fleet point by plain numpy draws (JCGM 101 6.4):
    the mean of n readings as x̄ + s/√n·t(n-1) (6.4.9), rectangular inputs uniform on
    value ± a, the correction normal; U the half-width of the probabilistically symmetric
    95 % interval, δ the numerical tolerance for two significant digits of u (7.9.2)."""
    inputs = point.budget["inputs"]
    rng = np.random.default_rng(2008)
    readings = np.asarray(inputs["reading"]["readings"], dtype=float)
    n = readings.size
    error = readings.mean() + readings.std(ddof=1) / math.sqrt(n) * rng.standard_t(
        n - 1, ORACLE_TRIALS)
    for name, data in inputs.items():
        if name == "reading":
            continue
        drawn = rng.uniform(data["value"] - data["half_width"], data["value"] + data["half_width"],
                            ORACLE_TRIALS)
        error += -drawn if name in ("calibrator", "thermal_emf") else drawn
    error -= rng.normal(offset, offset_u, ORACLE_TRIALS)
    low, high = np.quantile(error, [0.025, 0.975])
    u = float(error.std(ddof=1))
    delta = 0.5 * 10.0 ** (math.floor(math.log10(u)) - 1)
    return float(error.mean()), u, float(high - low) / 2, delta


def statement_of(point: PointRecord, value: float, U: float) -> str:
    """Return the statement of ILAC-G8 the point's stored rule gives for (value, U)."""
    tolerance = point.result["tolerance"]
    lower, upper = tolerance["lower"], tolerance["upper"]
    rule = point.decision["rule"]
    if rule == "simple":
        statement = "pass" if lower <= value <= upper else "fail"
    elif rule == "guarded":
        statement = "pass" if lower + U <= value <= upper - U else "fail"
    else:
        inside = lower <= value <= upper
        accepted = lower + U <= value <= upper - U
        rejected = value < lower - U or value > upper + U
        statement = "pass" if accepted else ("conditional_pass" if inside else (
            "fail" if rejected else "conditional_fail"))
    return statement


@pytest.fixture()
def catalogue(fleet_catalogue: Catalogue) -> Catalogue:
    return fleet_catalogue


def standard_of_renamed_record(fleet: Path) -> str:
    """Return the standard used by a record of the oldest procedure (input 'reference')."""
    for path in sorted((fleet / "records").rglob("*.h5")):
        record = open_record(path)
        if record.run["procedure"]["version"] == "0.9":
            return next(i["traceability"]["register_id"] for i in record.instruments
                        if i.get("traceability"))
    raise AssertionError("the test fleet has no record of procedure version 0.9")


@pytest.fixture(scope="module")
def report_data(fleet: Path, fleet_catalogue: Catalogue) -> tuple[str, dict[str, Any]]:
    standard = standard_of_renamed_record(fleet)
    request = ImpactRequest(standard, date(2024, 1, 1), (parse_correction(CORRECTION),))
    return standard, assess_impact(fleet_catalogue, request, scheduler="loop").to_json()


def test_changed_decisions_match_an_independent_gum(fleet: Path, catalogue: Catalogue,
                                                    report_data: tuple[str, dict[str, Any]]
                                                    ) -> None:
    standard, data = report_data
    expected_affected, expected_unevaluable = set(), set()
    checked = changed = monte_carlo = 0
    by_id = {a["record_id"]: a for a in data["affected"]}
    for entry in catalogue.find(Query(standard=standard)):
        if entry.status == "superseded":
            assert entry.record_id in [s["record_id"] for s in data["superseded"]]
            continue
        record = open_record(entry.path)
        tens = [p for p in record.points if p.function == "DCV" and p.nominal is not None
                and p.nominal.magnitude == 10.0]
        if not tens:
            assert entry.record_id in data["unaffected"]
            continue
        if "reference" in tens[0].budget["inputs"]:
            expected_unevaluable.add(entry.record_id)
            continue
        expected_affected.add(entry.record_id)
        points = {p["point_id"]: p for p in by_id[entry.record_id]["changed"]
                  + by_id[entry.record_id]["unchanged"]}
        for point in tens:
            got = points[point.point_id]
            assert got["old"]["decision"] == point.decision["statement"]
            if point.budget["method"] == "mc":
                assert got["method"] == "monte-carlo"
                value, u, expanded, delta = mc_oracle(point, OFFSET, OFFSET_U)
                assert abs(got["new"]["error"] - value) <= delta
                assert abs(got["new"]["U"] - expanded) <= delta
                assert got["new"]["k"] == pytest.approx(expanded / u, abs=2 * delta / u)
                # the decision the oracle's numbers give, within the tolerance
                possible = {statement_of(point, value + a, expanded + b)
                            for a in (-delta, 0, delta) for b in (-delta, 0, delta)}
                assert got["new"]["decision"] in possible, (entry.record_id, point.point_id)
                statement = got["new"]["decision"]
                monte_carlo += 1
            else:
                value, expanded, statement = oracle(point, OFFSET, OFFSET_U)
                assert got["new"]["error"] == pytest.approx(value, rel=1e-9, abs=1e-12)
                assert got["new"]["U"] == pytest.approx(expanded, rel=1e-6)
                assert got["new"]["decision"] == statement, (entry.record_id, point.point_id)
            assert (got["change"] == "unchanged") == (statement == point.decision["statement"])
            checked += 1
            changed += statement != point.decision["statement"]
    assert set(by_id) == expected_affected
    assert {u["record_id"] for u in data["unevaluable"]} == expected_unevaluable
    assert checked >= 3 and changed >= 1  # the fleet holds decisions the finding changes
    assert monte_carlo >= 1  # and Monte Carlo budgets among them


def test_unevaluable_records_say_why(report_data: tuple[str, dict[str, Any]]) -> None:
    _, data = report_data
    assert data["unevaluable"]
    for record in data["unevaluable"]:
        assert "no input 'calibrator' for the standard" in record["reason"]
        assert record["points"] and record["file"].endswith(".h5")


def test_json_shape(report_data: tuple[str, dict[str, Any]]) -> None:
    standard, data = report_data
    assert data["standard"] == standard and data["corrections"] == [CORRECTION]
    assert data["summary"]["affected"] == len(data["affected"])
    for record in data["affected"]:
        assert {"record_id", "certificate_id", "changed", "unchanged", "recommendation"} <= set(
            record)
        for point in record["changed"]:
            assert point["old"]["decision"] != point["new"]["decision"]
            assert {"error", "U", "risk", "decision"} <= set(point["new"])
            assert point["method"] in ("recomputed", "first-order", "monte-carlo")
    json.dumps(data)


def test_first_order_records_agree_with_the_oracle(fleet: Path, catalogue: Catalogue) -> None:
    """Records of the procedure whose model was a Python function are updated from their
    stored sensitivities: for this linear model that is the GUM exactly."""
    entries = [e for e in catalogue.find(Query()) if e.procedure_version == "1.4"
               and e.status != "superseded"]
    assert entries
    request = ImpactRequest("CAL-01", date(2024, 1, 1), (parse_correction("DCV * +5ppm"),))
    report = assess_impact(catalogue, request, scheduler="loop", entries=[
        e for e in entries if any(s.register_id == "CAL-01" for s in e.standards)] or None)
    outcomes = [a.outcome for a in report.affected]
    assert outcomes
    for outcome in outcomes:
        record = open_record(outcome.path)
        for change in outcome.changes:
            assert change.method == "first-order"
            point = next(p for p in record.points if p.point_id == change.point_id)
            value, expanded, statement = oracle(point, 5e-6 * point.nominal.magnitude, 0.0)
            assert change.new.value == pytest.approx(value, rel=1e-9, abs=1e-12)
            new_expanded = change.new.U
            assert new_expanded == pytest.approx(expanded, rel=1e-6)
            assert change.new.statement == statement


def test_dask_gives_the_loops_answer(catalogue: Catalogue,
                                     report_data: tuple[str, dict[str, Any]]) -> None:
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    standard, expected = report_data
    request = ImpactRequest(standard, date(2024, 1, 1), (parse_correction(CORRECTION),))

    def same(data: dict[str, Any]) -> None:
        data = {k: v for k, v in data.items() if k != "generated_at"}
        assert data == {k: v for k, v in expected.items() if k != "generated_at"}

    same(assess_impact(catalogue, request, scheduler="threads", workers=2).to_json())
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        seen: list[int] = []
        same(assess_impact(catalogue, request, scheduler=cluster.scheduler_address,
                           progress=seen.append).to_json())
        assert sum(seen) == expected["records_considered"] - len(expected["superseded"])


def test_a_record_changed_since_indexing_is_not_used(fleet_copy: Path, tmp_path: Path) -> None:
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalogue.rebuild(records_directories([fleet_copy / "records"]))
    entry = catalogue.find(Query(standard="CAL-01"))[0]
    with open(entry.path, "ab") as handle:
        handle.write(b"\0")
    request = ImpactRequest("CAL-01", date(2024, 1, 1), (parse_correction("DCV * +1ppm"),))
    report = assess_impact(catalogue, request, scheduler="loop", entries=[entry])
    assert report.unevaluable[0].outcome.reason is not None
    assert "changed since it was indexed" in report.unevaluable[0].outcome.reason


def test_impact_command_writes_report_audit_and_drafts(fleet_copy: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    register = str(fleet_copy / "fleet-register.toml")
    standard = standard_of_renamed_record(fleet_copy)
    code, _, err = run_cli(["catalogue", "rebuild", str(fleet_copy / "records"),
                            "--register", register, "--scheduler", "loop"], capsys)
    assert code == 0, err
    out = tmp_path / "report"
    code, text, err = run_cli(["impact", standard, "--since", "2024-01-01", "--correction",
                               CORRECTION, "--out", str(out), "--json", "--register", register,
                               "--scheduler", "loop", "--amendment-drafts", "--key",
                               str(fleet_copy / "fleet-keys" / "fleet-approver.key")], capsys)
    assert code == 1  # records that could not be re-evaluated need attention
    assert "could not be re-evaluated" in err
    data = json.loads(text)
    assert data["affected"] and data["unevaluable"]
    reports = {p.suffix: p for p in out.glob("impact-*")}
    assert set(reports) == {".html", ".csv", ".json"}
    assert json.loads(reports[".json"].read_text()) == data
    html = reports[".html"].read_text()
    assert "Changed decisions" in html and standard in html
    rows = reports[".csv"].read_text().splitlines()
    assert len(rows) - 1 == sum(len(a["changed"]) + len(a["unchanged"]) for a in data["affected"]) \
        + sum(max(1, len(u["points"])) for u in data["unevaluable"])
    recalls = [a for a in data["affected"] if a["recommendation"] == "recall"]
    drafts = sorted((out / "amendment-drafts").glob("*.toml")) if recalls else []
    assert [d.name.split(".")[0] for d in drafts] == sorted(a["record_id"] for a in recalls)
    assessed = {a["record_id"]: a for a in data["affected"] + data["unevaluable"]}
    for folder in {Path(a["file"]).parent for a in assessed.values()}:
        log = [json.loads(line) for line in (folder / "audit.log").read_text().splitlines()]
        entries = [e for e in log if e["action"] == "impact_assessed"]
        assert entries and all(e["record_id"] in assessed for e in entries)
        assert all(e["who"] == "fleet approver" and e["report"] == reports[".json"].name
                   for e in entries)
        assert verify(folder).ok, verify(folder).problems  # the chain still holds
