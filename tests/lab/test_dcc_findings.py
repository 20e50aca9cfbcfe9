"""Corrections read from a standard's new DCC, as metrolab's own certificate renderer wrote it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.lab.catalogue import Catalogue
from metrolab.lab.dcc_findings import dsi_to_pint, read_findings
from metrolab.lab.errors import ImpactInputError
from metrolab.lab.impact import ImpactRequest, assess_impact
from metrolab.lab.recalibration import simulate_recalibration
from metrolab.units import Quantity

OFFSETS = {"DCV-10V": 150e-6, "DCV--10V": -40e-6, "RES4-10kohm": 0.5}


@pytest.fixture(scope="module")
def certificate(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recal")
    for name in ("fleet-register.toml", "fleet-keys"):
        source = fleet / name
        target = folder / name
        if source.is_dir():
            target.mkdir()
            for item in source.iterdir():
                (target / item.name).write_bytes(item.read_bytes())
                (target / item.name).chmod(0o600)
        else:
            target.write_bytes(source.read_bytes())
    return simulate_recalibration(folder, "1972901", date(2026, 6, 20), OFFSETS, seed=1)


@pytest.mark.parametrize(("text", "unit"), [
    (r"\volt", "V"), (r"\micro\volt", "µV"), (r"\kilo\ohm", "kΩ"), (r"\one", ""),
    (r"\metre\second\tothe{-1}", "m*s**-1"), (r"\degreecelsius", "degC")])
def test_dsi_units(text: str, unit: str) -> None:
    assert dsi_to_pint(text) == unit


@pytest.mark.parametrize("text", [r"\furlong", r"\kilo", "", r"\tothe{2}"])
def test_unknown_dsi_units_are_refused(text: str) -> None:
    with pytest.raises(ImpactInputError, match="D-SI unit"):
        dsi_to_pint(text)


def test_findings_are_the_outputs_offsets(certificate: Path) -> None:
    findings = read_findings(certificate)
    assert (findings.serial, findings.model) == ("1972901", "5522A")
    assert findings.calibration_date == date(2026, 6, 20)
    by_output = {(c.kind, float(c.value.to_base_units().magnitude)): c
                 for c in findings.corrections}
    ten = by_output[("DCV", 10.0)]
    offset, u = ten.shift(10.0, "V")
    assert abs(offset - OFFSETS["DCV-10V"]) < 3 * u  # as measured, within its uncertainty
    assert 5e-6 < u < 50e-6
    minus = by_output[("DCV", -10.0)].shift(-10.0, "V")[0]
    assert abs(minus - OFFSETS["DCV--10V"]) < 3 * u
    resistance = by_output[("RES", 1e4)]
    assert resistance.matches("RES4", Quantity(10, "kohm"), None)
    assert abs(resistance.shift(1e4, "ohm")[0] - 0.5) < 0.2


def test_certificate_and_corrections_give_one_impact(fleet_catalogue: Catalogue,
                                                     certificate: Path,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = fleet_catalogue
    findings = read_findings(certificate)
    from_certificate = assess_impact(catalogue, ImpactRequest(
        "CAL-01", date(2024, 1, 1), findings.corrections, "certificate"), scheduler="loop")
    from_text = assess_impact(catalogue, ImpactRequest(
        "CAL-01", date(2024, 1, 1), tuple(c for c in findings.corrections)), scheduler="loop")
    assert from_certificate.to_json()["affected"] == from_text.to_json()["affected"]
    assert from_certificate.affected
    with pytest.raises(SystemExit) as exit_info:
        main(["impact", "CAL-02", "--since", "2024-01-01", "--certificate", str(certificate),
              "--db", catalogue.url, "--out", str(tmp_path / "r")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "is for serial 1972901, but standard CAL-02 is serial 1972902" in err


def test_bad_certificates_are_named(certificate: Path, tmp_path: Path) -> None:
    text = tmp_path / "text.xml"
    text.write_text("not xml", encoding="utf-8")
    with pytest.raises(ImpactInputError, match="cannot read it as XML"):
        read_findings(text)
    other = tmp_path / "other.xml"
    other.write_text("<a/>", encoding="utf-8")
    with pytest.raises(ImpactInputError, match="not a Digital Calibration Certificate"):
        read_findings(other)
    tree = ET.parse(certificate)
    root = tree.getroot()
    results = root.find("{https://ptb.de/dcc}measurementResults")
    assert results is not None
    root.remove(results)
    broken = tmp_path / "broken.xml"
    tree.write(broken)
    with pytest.raises(ImpactInputError, match=r"not a valid DCC 3\.3\.0 document"):
        read_findings(broken)
