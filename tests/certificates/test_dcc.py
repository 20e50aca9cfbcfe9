"""The Digital Calibration Certificate: DCC 3.3.0 valid, D-SI quantities, conformity, refusal."""

from __future__ import annotations

import base64
import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from metrolab.certificates.content import Conformity
from metrolab.certificates.dcc import write_dcc
from metrolab.certificates.errors import DccValidationError
from metrolab.certificates.schema import dcc_schema
from metrolab.conformity import STATEMENTS
from metrolab.testing.certificate_example import example_content

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
STAND_IN_PDF = b"%PDF-1.4 stand-in: these tests look at the XML only"


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def test_the_written_dcc_validates_against_the_packaged_xsd(rendered: dict[str, Path]) -> None:
    dcc_schema().validate(str(rendered["dcc"]))  # raises on any error
    root = _root(rendered["dcc"])
    assert root.get("schemaVersion") == "3.3.0"
    assert root.findtext("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier",
                         namespaces=NS) == "ECL-2026-0001"


def test_results_are_dsi_tables_with_expanded_uncertainty(rendered: dict[str, Path]) -> None:
    root = _root(rendered["dcc"])
    results = root.findall(".//dcc:results/dcc:result", NS)
    assert [r.findtext("dcc:name/dcc:content", namespaces=NS) for r in results] == [
        "DCV", "ACV", "DCV"]  # one table per function and phase, not one result per point
    errors = root.findall(".//dcc:result/dcc:data/dcc:quantity[@refType="
                          "'basic_measurementError']/si:realListXMLList", NS)
    assert len(errors) == 3
    points = 0
    for column in errors:
        assert column.findtext("si:unitXMLList", namespaces=NS) == "\\micro\\volt"
        expanded = column.find("si:measurementUncertaintyUnivariateXMLList/"
                               "si:expandedMUXMLList", NS)
        assert expanded is not None
        values = (column.findtext("si:valueXMLList", namespaces=NS) or "").split()
        U = [float(u) for u in (expanded.findtext("si:valueExpandedMUXMLList",
                                                  namespaces=NS) or "").split()]
        k = [float(v) for v in (expanded.findtext("si:coverageFactorXMLList",
                                                  namespaces=NS) or "").split()]
        assert len(values) == len(U) == len(k) >= 1
        assert all(1 <= u < 1000 for u in U) and all(v >= 1.96 for v in k)
        assert (expanded.findtext("si:coverageProbabilityXMLList", namespaces=NS) or "") \
            .split() == ["0.95"] * len(U)
        points += len(values)
    assert points == 5


def test_as_found_and_as_left_are_marked_before_and_after_adjustment(
        rendered: dict[str, Path]) -> None:
    root = _root(rendered["dcc"])
    status = {
        result.get("id"): result.findtext("dcc:influenceConditions/dcc:influenceCondition/"
                                          "dcc:status", namespaces=NS)
        for result in root.findall(".//dcc:measurementResult", NS)
    }
    assert status == {"as_found": "beforeAdjustment", "as_left": "afterAdjustment"}


def test_equipment_and_influence_conditions_are_listed(rendered: dict[str, Path]) -> None:
    root = _root(rendered["dcc"])
    equipment = root.find(".//dcc:measuringEquipments/dcc:measuringEquipment", NS)
    assert equipment is not None
    assert equipment.findtext("dcc:certificate/dcc:referralID", namespaces=NS) == "PTB-2025-0815"
    assert equipment.findtext("dcc:certificate/dcc:value", namespaces=NS) == "3f" * 32
    assert equipment.findtext("dcc:certificate/dcc:inValidityRange", namespaces=NS) == "true"
    names = [e.findtext("dcc:name/dcc:content", namespaces=NS) for e in root.findall(
        ".//dcc:measuringEquipments/dcc:measuringEquipment", NS)]
    assert names == ["Multifunction calibrator", "Hygrometer"]
    firmware = root.find(".//dcc:items/dcc:item/dcc:installedSoftwares/dcc:software", NS)
    assert firmware is not None and firmware.findtext("dcc:release", namespaces=NS) == "11-5-2"
    units = [real.findtext("si:unit", namespaces=NS) for real in root.findall(
        "dcc:measurementResults/dcc:influenceConditions//si:real", NS)]
    assert units == ["\\degreecelsius"] * 3 + ["\\percent"] * 3


def test_the_mismatched_dsi_version_is_stated_in_the_dcc(rendered: dict[str, Path]) -> None:
    text = rendered["dcc"].read_text(encoding="utf-8")
    assert "D-SI 2.2.0 standing in for the D-SI 2.2.1" in text


@pytest.mark.parametrize("statement", STATEMENTS)
def test_each_statement_maps_one_to_one_onto_the_dcc_vocabulary(statement: str,
                                                                tmp_path: Path) -> None:
    content = example_content()
    point = content.results[0]
    assert point.conformity is not None
    changed: Conformity = dataclasses.replace(point.conformity,
                                              statement=statement)  # type: ignore[arg-type]
    content = dataclasses.replace(
        content, results=(dataclasses.replace(point, conformity=changed),))
    path = write_dcc(content, tmp_path / "c.xml", pdf=STAND_IN_PDF)
    conformity = _root(path).findtext(".//dcc:metaData[@refType='basic_conformity']/"
                                      "dcc:conformityXMLList", namespaces=NS)
    expected = {"pass": "pass", "conditional_pass": "conditionalPass",
                "conditional_fail": "conditionalFail", "fail": "fail"}[statement]
    assert conformity == expected


def test_an_invalid_dcc_is_not_written_and_the_error_names_the_element(tmp_path: Path) -> None:
    content = example_content()
    content = dataclasses.replace(
        content, laboratory=dataclasses.replace(content.laboratory, country_code="Germany"))
    target = tmp_path / "c.xml"
    with pytest.raises(DccValidationError) as caught:
        write_dcc(content, target, pdf=STAND_IN_PDF)
    assert "countryCodeISO3166_1" in caught.value.element
    assert "countryCodeISO3166_1" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_record_without_laboratory_country_says_so(tmp_path: Path) -> None:
    content = example_content()
    content = dataclasses.replace(
        content, laboratory=dataclasses.replace(content.laboratory, country_code=""))
    root = _root(write_dcc(content, tmp_path / "c.xml", pdf=STAND_IN_PDF))
    assert root.findtext("dcc:administrativeData/dcc:coreData/dcc:countryCodeISO3166_1",
                         namespaces=NS) == "ZZ"
    declarations = [e.text for e in root.findall(
        "dcc:administrativeData/dcc:statements/dcc:statement/dcc:declaration/dcc:content", NS)]
    assert any("does not state the laboratory's country" in (d or "") for d in declarations)


def test_the_dcc_embeds_the_very_pdf_that_was_written(rendered: dict[str, Path]) -> None:
    document = _root(rendered["dcc"]).find("dcc:document", NS)
    assert document is not None
    assert document.findtext("dcc:mimeType", namespaces=NS) == "application/pdf"
    assert document.findtext("dcc:fileName", namespaces=NS) == "ECL-2026-0001.pdf"
    embedded = base64.b64decode(document.findtext("dcc:dataBase64", namespaces=NS) or "")
    assert embedded == rendered["pdf"].read_bytes()


def test_empty_identity_fields_are_named_and_the_dcc_stays_valid(tmp_path: Path) -> None:
    content = example_content()
    content = dataclasses.replace(
        content, customer=dataclasses.replace(content.customer, name="", address=""),
        item=dataclasses.replace(content.item, serial="", model=""))
    root = _root(write_dcc(content, tmp_path / "c.xml", pdf=STAND_IN_PDF))
    item = root.find("dcc:administrativeData/dcc:items/dcc:item", NS)
    assert item is not None
    assert item.findtext("dcc:model", namespaces=NS) == "not recorded"
    declarations = " ".join(e.text or "" for e in root.findall(
        "dcc:administrativeData/dcc:statements/dcc:statement/dcc:declaration/dcc:content", NS))
    assert ("Not recorded (amend the record to complete them): customer name, customer "
            "address, item model, item serial number.") in declarations
