"""The whole DMM verification against the simulated bench over TCP and ptys (``metrolab demo``).

One full run carries two injected DUT errors: exactly the points they affect fail, every
other point passes, and the record, its approval and the certificate are all there.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import pytest
from rich.console import Console

from metrolab.cli import main
from metrolab.demo.run import DemoOptions, run_demo
from metrolab.store import open_record, verify
from metrolab.store import verification as verification_module
from metrolab.store.writer import RecordWriter

#: +60 ppm on the 10 V range: 600 µV at ±10 V against a ±400 µV limit, nothing at 0 V.
#: +2 Ω offset on the 4-wire 10 kΩ range: fails its gain point (±1.1 Ω) and its zero
#: (±0.1 Ω); 2-wire resistance on the same range is another function and still passes.
ERRORS = ("DCV 10V gain=+60ppm", "RES4 10kohm offset=2ohm")
AFFECTED = {"DCV-10V", "DCV--10V", "RES4-10kohm", "ZERO-RES4-10kohm"}


@pytest.mark.slow
@pytest.mark.timeout(400)  # a full run; a loaded CI box needs more than the default 120 s
def test_demo_fails_exactly_the_points_an_injected_dut_error_affects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifests: Counter[str] = Counter()
    read_back, written = verification_module.manifest, RecordWriter.manifest

    def reading(*args: Any) -> Any:
        manifests["read back"] += 1
        return read_back(*args)

    def writing(self: RecordWriter) -> Any:
        manifests["written"] += 1
        return written(self)

    monkeypatch.setattr(verification_module, "manifest", reading)
    monkeypatch.setattr(RecordWriter, "manifest", writing)
    result = run_demo(tmp_path, DemoOptions(seed=11, dut_errors=ERRORS),
                      Console(quiet=True)).run
    # sealed, reviewed, approved and certified: its digests computed once, while writing
    assert manifests == Counter({"written": 1})
    assert result.status.status == "completed"
    assert verify(result.record).ok
    record = open_record(result.record)
    statements = {p.point_id: p.decision["statement"] for p in record.points}
    assert len(statements) >= 30
    assert {p for p, s in statements.items() if s != "pass"} == AFFECTED
    assert all(p.readings.shape == (10,) for p in record.points)
    assert record.review.state == "approved"
    standards = [i for i in record.instruments if i.get("role") == "standard"]
    assert standards and standards[0]["traceability"]["certificate_id"].startswith("DEMO-CERT")
    for standard in standards:  # the hash of the demo certificate file the demo wrote
        trace = standard["traceability"]
        file = tmp_path / "demo-certificates" / f"{trace['certificate_id']}.txt"
        assert trace["certificate_sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert "fictitious" in record.run["customer"]["name"]
    # the run's decision rule states no single k (it said 2.0): each decision has its own
    rule = record.run["decision_rule"]["parameters"]
    assert "k" not in rule and "effective degrees of freedom" in rule["coverage_factor"]
    assert len({p.decision["k"] for p in record.points if p.decision}) > 1
    assert record.run["laboratory"]["country"] == "DE"
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "not recorded" not in html and "Demo Customer Ltd" in html
    # simulated instruments on a virtual clock: the record says so, the certificate too
    assert record.run["simulation"]["simulated"] and record.run["clock"]["kind"] == "virtual"
    assert '<div class="watermark">SIMULATED</div>' in html and "virtual clock" in html
    # every point's reference uncertainty comes from the unverified 5522A 1-year table,
    # the AC points' limits from the unverified 34401A AC rows: the certificate says so
    assert all(p.result["caveats"] for p in record.points)
    assert html.count("has not yet been verified against the manufacturer") >= 2
    assert "specification of the HEWLETT-PACKARD 34401A (the item calibrated)" in html
    assert "unverified data" not in html  # the record's wording, with its source, stays there
    assert "<td>ACV [1] [2]</td>" in html and "<td>DCV [1]</td>" in html
    assert "<dcc:countryCodeISO3166_1>DE</dcc:countryCodeISO3166_1>" in next(
        tmp_path.glob("*.dcc.xml")).read_text(encoding="utf-8")
    for suffix in (".pdf", ".html", ".dcc.xml"):
        assert len(list(tmp_path.glob(f"*{suffix}"))) == 1
    # the hour of warm-up passed on the virtual clock, not on the wall clock
    started = datetime.fromisoformat(record.run["started_at"])
    ended = datetime.fromisoformat(record.run["ended_at"])
    assert (ended - started).total_seconds() > 3600
    # review and approval come after the calibration ended, on the same clock
    assert record.review.when is not None
    assert datetime.fromisoformat(record.review.when) >= ended
    # a few hundred objects at most, and the NeXus validator has nothing to say
    with h5py.File(result.record, "r") as handle:
        names: list[str] = []
        handle.visit(names.append)
    assert len(names) < 300, len(names)
    nexus = pytest.importorskip("metrolab.testing.nexus_checks")
    pytest.importorskip("nexusformat")
    assert nexus.nexus_report(result.record).clean


def test_bad_dut_error_syntax_is_one_line_and_exit_2(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path), "--dut-error", "DCV 7V gain=+60ppm"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "no 7 V range" in err
