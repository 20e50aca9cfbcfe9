"""The PDF and the DCC of one record agree: both are read back and every value compared."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

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


def dcc_rows(path: Path) -> list[tuple[str, list[str], list[str]]]:
    """Return (phase heading, results-table tokens, decision-details tokens) per DCC result."""
    rows = []
    for result_set in ET.parse(path).getroot().findall(".//dcc:measurementResult", NS):
        heading = _name(result_set)
        for result in result_set.findall("dcc:results/dcc:result", NS):
            match = re.fullmatch(r"(\S+), range (.+), nominal .+", _name(result))
            assert match is not None, _name(result)
            function, range_text = match.groups()
            quantities = {_name(q): q for q in result.findall("dcc:data/dcc:quantity", NS)}
            nominal = _real(quantities["Nominal value"])
            unit = symbol(nominal["unit"])
            nominal_tokens = [nominal["value"], unit]
            if "Frequency" in quantities:
                frequency = _real(quantities["Frequency"])
                nominal_tokens += ["at", frequency["value"], symbol(frequency["unit"])]
            error = _real(quantities["Error"])
            e_unit = symbol(error["unit"])
            meta = quantities["Error"].find("dcc:measurementMetaData/dcc:metaData", NS)
            assert meta is not None
            conformity = meta.findtext("dcc:conformity", namespaces=NS) or ""
            pc = {_name(q): _real(q)["value"] for q in meta.findall("dcc:data/dcc:quantity", NS)}
            tolerance = limits(_real(quantities["Lower tolerance limit of error"])["value"],
                               _real(quantities["Upper tolerance limit of error"])["value"],
                               e_unit)
            tokens = [function, *range_text.split(), *nominal_tokens,
                      _real(quantities["Reference value"])["value"], unit,
                      _real(quantities["Indication"])["value"], unit,
                      error["value"], e_unit, error["U"], e_unit, error["k"],
                      *tolerance.split(), *STATEMENT_WORDS[conformity].split()]
            acceptance = limits(pc["Lower acceptance limit of error"],
                                pc["Upper acceptance limit of error"], e_unit)
            details = [heading.removesuffix(" results"), function, *range_text.split(),
                       *nominal_tokens, *acceptance.split(), pc["Test uncertainty ratio"],
                       *percent(pc["Specific risk"]).split(),
                       *STATEMENT_WORDS[conformity].split()]
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
