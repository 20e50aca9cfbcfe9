"""A DCC for machines: every value found by refType, read back by xmlschema's decoder and
compared with the sealed record; D-SI units checked by PTB's dsiUnits; the document valid
against the DCC and D-SI schemas of the shared reference folder, with what goes unchecked
said out loud."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from metrolab.certificates import dcc_reftypes as ref
from metrolab.certificates.dsi_units import dsi_unit
from metrolab.conformity import dcc_conformity
from metrolab.store import open_record
from metrolab.testing.dcc_reading import DccRow, dcc_results

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
RUN_ID = "ECL-2026-0001"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "dcc"


def _in(value: tuple[float, str], unit: str) -> float:
    """Return a DCC (number, D-SI unit) in the D-SI unit ``unit`` (scaled by dsiUnits)."""
    dsi = pytest.importorskip("dsi_unit")
    number, given = value
    return number * dsi.DsiUnit(unit).get_scale_factor(dsi.DsiUnit(given))


def test_every_value_u_and_decision_of_the_record_comes_back_by_reftype(
        rendered: dict[str, Path], approved_folder: Path) -> None:
    record = open_record(approved_folder / f"{RUN_ID}.h5")
    rows: dict[tuple[str, str], DccRow] = {(r.phase, r.point_id): r
                                           for r in dcc_results(rendered["dcc"])}
    assert len(rows) == len(record.points) == 5
    for point in record.points:
        row = rows[(point.phase, point.point_id)]
        assert point.error is not None and point.U is not None
        unit = dsi_unit(str(point.error.units))
        U = float(point.U.to(point.error.units).magnitude)
        half_digit = U / 20  # values are rounded to U's last digit, U to 2 digits
        assert _in(row.values[ref.ERROR], unit) == pytest.approx(point.error.magnitude,
                                                                 abs=half_digit)
        assert row.U * _in((1.0, row.values[ref.ERROR][1]), unit) == pytest.approx(U, rel=0.05)
        budget = next(iter(point.budget["outputs"].values()))
        assert row.k == pytest.approx(budget["k"], rel=5e-3)
        assert row.probability == point.budget["coverage"]
        for name, quantity in ((ref.NOMINAL, point.nominal), (ref.REFERENCE, point.reference),
                               (ref.MEASURED, point.value)):
            assert quantity is not None
            assert _in(row.values[name], dsi_unit(str(quantity.units))) == pytest.approx(
                quantity.magnitude, abs=half_digit)
        tolerance = point.result["tolerance"]
        tol_unit = dsi_unit(tolerance["unit"])
        assert _in(row.values[ref.TOLERANCE_LOWER], tol_unit) == pytest.approx(
            tolerance["lower"], abs=half_digit)
        assert _in(row.values[ref.TOLERANCE_UPPER], tol_unit) == pytest.approx(
            tolerance["upper"], abs=half_digit)
        decision = point.decision
        assert row.conformity == dcc_conformity(decision["statement"])
        assert row.decision[ref.PROBABILITY_OF_CONFORMITY][0] == pytest.approx(
            decision["probability_of_conformity"], rel=5e-4, abs=1e-12)
        assert _in(row.decision[ref.ACCEPTANCE_LOWER], tol_unit) == pytest.approx(
            decision["acceptance_lower"], abs=half_digit)
        assert row.decision[ref.TUR][0] == pytest.approx(decision["tur"], rel=5e-3)
        assert row.function == point.function


def test_every_quantity_and_statement_carries_a_declared_reftype(
        rendered: dict[str, Path]) -> None:
    root = ET.parse(rendered["dcc"]).getroot()
    declared = {e.text for e in root.findall(".//dcc:refTypeDefinition/dcc:namespace", NS)}
    assert declared == {"basic", "metrolab"}
    tagged = [*root.findall(".//dcc:results//dcc:quantity", NS),
              *root.findall(".//dcc:influenceCondition", NS),
              *root.findall(".//dcc:result", NS),
              *root.findall("dcc:administrativeData/dcc:statements/dcc:statement", NS)]
    assert tagged
    for element in tagged:
        ref_type = element.get("refType")
        assert ref_type is not None, ET.tostring(element)[:120]
        assert ref_type.split("_")[0] in declared
    kinds = {e.get("refType") for e in root.iter() if e.get("refType")}
    assert {ref.MEASURED, ref.REFERENCE, ref.ERROR, ref.CONFORMITY, ref.NOMINAL,
            "basic_temperature", "basic_humidityRelative", ref.TRACEABILITY} <= kinds


def test_every_dsi_unit_string_is_valid_for_ptbs_dsiunits(rendered: dict[str, Path]) -> None:
    dsi = pytest.importorskip("dsi_unit")
    root = ET.parse(rendered["dcc"]).getroot()
    units = {e.text or "" for e in root.iter(f"{{{NS['si']}}}unit")}
    for listing in root.iter(f"{{{NS['si']}}}unitXMLList"):
        units.update((listing.text or "").split())
    assert {"\\volt", "\\micro\\volt", "\\degreecelsius", "\\percent", "\\one"} <= units
    for unit in sorted(units):
        parsed = dsi.DsiUnit(unit)
        assert parsed.valid and not parsed.warnings, (unit, parsed.warnings)
    with pytest.warns(RuntimeWarning):  # control: dsiUnits does reject a made-up unit
        assert not dsi.DsiUnit("\\furlong").valid


@pytest.mark.parametrize("unit", ["V", "mV", "uV", "nV", "kV", "A", "mA", "uA", "nA", "ohm",
                                  "kohm", "Mohm", "Gohm", "Hz", "kHz", "MHz", "degC", "K",
                                  "percent", "ppm", "hPa", "Pa", "s", "W", "F", "H", "S",
                                  "V**2", ""])
def test_metrolabs_dsi_notation_is_valid_dsi(unit: str) -> None:
    dsi = pytest.importorskip("dsi_unit")
    text = dsi_unit(unit)
    parsed = dsi.DsiUnit(text)
    assert parsed.valid and not parsed.warnings, (unit, text, parsed.warnings)


#: the si: elements of metrolab's DCCs; D-SI 2.2.1 (which DCC 3.3.0 imports) has no offline
#: copy, so these are checked against D-SI 2.2.0 in its stead
CHECKED_AGAINST_DSI_2_2_0 = {
    "real", "label", "value", "unit", "realListXMLList", "valueXMLList", "unitXMLList",
    "measurementUncertaintyUnivariateXMLList", "expandedMUXMLList", "valueExpandedMUXMLList",
    "coverageFactorXMLList", "coverageProbabilityXMLList", "distributionXMLList"}
#: elements typed by PTB's qudt/quantitykind.xsd, which has no offline copy: metrolab's DCCs
#: use none (no si:quantityTypeQUDT), so nothing passes through the stand-in unchecked
TYPED_BY_QUDT: set[str] = set()


def test_the_dcc_is_valid_against_the_shared_dcc_and_dsi_schemas(
        rendered: dict[str, Path], tmp_path: Path) -> None:
    if not (SHARED / "dcc-3.3.0" / "dcc.xsd").is_file():
        pytest.skip(f"no shared schema folder at {SHARED}")
    qudt = tmp_path / "qudt-quantitykind-unavailable.xsd"
    qudt.write_text(  # makes D-SI compile; the test below proves no element uses it
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="http://qudt.org/vocab/"><xs:simpleType name="quantitykind">'
        '<xs:restriction base="xs:string"/></xs:simpleType></xs:schema>', encoding="utf-8")
    dsig = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"
    schema = xmlschema.XMLSchema(
        str(SHARED / "dcc-3.3.0" / "dcc.xsd"),
        locations=[("https://ptb.de/si", str(SHARED / "d-si-2.2.0" / "SI_Format.xsd")),
                   ("http://www.w3.org/2000/09/xmldsig#", str(dsig)),
                   ("http://qudt.org/vocab/", str(qudt))], allow="local")
    schema.validate(str(rendered["dcc"]))
    root = ET.parse(rendered["dcc"]).getroot()
    used = {e.tag.split("}")[1] for e in root.iter() if e.tag.startswith(f"{{{NS['si']}}}")}
    assert used == CHECKED_AGAINST_DSI_2_2_0, sorted(used)
    qudt = "{http://qudt.org/vocab/}"
    qudt_typed = {name.split("}")[1] for name, element in schema.maps.elements.items()
                  if str(element.type.name or "").startswith(qudt)}
    assert qudt_typed == {"quantityTypeQUDT", "quantityTypeQUDTXMLList", "listQuantityTypeQUDT"}
    assert used & qudt_typed == TYPED_BY_QUDT
