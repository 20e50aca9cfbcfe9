"""DCC import: validation with line numbers, reading by refType and by structure, the
register entry, and a lossless round trip of the DCCs metrolab itself writes."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrolab.cli import main
from metrolab.lab.standards.dcc_read import read_dcc
from metrolab.lab.standards.dcc_schemas import validate_dcc_file
from metrolab.lab.standards.errors import DccImportError
from metrolab.runner.register import Register
from metrolab.units import Quantity

from .conftest import EXAMPLES

TABLE = EXAMPLES / "calibrator_table_hybrid.dcc.xml"
SINGLE = EXAMPLES / "weight_single_value.dcc.xml"
COLUMNS = EXAMPLES / "pressure_columns_3.1.2.dcc.xml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``metrolab ARGS``; return the exit code and stdout (or the one stderr line)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    if code:
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
        return code, captured.err
    return code, captured.out


def test_table_in_hybrid_lists_is_read_by_reftype() -> None:
    imported = read_dcc(validate_dcc_file(TABLE))
    assert imported.certificate_id == "EX-CAL-2025-0042"
    assert imported.calibration_date == date(2025, 6, 4)  # endPerformanceDate
    assert imported.issue_date == date(2025, 6, 10)
    assert imported.accreditation == "D-K-99999-01-00"
    assert imported.issuer == "Example Electrical Standards Laboratory"
    assert (imported.item.model, imported.item.serial) == ("5522A", "1972905")
    nominal = [p.nominal for p in imported.points]
    assert nominal == [1.0, 10.0, -10.0, 100.0]
    # a source: correction = measured output - set value, U from the measured value
    assert [p.correction for p in imported.points] == [3.1e-06, 1.2e-05, 1.5e-05, 0.00041]
    assert [p.U for p in imported.points] == [1.2e-06, 6e-06, 6e-06, 8e-05]
    assert all(p.k == 2.0 and p.p == 0.95 and p.unit == "V" for p in imported.points)


def test_single_value_needs_and_takes_the_nominal() -> None:
    validated = validate_dcc_file(SINGLE)
    with pytest.raises(DccImportError, match="--nominal"):
        read_dcc(validated)
    (point,) = read_dcc(validated, Quantity(1000, "g")).points
    assert point.unit == "kg" and point.nominal == 1.0
    assert point.correction == pytest.approx(-2.809e-6, abs=1e-15)
    assert point.value == 0.999997191 and point.U == 3e-8


def test_column_lists_of_dcc_312_are_read_by_name(shared_schemas: Path) -> None:
    validated = validate_dcc_file(COLUMNS, shared_schemas)
    assert validated.validation.startswith("validated offline against DCC 3.1.2 with D-SI 2.1.0")
    points = read_dcc(validated).points
    # a meter: correction = reference - indication, at the indication
    assert [(p.nominal, p.value, p.correction, p.U) for p in points] == [
        (20.01, 20.0, -0.01, 0.004), (100.03, 100.002, -0.028, 0.012),
        (200.05, 199.995, -0.055, 0.024)]
    assert all(p.unit == "kPa" for p in points)


def test_schema_errors_name_their_lines(tmp_path: Path) -> None:
    text = TABLE.read_text().replace("<dcc:countryCodeISO3166_1>DE<",
                                     "<dcc:countryCodeISO3166_1>DEU<")
    text = text.replace("<si:coverageFactorXMLList>2<", "<si:coverageFactorXMLList>two<")
    bad = tmp_path / "bad.xml"
    bad.write_text(text)
    lines = text.splitlines()
    country = next(n for n, line in enumerate(lines, 1) if "DEU" in line)
    factor = next(n for n, line in enumerate(lines, 1) if ">two<" in line)
    with pytest.raises(DccImportError) as caught:
        validate_dcc_file(bad)
    message = str(caught.value)
    assert "schema errors" in message and "nothing was imported" in message
    assert f"line {country} (dcc:countryCodeISO3166_1)" in message
    assert f"line {factor} (si:coverageFactorXMLList)" in message


def test_not_well_formed_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text(TABLE.read_text().replace("</dcc:coreData>", "</dcc:coreDat>"))
    with pytest.raises(DccImportError, match=r"not well-formed XML \(line \d+"):
        validate_dcc_file(bad)


def test_an_entity_is_not_expanded(tmp_path: Path) -> None:
    text = TABLE.read_text().replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    text = text.replace("EX-CAL-2025-0042", "&x;")
    bad = tmp_path / "entity.xml"
    bad.write_text(text)
    with pytest.raises(DccImportError):
        read_dcc(validate_dcc_file(bad))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_hostile_bytes_are_refused_by_name(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.xml"
        path.write_bytes(data)
        with pytest.raises(DccImportError):
            validate_dcc_file(path)


_ROW = st.tuples(st.floats(0.001, 1000, allow_nan=False).map(lambda v: round(v, 4)),
                 st.integers(-500, 500), st.integers(1, 90))


@settings(max_examples=25, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=8, unique_by=lambda r: r[0]))
def test_generated_tables_come_back_exactly(rows: list[tuple[float, int, int]]) -> None:
    """Any table written in the hybrid/realListXMLList shape imports to the same numbers
    (values in mV in the DCC, V in the register)."""
    import tempfile

    nominal = " ".join(repr(n) for n, _, _ in rows)
    measured = " ".join(f"{n * 1000 + d / 1000:.6f}" for n, d, _ in rows)
    expanded = " ".join(f"{u / 1000}" for _, _, u in rows)
    text = TABLE.read_text()
    start = text.index("<dcc:list>")
    end = text.index("</dcc:list>") + len("</dcc:list>")
    table = f"""<dcc:list>
      <dcc:quantity refType="basic_nominalValue"><si:realListXMLList>
        <si:valueXMLList>{nominal}</si:valueXMLList><si:unitXMLList>\\volt</si:unitXMLList>
      </si:realListXMLList></dcc:quantity>
      <dcc:quantity refType="basic_measuredValue"><si:realListXMLList>
        <si:valueXMLList>{measured}</si:valueXMLList>
        <si:unitXMLList>\\milli\\volt</si:unitXMLList>
        <si:measurementUncertaintyUnivariateXMLList><si:expandedMUXMLList>
          <si:valueExpandedMUXMLList>{expanded}</si:valueExpandedMUXMLList>
          <si:coverageFactorXMLList>2</si:coverageFactorXMLList>
          <si:coverageProbabilityXMLList>0.95</si:coverageProbabilityXMLList>
        </si:expandedMUXMLList></si:measurementUncertaintyUnivariateXMLList>
      </si:realListXMLList></dcc:quantity></dcc:list>"""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.xml"
        path.write_text(text[:start] + table + text[end:])
        points = read_dcc(validate_dcc_file(path)).points
    assert [p.nominal for p in points] == [n for n, _, _ in rows]
    for point, (_, d, u) in zip(points, rows, strict=True):
        assert point.correction == pytest.approx(d * 1e-6, abs=1e-12)
        expanded = point.U
        assert expanded == pytest.approx(u * 1e-6, rel=1e-12)


def test_import_enters_the_calibration_and_keeps_the_register(
        register_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "register", "import-dcc", str(TABLE), "--register", str(register_file))
    assert code == 0, out
    assert "certificate EX-CAL-2025-0042 of 2025-06-04" in out
    assert "accreditation D-K-99999-01-00" in out
    text = register_file.read_text()
    assert text.startswith("# the lab's register (a comment that must survive an import)")
    register = Register.load(register_file)  # the certificate file's hash is checked here
    standard = next(s for s in register.standards if s.id == "CAL-5522A-01")
    assert standard.certificate_id == "EX-CAL-2025-0042"
    assert standard.calibration_date == date(2025, 6, 4)
    assert standard.due_date == date(2026, 6, 4)  # the 365-day interval is kept
    kept = register_file.parent / standard.certificate_file
    assert kept.read_bytes() == TABLE.read_bytes()
    import hashlib
    assert standard.certificate_sha256 == hashlib.sha256(TABLE.read_bytes()).hexdigest()
    (calibration,) = standard.calibrations
    assert calibration.source == "dcc" and calibration.dcc_version == "3.3.0"
    assert len(calibration.points) == 4
    raw = tomllib.loads(text)["standard"][0]["calibration"][0]
    assert raw["points"][1] == {"quantity": "DC voltage", "nominal": 10.0,
                                "correction": 1.2e-05, "U": 6e-06, "k": 2.0, "p": 0.95,
                                "value": 10.000012, "unit": "V", "phase": "as_found"}


def test_import_refusals_are_one_line_and_exit_2(
        register_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("register", "import-dcc", "--register", str(register_file))
    assert run(capsys, *base, str(TABLE))[0] == 0
    before = register_file.read_text()
    code, message = run(capsys, *base, str(TABLE))
    assert code == 2 and "already in" in message
    code, message = run(capsys, *base, str(SINGLE))
    assert code == 2 and "--nominal" in message
    code, message = run(capsys, *base, str(TABLE), "--standard", "NOPE")
    assert code == 2 and "no standard 'NOPE'" in message
    code, message = run(capsys, *base, str(TABLE), "--due", "next year")
    assert code == 2 and "--due" in message
    code, message = run(capsys, *base, str(register_file.parent / "missing.xml"))
    assert code == 2 and "cannot read it" in message
    assert register_file.read_text() == before


def test_an_older_certificate_goes_into_the_history_only(
        register_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "register", "import-dcc", str(SINGLE), "--register", str(register_file),
                    "--nominal", "1 kg", "--standard", "MASS-1KG")
    assert code == 0, out
    assert "older than its current certificate" not in out
    standard = next(s for s in Register.load(register_file).standards if s.id == "MASS-1KG")
    assert standard.calibration_date == date(2024, 9, 17)
    older = register_file.parent / "old.xml"
    shutil.copy(SINGLE, older)
    text = older.read_text().replace("EX-MASS-2024-0815", "EX-MASS-2022-0001").replace(
        "2024-09-17", "2022-09-01").replace("2024-09-16", "2022-08-31")
    older.write_text(text)
    code, out = run(capsys, "register", "import-dcc", str(older), "--register", str(register_file),
                    "--nominal", "1 kg")
    assert code == 0, out
    assert "history only" in out
    standard = next(s for s in Register.load(register_file).standards if s.id == "MASS-1KG")
    assert standard.certificate_id == "EX-MASS-2024-0815"
    assert [c.certificate_id for c in standard.calibrations] == [
        "EX-MASS-2022-0001", "EX-MASS-2024-0815"]


def test_only_dcc_3x_is_imported(tmp_path: Path) -> None:
    old = tmp_path / "old.xml"
    old.write_text(TABLE.read_text().replace('schemaVersion="3.3.0"', 'schemaVersion="2.4.0"'))
    with pytest.raises(DccImportError, match=r"not a DCC 3\.x version"):
        validate_dcc_file(old)
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><certificate xmlns="urn:x"/>')
    with pytest.raises(DccImportError, match="not a DCC"):
        validate_dcc_file(other)


def test_a_312_certificate_without_its_schema_says_what_it_was_checked_against() -> None:
    validated = validate_dcc_file(COLUMNS, None)
    assert "the certificate says 3.1.2, no schema of that version is held" in \
        validated.validation
