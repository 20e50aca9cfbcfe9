"""A DCC that metrolab's own ``report --dcc`` wrote imports losslessly: every number of
every result (nominal, reference, indication, error, U, k, p, tolerance limits, range,
frequency, as-found/as-left) comes back into the register, checked against an
independent reading of the same XML with ElementTree and against the sealed record."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from metrolab.certificates import render_all
from metrolab.lab.standards.dcc_read import read_dcc
from metrolab.lab.standards.dcc_schemas import validate_dcc_file
from metrolab.store import open_record
from metrolab.testing.certificate_example import write_example_record
from metrolab.units import Quantity

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
_UNITS = {"\\volt": "V", "\\milli\\volt": "mV", "\\micro\\volt": "uV", "\\hertz": "Hz",
          "\\kilo\\hertz": "kHz"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("roundtrip")
    record = write_example_record(folder)
    return record, render_all(record, folder, draft=False)["dcc"]


#: the label each column of a result table is read under here, by its refType as written
_COLUMNS = {"basic_nominalValue": "nominal", "basic_referenceValue": "reference",
            "basic_measuredValue": "indication", "basic_measurementError": "error",
            "metrolab_toleranceLimitLower": "tolerance",
            "metrolab_toleranceLimitUpper": "tolerance_upper",
            "metrolab_frequency": "frequency", "metrolab_range": "range"}


def _words(element: ET.Element, path: str) -> list[str]:
    return (element.findtext(path, namespaces=NS) or "").split()


def _independent(dcc: Path) -> list[dict[str, tuple[float, str, dict[str, float]]]]:
    """Return per point {label: (value, unit, {U, k, p})}, read with ElementTree from the
    result tables (one si:realListXMLList column per quantity, one value per point)."""
    rows = []
    for result_set in ET.parse(dcc).getroot().iterfind(
            "dcc:measurementResults/dcc:measurementResult", NS):
        for result in result_set.iterfind("dcc:results/dcc:result", NS):
            table: list[dict[str, tuple[float, str, dict[str, float]]]] = []
            for quantity in result.iterfind("dcc:data/dcc:quantity", NS):
                label = _COLUMNS.get(quantity.get("refType") or "")
                column = quantity.find("si:realListXMLList", NS)
                if label is None or column is None:
                    continue
                values = _words(column, "si:valueXMLList")
                units = _words(column, "si:unitXMLList")
                units = units * len(values) if len(units) == 1 else units
                mu = "si:measurementUncertaintyUnivariateXMLList/si:expandedMUXMLList/si:"
                uncertainty = [_words(column, mu + name) for name in (
                    "valueExpandedMUXMLList", "coverageFactorXMLList",
                    "coverageProbabilityXMLList")]
                while len(table) < len(values):
                    table.append({"_phase": (0.0, str(result_set.get("id")), {})})
                for n, (value, unit) in enumerate(zip(values, units, strict=True)):
                    extra = {} if not uncertainty[0] else {
                        key: float(numbers[n] if len(numbers) > 1 else numbers[0])
                        for key, numbers in zip("Ukp", uncertainty, strict=True)}
                    table[n][label] = (float(value), _UNITS[unit], extra)
            rows += table
    return rows


def _in(value: float, unit: str, target: str = "V") -> float:
    return float(Quantity(value, unit).to(target).magnitude)


def test_every_number_comes_back(rendered: tuple[Path, Path]) -> None:
    _, dcc = rendered
    imported = read_dcc(validate_dcc_file(dcc))
    expected = _independent(dcc)
    assert len(imported.points) == len(expected) == 5
    for point, row in zip(imported.points, expected, strict=True):
        assert point.unit == "V"
        assert point.phase == row["_phase"][1]
        assert point.nominal == _in(*row["nominal"][:2])
        assert point.value == _in(*row["reference"][:2])
        assert point.indication == _in(*row["indication"][:2])
        error_value, error_unit, unc = row["error"]
        assert point.correction == pytest.approx(-_in(error_value, error_unit), rel=1e-14)
        assert pytest.approx(_in(unc["U"], error_unit), rel=1e-14) == point.U
        assert (point.k, point.p) == (unc["k"], unc["p"])
        lower, upper = _in(*row["tolerance"][:2]), _in(*row["tolerance_upper"][:2])
        assert point.tolerance == pytest.approx(upper, rel=1e-14)
        assert lower == pytest.approx(-upper, rel=1e-14)  # symmetric: one ± limit holds both
        if "frequency" in row:
            assert point.frequency == _in(*row["frequency"][:2], target="Hz")
        else:
            assert point.frequency is None


def test_the_import_agrees_with_the_sealed_record(rendered: tuple[Path, Path]) -> None:
    record_path, dcc = rendered
    imported = read_dcc(validate_dcc_file(dcc))
    record = open_record(record_path)
    assert imported.certificate_id == record.certificate_id
    assert imported.issuer == record.run["laboratory"]["name"]
    assert imported.accreditation == record.run["laboratory"]["accreditation"]
    assert (imported.item.model, imported.item.serial) == (record.run["item"]["model"],
                                                          record.run["item"]["serial"])
    by_key = {(p.phase, p.function, p.nominal): p for p in imported.points}
    for point in record.points:
        got = by_key[(point.phase, point.function, float(point.nominal.to("V").magnitude))]
        assert got.range == float(point.range.to("V").magnitude)
        # the DCC reports rounded numbers (U to two significant digits): equal within them
        assert got.correction == pytest.approx(-point.error.to("V").magnitude,
                                               abs=got.U / 20)
        assert pytest.approx(point.U.to("V").magnitude, rel=0.05) == got.U


def test_the_labs_own_record_enters_the_history(rendered: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The same calibration entered from the approved record and from its DCC gives the
    same points (the record's unrounded numbers agree with the DCC's within rounding)."""
    from metrolab.cli import main
    from metrolab.runner.register import Register

    record_path, dcc = rendered
    register = tmp_path / "register.toml"
    register.write_text('[[standard]]\nid = "DMM-REF"\nrole = "dmm"\nmanufacturer = "*"\n'
                        'model = "34401A"\nserial = "MY41000123"\ncertificate_id = "OLD"\n'
                        "calibration_date = 2025-03-01\ndue_date = 2026-03-01\n")
    main(["register", "import-record", str(record_path), "--register", str(register)])
    assert "now its current certificate; due 2027-03-02" in capsys.readouterr().out
    (calibration,) = Register.load(register).standards[0].calibrations
    assert calibration.source == "record"
    assert calibration.certificate_sha256 == open_record(record_path).sha256
    from_dcc = read_dcc(validate_dcc_file(dcc)).points
    assert len(calibration.points) == len(from_dcc) == 5
    for mine, theirs in zip(calibration.points, from_dcc, strict=True):
        assert (mine.phase, mine.function, mine.nominal, mine.frequency, mine.range) == (
            theirs.phase, theirs.function, theirs.nominal, theirs.frequency, theirs.range)
        assert mine.correction == pytest.approx(theirs.correction, abs=theirs.U / 20)
        assert mine.tolerance == pytest.approx(theirs.tolerance, rel=1e-12)
    with pytest.raises(SystemExit) as exited:  # the same record twice
        main(["register", "import-record", str(record_path), "--register", str(register)])
    assert exited.value.code == 2
