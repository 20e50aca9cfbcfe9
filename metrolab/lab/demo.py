"""``metrolab demo --impact``: an out-of-tolerance standard and its impact on a fleet.

Writes a simulated fleet of sealed records, calibrates one of its calibrators again
(simulated, with its DCC) and finds its 10 V output out of tolerance, indexes the fleet
in a catalogue beside the fleet's register, and runs the impact analysis from the
standard's last good calibration to the finding: the records that used it, the
decisions that change, the report, the audit entries and the amendment drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console

from metrolab.lab.fleet_plan import calibrator_half_width

#: records in the demo's fleet, and the finding on the standard's outputs (point -> offset)
DEMO_RECORDS = 48
DEMO_STANDARDS = 2
FINDING = {"DCV-10V": 250e-6, "DCV--10V": -60e-6}


@dataclass(frozen=True)
class ImpactDemo:
    """What the impact demo wrote: fleet folder, the standard's DCC, the catalogue, the
    report files and the impact result as JSON data."""

    fleet: Path
    certificate: Path
    catalogue: str
    report: Path
    data: dict[str, object]


def _busiest_window(records: int, seed: int) -> tuple[int, date, date]:
    """Return (standard, last good calibration, finding) of the calibration interval of the
    demo fleet in which a standard served the most runs."""
    from metrolab.lab.fleet_plan import plan_fleet

    plan = plan_fleet(records, standards=DEMO_STANDARDS, seed=seed)
    best = (-1, 0, date.min, date.min)
    for index, standard in enumerate(plan.standards):
        for before, after in zip(standard.calibrations, standard.calibrations[1:],
                                 strict=False):
            used = sum(r.standard == index
                       and before.calibration_date <= r.started.date() <= after.calibration_date
                       for r in plan.records)
            if used > best[0]:
                best = (used, index, before.calibration_date, after.calibration_date)
    return best[1], best[2], best[3]


def run_impact_demo(out: Path, *, seed: int = 0, records: int = DEMO_RECORDS,
                    console: Console | None = None, scheduler: str | None = None
                    ) -> ImpactDemo:
    """Run the impact demo into ``out``; print what happens; return what was written."""
    from metrolab.lab.audit_entries import log_assessment
    from metrolab.lab.catalogue import Catalogue, records_directories
    from metrolab.lab.dcc_findings import read_findings
    from metrolab.lab.fleet import simulate_fleet
    from metrolab.lab.impact import ImpactRequest, assess_impact
    from metrolab.lab.recalibration import simulate_recalibration
    from metrolab.lab.report import write_report

    console = console or Console()
    console.print(f"[bold]1.[/] A laboratory's records: simulating {records} sealed, signed "
                  f"DMM calibrations in {out / 'records'}")
    fleet = simulate_fleet(records, out, standards=DEMO_STANDARDS, seed=seed,
                           scheduler=scheduler)
    index, last_good, finding_day = _busiest_window(records, seed)
    standard = fleet.standards[index]
    console.print(f"   {fleet.records} records, {len(fleet.directories)} monthly folders, "
                  f"{fleet.seconds:.1f} s")
    console.print(f"[bold]2.[/] Calibrator {standard['register_id']} (5522A serial "
                  f"{standard['serial']}) comes back from calibration on {finding_day}: its "
                  f"10 V output was {FINDING['DCV-10V'] * 1e6:+.0f} µV high, outside its "
                  f"±{calibrator_half_width('DCV', 10.0) * 1e6:.0f} µV specification")
    certificate = simulate_recalibration(out, standard["serial"], finding_day, FINDING,
                                         seed=seed)
    console.print(f"   its new certificate (DCC): {certificate}")
    url = f"sqlite:///{out / 'catalogue.sqlite'}"
    with Catalogue.open(url) as catalogue:
        console.print(f"[bold]3.[/] Indexing the records (each verified first) in {url}")
        catalogue.rebuild(records_directories([out / "records"]),
                          register=str(fleet.register))
        findings = read_findings(certificate)
        request = ImpactRequest(standard["register_id"], last_good, findings.corrections,
                                f"certificate {findings.certificate_id}", finding_day)
        console.print(f"[bold]4.[/] Impact of the finding on every record that used "
                      f"{standard['register_id']} from its last good calibration "
                      f"({last_good}) to the finding ({finding_day})")
        report = assess_impact(catalogue, request, scheduler=scheduler)
    files = write_report(report, out / "impact", drafts=True)
    logged, _ = log_assessment(report, files.json)
    data = report.to_json()
    summary = data["summary"]
    assert isinstance(summary, dict)
    console.print(f"   {data['records_considered']} record(s) used it; {summary['affected']} "
                  f"re-evaluated; {summary['with_changed_decisions']} with changed "
                  f"decisions; {summary['to_recall']} certificate(s) to recall; "
                  f"{summary['unevaluable']} could not be re-evaluated (the report says why)")
    for assessed in report.changed:
        for change in assessed.outcome.changes:
            if change.changed:
                console.print(f"   {assessed.entry.record_id} {change.point_id}: "
                              f"{change.change} ({assessed.recommendation})")
    console.print(f"   report: {files.html}")
    console.print(f"   amendment drafts: {len(files.drafts)}; audit entries: {logged}")
    return ImpactDemo(out, certificate, url, files.html, data)
