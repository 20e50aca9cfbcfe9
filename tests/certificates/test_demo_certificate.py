"""The demo's certificate read as an assessor would (issue 13, ISO/IEC 17025 7.8).

``metrolab demo`` is run once; its PDF is read back with pypdf and drawn to PNG pages with
pypdfium2, its HTML read as text, and each item of the assessor's list is checked in
both: who authorised it (name, role, key fingerprint, not the operator), the statements
(as found, receipt, condition, the hygrometer's calibration, %rh), the decision rule in
words with k as applied, one rounding rule (every printed error recomputed from the
printed indication and reference), engineering units, one format for the specific risk,
no empty columns, one vector chart per function, caveats without internal references,
and the PDF's CreationDate.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from rich.console import Console

from metrolab.demo.run import APPROVER, OPERATOR, ROLES, DemoOptions, run_demo
from metrolab.store import open_record
from metrolab.store.signing import load_signing_key

pdfium = pytest.importorskip("pypdfium2")

PREFIX = {"n": -9, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6}
NUMBER = r"-?\d+(?:\.\d+)?"
#: volt, ampere, ohm (a PDF's text gives the ohm as U+2126, the HTML as U+03A9)
ROW = re.compile(rf"(?P<ref>{NUMBER}) (?P<vu>[nµmkM]?)(?P<base>[VA\u03a9\u2126]) "
                 rf"(?P<ind>{NUMBER}) (?P=vu)(?P=base) (?P<err>{NUMBER}) (?P<eu>[nµmkM]?)(?P=base) "
                 rf"(?P<U>{NUMBER}) (?P=eu)(?P=base) (?P<k>\d(?:\.\d+)?) ±")
#: what the certificate must not print: internal references and Python-style dumps
INTERNAL = ("[U]", ".md", ".toml", "§", "recollection", "check the datasheet", "guard_band.",
            "binary = True", "(k = 2)", "measurement_distribution")


@dataclass(frozen=True)
class Demo:
    """The demo's output folder, its record and the text of its PDF and HTML."""

    folder: Path
    pdf: Path
    pdf_text: str
    html_text: str


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    result = run_demo(folder, DemoOptions(seed=0), Console(quiet=True))
    assert result.run.status.status == "completed"
    pdf = result.files["pdf"]
    pages = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    page = result.files["html"].read_text(encoding="utf-8")
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1]))
    return Demo(folder, pdf, flat(pages), flat(text))


def check_text(demo: Demo, text: str) -> None:
    """Check every item of the assessor's list in ``text`` (the PDF's or the HTML's)."""
    record = open_record(next(demo.folder.glob("*.h5")))
    # authorisation: a third person, with role and key fingerprint, not the operator
    assert record.review.approved_by == APPROVER != record.run["operator"] == OPERATOR
    fingerprint = load_signing_key(APPROVER, demo.folder / "demo-keys").fingerprint
    assert (f"This certificate was authorised for issue by {APPROVER}, {ROLES[APPROVER]}, on "
            in text)
    assert "It is signed electronically instead of by hand: an Ed25519 signature" in text
    assert re.sub(r"\s", "", text).count(fingerprint) == 2  # statement and signatures table
    # statements: as found, receipt, condition, hygrometer in the traceability table, %rh
    assert "As found, no adjustment made:" in text
    received = record.run["item"]["received"]
    assert f"Date of receipt {received}" in text
    assert "Condition on receipt no visible damage; powers up and passes its self-test" in text
    assert re.search(r"hygrometer environmental conditions VAISALA HMT330 \S+ "
                     r"DEMO-CERT-HMT330-\S+ \(file SHA-256", text)
    assert re.search(r"Relative humidity [\d.]+ [\d.]+ [\d.]+ %rh", text)
    # the decision rule in words and the coverage factor as applied
    assert "Simple acceptance (ILAC-G8:09/2019, binary statement, guard band w = 0): a " \
           "result passes when its error lies within the tolerance limits" in text
    coverage = re.search(r"coverage factor k given with each result \((\S+) to (\S+), from its "
                         r"effective degrees of freedom", text)
    assert coverage is not None
    low, high = (float(k) for k in coverage.groups())
    # one rounding rule: each printed error is the printed indication less the printed
    # reference, in the error's unit, at U's decimal place
    rows = list(ROW.finditer(text))
    assert len(rows) == 36
    ks = []
    for row in rows:
        scale = PREFIX[row["vu"]] - PREFIX[row["eu"]]
        error = (Decimal(row["ind"]) - Decimal(row["ref"])).scaleb(scale)
        assert error == Decimal(row["err"]), row.group(0)
        place = Decimal(row["U"]).as_tuple().exponent
        assert Decimal(row["err"]).as_tuple().exponent == place, row.group(0)
        assert len(row["U"].replace(".", "").lstrip("0").rstrip("0")) <= 2, row.group(0)
        ks.append(float(row["k"]))
    assert min(ks) == low and max(ks) == high and high > low
    # one format for the specific risk; no empty PFA/PFR columns; no dumps, no paths
    risks = re.findall(r"(\S+ %) Pass", text.split("Decision details", 1)[1])
    assert len(risks) == 36
    assert all(re.fullmatch(r"(< 0\.0001|\d+(\.\d+)?) %", r) for r in risks)
    assert "PFA" not in text and "PFR" not in text
    for fragment in INTERNAL:
        assert fragment not in text, fragment
    # engineering units: no number starts 0.00000 (0.000000302 A is printed 302 nA)
    assert not re.search(r"(?<![\d.])-?0\.00000", text)
    # caveats in a customer's words
    assert "[1] The 1-year specification of the FLUKE 5522A (calibrator), which gives the " \
           "uncertainty of the reference values of the 36 results marked [1], has not yet " \
           "been verified against the manufacturer's published table" in text
    # one chart per function
    functions = ["DCV", "RES4", "DCI", "RES2", "ACV"]
    assert re.findall(r"Figure \d+\. (\w+): error of each point as a percentage", text) == \
        functions


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_demo_pdf_passes_the_assessor_list(demo: Demo) -> None:
    check_text(demo, demo.pdf_text)
    reader = PdfReader(demo.pdf)
    assert all(not page.images for page in reader.pages)  # charts are vector graphics
    record = open_record(next(demo.folder.glob("*.h5")))
    approved = next(step for step in record.review.history if step["action"] == "approved")
    moment = datetime.fromisoformat(str(approved["time"])).astimezone(UTC)
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"] == moment.strftime("D:%Y%m%d%H%M%S+00'00'")


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_demo_html_passes_the_assessor_list(demo: Demo) -> None:
    check_text(demo, demo.html_text)
    page = next(demo.folder.glob("*.html")).read_text(encoding="utf-8")
    assert page.count('src="data:image/svg+xml;base64,') == 5 and "image/png" not in page


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_demo_pdf_draws_to_a_few_full_pages(demo: Demo, tmp_path: Path) -> None:
    document = pdfium.PdfDocument(demo.pdf)
    assert 4 <= len(document) <= 7  # 12 pages before: 21 single-point charts took 9
    for index in range(len(document)):
        image = document[index].render(scale=1).to_pil()
        image.save(tmp_path / f"page{index + 1}.png")
        inked = float((np.asarray(image.convert("L")) < 128).mean())
        assert inked > 0.003, f"page {index + 1} is (nearly) blank"
    assert len(list(tmp_path.glob("page*.png"))) == len(document)
