"""The PDF and the DCC of one record agree: both are read back and every value compared."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from metrolab.certificates import dcc_reftypes as ref

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}
PREFIXES = {"\\nano": "n", "\\micro": "µ", "\\milli": "m", "\\kilo": "k", "\\mega": "M"}
UNITS = {"\\volt": "V", "\\ampere": "A", "\\ohm": "Ω", "\\hertz": "Hz",
         "\\degreecelsius": "°C", "\\percent": "%"}


def symbol(dsi: str) -> str:
    """Return the printed symbol of a D-SI unit with at most one prefix (\\micro\\volt: µV)."""
    prefix = next((p for p in PREFIXES if dsi.startswith(p + "\\")), "")
    return PREFIXES.get(prefix, "") + UNITS[dsi.removeprefix(prefix)]


STATEMENT_WORDS = {"pass": "Pass", "conditionalPass": "Conditional pass",
                   "conditionalFail": "Conditional fail", "fail": "Fail"}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _real(quantity: ET.Element) -> dict[str, str]:
    real = quantity.find("si:real", NS)
    assert real is not None
    values = {"value": real.findtext("si:value", namespaces=NS) or "",
              "unit": real.findtext("si:unit", namespaces=NS) or ""}
    expanded = real.find("si:measurementUncertaintyUnivariate/si:expandedMU", NS)
    if expanded is not None:
        values["U"] = expanded.findtext("si:valueExpandedMU", namespaces=NS) or ""
        values["k"] = expanded.findtext("si:coverageFactor", namespaces=NS) or ""
        values["p"] = expanded.findtext("si:coverageProbability", namespaces=NS) or ""
    return values


def _name(element: ET.Element) -> str:
    return element.findtext("dcc:name/dcc:content", namespaces=NS) or ""


def limits(lower: str, upper: str, unit: str) -> str:
    """Return limits of the error as the certificate prints them: ±x when symmetric."""
    if lower == f"-{upper}":
        return f"±{upper} {unit}"
    return f"{lower} to {upper} {unit}"


def percent(fraction: str) -> str:
    """Return a probability as the certificate prints it (format_percent's rule)."""
    value = float(fraction)
    if value < 1e-6:
        return "< 0.0001 %"
    return f"{Decimal(f'{value * 100:.2g}').normalize():f} %"


def _columns(data: ET.Element) -> dict[str, tuple[list[str], list[str]]]:
    """Return {refType: (value texts, unit texts)} of the realListXMLList columns in ``data``,
    a single unit repeated for every value."""
    columns = {}
    for quantity in data.findall("dcc:quantity", NS):
        column = quantity.find("si:realListXMLList", NS)
        if column is None:
            continue
        values = (column.findtext("si:valueXMLList", namespaces=NS) or "").split()
        units = (column.findtext("si:unitXMLList", namespaces=NS) or "").split()
        columns[quantity.get("refType") or ""] = (values, units * len(values)
                                                  if len(units) == 1 else units)
    return columns


def dcc_rows(path: Path) -> list[tuple[str, list[str], list[str]]]:
    """Return (phase heading, results-table tokens, decision-details tokens) per point of
    the DCC's result tables, each column found by its refType, numbers as written."""
    rows = []
    for result_set in ET.parse(path).getroot().findall(".//dcc:measurementResult", NS):
        heading = _name(result_set)
        for result in result_set.findall("dcc:results/dcc:result", NS):
            data = result.find("dcc:data", NS)
            assert data is not None
            columns = _columns(data)
            error = data.find(f"dcc:quantity[@refType='{ref.ERROR}']", NS)
            assert error is not None
            expanded = error.find("si:realListXMLList/si:measurementUncertaintyUnivariateXMLList"
                                  "/si:expandedMUXMLList", NS)
            assert expanded is not None
            U, k = ((expanded.findtext(f"si:{name}", namespaces=NS) or "").split() for name in (
                "valueExpandedMUXMLList", "coverageFactorXMLList"))
            meta = error.find(f"dcc:measurementMetaData/dcc:metaData[@refType='{ref.CONFORMITY}']",
                              NS)
            assert meta is not None
            statements = (meta.findtext("dcc:conformityXMLList", namespaces=NS) or "").split()
            decision_data = meta.find("dcc:data", NS)
            decisions = _columns(decision_data) if decision_data is not None else {}
            function = _name(result).split(" (")[0]
            for n, statement in enumerate(statements):
                def at(ref_type: str, table: dict[str, tuple[list[str], list[str]]] = columns,
                       n: int = n) -> str:
                    return table[ref_type][0][n]

                def unit(ref_type: str, n: int = n,
                         table: dict[str, tuple[list[str], list[str]]] = columns) -> str:
                    return symbol(table[ref_type][1][n])

                nominal_tokens = [at(ref.NOMINAL), unit(ref.NOMINAL)]
                if ref.FREQUENCY in columns:
                    nominal_tokens += ["at", at(ref.FREQUENCY), unit(ref.FREQUENCY)]
                range_tokens = [at(ref.RANGE), unit(ref.RANGE)]
                e_unit = unit(ref.ERROR)
                words = STATEMENT_WORDS[statement].split()
                tolerance = limits(at(ref.TOLERANCE_LOWER), at(ref.TOLERANCE_UPPER), e_unit)
                tokens = [function, *range_tokens, *nominal_tokens,
                          at(ref.REFERENCE), unit(ref.REFERENCE),
                          at(ref.MEASURED), unit(ref.MEASURED),
                          at(ref.ERROR), e_unit, U[n], e_unit, k[n], *tolerance.split(), *words]
                acceptance = limits(at(ref.ACCEPTANCE_LOWER, decisions),
                                    at(ref.ACCEPTANCE_UPPER, decisions), e_unit)
                details = [heading.removesuffix(" results"), function, *range_tokens,
                           *nominal_tokens, *acceptance.split(), at(ref.TUR, decisions),
                           *percent(at(ref.SPECIFIC_RISK, decisions)).split(), *words]
                rows.append((heading, tokens, details))
    return rows


def test_every_result_of_the_dcc_is_the_same_row_of_the_pdf(rendered: dict[str, Path],
                                                            pdf_pages: list[str]) -> None:
    text = _flat(" ".join(pdf_pages))
    rows = dcc_rows(rendered["dcc"])
    assert len(rows) == 5
    found_at = text.index("As found results")
    left_at = text.index("As left results")
    details_at = text.index("Decision details")
    for heading, tokens, details in rows:
        row = " ".join(tokens)
        assert text.count(row) == 1, f"{heading}: {row!r} is not a row of the PDF"
        position = text.index(row)
        if heading.startswith("As found"):
            assert found_at < position < left_at
        else:
            assert left_at < position < details_at
        detail_row = " ".join(details)
        assert text.count(detail_row) == 1, f"{detail_row!r} is not a decision row of the PDF"
        assert text.index(detail_row) > details_at


def test_influence_conditions_agree(rendered: dict[str, Path], pdf_pages: list[str]) -> None:
    text = _flat(" ".join(pdf_pages))
    root = ET.parse(rendered["dcc"]).getroot()
    conditions = root.findall("dcc:measurementResults/dcc:influenceConditions/"
                              "dcc:influenceCondition", NS)
    assert [_name(c) for c in conditions] == ["Temperature", "Relative humidity"]
    for condition in conditions:
        values = [_real(q) for q in condition.findall("dcc:data/dcc:quantity", NS)]
        row = " ".join([_name(condition), *(v["value"] for v in values),
                        symbol(values[0]["unit"])])
        assert row in text


def test_identity_dates_and_traceability_agree(rendered: dict[str, Path],
                                               pdf_pages: list[str]) -> None:
    text = _flat(" ".join(pdf_pages))
    root = ET.parse(rendered["dcc"]).getroot()
    admin = "dcc:administrativeData/"
    core = admin + "dcc:coreData/"
    pairs = [
        (core + "dcc:uniqueIdentifier", "Certificate number: {}"),
        (core + "dcc:issueDate", "Date of issue {}"),
        (core + "dcc:beginPerformanceDate", "Calibration performed {} "),
        (core + "dcc:performanceLocation", "Place of calibration: {}"),
        (admin + "dcc:items/dcc:item/dcc:identifications/dcc:identification/dcc:value",
         "Serial number {}"),
        (admin + "dcc:items/dcc:item/dcc:model", "Model {}"),
        (admin + "dcc:calibrationLaboratory/dcc:contact/dcc:name/dcc:content", "{}"),
        (admin + "dcc:customer/dcc:name/dcc:content", "{}"),
        ("dcc:measurementResults/dcc:measuringEquipments/dcc:measuringEquipment/"
         "dcc:certificate/dcc:referralID", "{}"),
    ]
    for path, pattern in pairs:
        value = root.findtext(path, namespaces=NS)
        assert value, path
        assert pattern.format(value) in text, f"{path} = {value!r} not in the PDF"
    for equipment in root.findall("dcc:measurementResults/dcc:measuringEquipments/"
                                  "dcc:measuringEquipment", NS):
        row = " ".join([_name(equipment),
                        equipment.findtext("dcc:manufacturer/dcc:name/dcc:content",
                                           namespaces=NS) or "",
                        equipment.findtext("dcc:model", namespaces=NS) or "",
                        equipment.findtext("dcc:identifications/dcc:identification/dcc:value",
                                           namespaces=NS) or ""])
        assert row in text, f"equipment {row!r} not in the PDF"
    signer = [p for p in root.findall(admin + "dcc:respPersons/dcc:respPerson", NS)
              if p.findtext("dcc:mainSigner", namespaces=NS) == "true"]
    assert len(signer) == 1
    assert f"Authorised by {_name(signer[0].find('dcc:person', NS))}" in text  # type: ignore[arg-type]
