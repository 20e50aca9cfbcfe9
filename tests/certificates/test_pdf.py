"""The PDF certificate: renders, and carries what ISO/IEC 17025 7.8.2 and 7.8.4 require."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from metrolab import store
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.issue import render_all
from metrolab.certificates.pdf import pdf_bytes
from metrolab.certificates.plots import error_plots
from metrolab.testing.certificate_example import example_content

CERTIFICATE_ID = "ECL-2026-0001"  # the store names a first certificate after its run


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_page_rasterises_with_ink_on_it(rendered: dict[str, Path]) -> None:
    document = pdfium.PdfDocument(rendered["pdf"])
    assert len(document) >= 2
    for index in range(len(document)):
        pixels = document[index].render(scale=1).to_numpy()
        assert pixels.shape[:2] == (842, 596)  # A4 at 72 dpi
        darkest = pixels[..., :3].min(axis=-1)
        inked = np.count_nonzero(darkest < 128) / darkest.size
        assert inked > 0.003, f"page {index + 1} is (nearly) blank: {inked:.2%} inked"


def test_every_page_carries_the_id_and_page_x_of_y(pdf_pages: list[str]) -> None:
    total = len(pdf_pages)
    for number, text in enumerate(pdf_pages, start=1):
        assert f"Page {number} of {total}" in text
        assert f"Certificate {CERTIFICATE_ID}" in text
        assert "DRAFT" not in text


def test_the_end_mark_closes_the_last_page_only(pdf_pages: list[str]) -> None:
    mark = f"End of certificate {CERTIFICATE_ID}"
    assert mark in pdf_pages[-1]
    assert all(mark not in text for text in pdf_pages[:-1])


# (ISO/IEC 17025:2017 clause, text that must appear) for the example job
REQUIRED = [
    ("7.8.2.1 a title", "Calibration Certificate"),
    ("7.8.2.1 b laboratory", "Example Calibration Laboratory"),
    ("7.8.2.1 b address", "Bundesallee 100, 38116 Braunschweig, Germany"),
    ("7.8.2.1 c place", "Place of calibration: laboratory"),
    ("7.8.2.1 d unique id", f"Certificate number: {CERTIFICATE_ID}"),
    ("7.8.2.1 e customer", "ACME Instruments GmbH"),
    ("7.8.2.1 e customer address", "Hauptstrasse 1, 10115 Berlin, Germany"),
    ("7.8.2.1 f method", "Procedure: dmm-dcv-verification, version 1.0"),
    ("7.8.2.1 g item", "Digital multimeter, 6.5 digits"),
    ("7.8.2.1 g manufacturer", "Keysight"),
    ("7.8.2.1 g model", "34401A"),
    ("7.8.2.1 g serial", "MY41000123"),
    ("7.8.2.1 g firmware", "Firmware 11-5-2"),
    ("7.5.1 equipment used", "environment Hygrometer Vaisala HMT330 V1230045 5.16"),
    ("7.5.1 standard used", "standard Multifunction calibrator Fluke 5522A 1234567 1.4"),
    ("7.8.2.1 i dates performed", "2026-03-02 09:00:00 UTC to 2026-03-02"),
    ("7.8.2.1 j issue date", "Date of issue 2026-03-03"),
    ("7.8.2.1 l results relate to item", "The results relate only to the item calibrated."),
    ("7.8.2.1 n deviations", "Deviations from the method: none."),
    ("7.8.2.1 o authorised by", "This certificate was authorised for issue by B. Approver"),
    ("7.5.1 checked by", "C. Checker"),
    ("7.5.1 performed by", "A. Operator"),
    ("7.8.4.1 a uncertainty statement", "coverage factor k"),
    ("7.8.4.1 b environment", "Temperature 23.10 22.90 23.30 °C"),
    ("7.8.4.1 b humidity", "Relative humidity"),
    ("7.8.4.1 c traceability", "metrologically traceable to the International System of Units"),
    ("7.8.4.1 c standard", "PTB-2025-0815"),
    ("7.8.4.1 c issuer", "Physikalisch-Tec"),
    ("7.8.4.1 d as found", "As found results"),
    ("7.8.4.1 d as left", "As left results"),
    ("7.8.6.2 c decision rule", "Non-binary statement with a guard band w (ILAC-G8:09/2019): "
                                "pass when the error lies within the acceptance limits"),
    ("7.8.6.2 c guard band", "The guard band equals U, the expanded uncertainty of each result."),
    ("7.8.4.1 d adjustment", "Adjusted: the item was adjusted after the as-found measurements"),
    ("7.8.2.1 h receipt", "Date of receipt 2026-02-27"),
    ("7.8.2.1 g condition", "Condition on receipt no visible damage"),
    ("7.8.4.1 b hygrometer traceable", "Hygrometer environmental conditions Vaisala HMT330 "
                                       "V1230045 DKD-K-12345-2025-07"),
    ("7.8.4.1 b humidity unit", "Relative humidity 45.17 44.00 46.00 %rh"),
    ("7.8.6 statements", "Conditional fail"),
    ("7.8.4.3 no interval", "No calibration interval is recommended"),
]


@pytest.mark.parametrize(("clause", "expected"), REQUIRED, ids=[c for c, _ in REQUIRED])
def test_a_required_field_is_on_the_certificate(pdf_pages: list[str], clause: str,
                                                expected: str) -> None:
    assert expected in _flat(" ".join(pdf_pages)), f"{clause}: {expected!r} missing"


def test_results_state_U_k_and_p_in_the_measurand_unit(pdf_pages: list[str]) -> None:
    text = _flat(" ".join(pdf_pages))
    # the as-left 10 V row: values in V, error and U in µV, k from the GUM budget
    row = re.search(r"As left results .*?DCV 10 V 10 V 10\.000000 V (\S+) V (\S+) µV (\S+) µV "
                    r"(\S+) ±350 µV Pass", text)
    assert row is not None, text
    indication, error, U, k = row.groups()
    assert 10 < float(U) < 100 and float(k) >= 1.96
    assert abs(float(error)) < 350
    assert (Decimal(indication) - Decimal("10.000000")) * 10**6 == Decimal(error)
    assert "coverage probability of approximately 95 %" in text


def test_the_pdf_holds_one_vector_chart_per_function(rendered: dict[str, Path],
                                                      pdf_pages: list[str]) -> None:
    images = [image for page in PdfReader(rendered["pdf"]).pages for image in page.images]
    assert images == []  # charts are drawn as vector paths, not embedded pictures
    captions = re.findall(r"Figure (\d+)\. (\w+): error", _flat(" ".join(pdf_pages)))
    assert captions == [("1", "DCV"), ("2", "ACV")]


def test_charts_are_svg_one_per_function() -> None:
    plots = error_plots(example_content())
    assert [plot.function for plot in plots] == ["DCV", "ACV"]
    assert all(b"<svg" in plot.svg and b"<image" not in plot.svg for plot in plots)


def test_a_draft_is_marked_on_every_page_and_has_no_issue_date(reviewed_record: Path,
                                                               tmp_path: Path) -> None:
    paths = render_all(reviewed_record, tmp_path, draft=True)
    pages = [page.extract_text() for page in PdfReader(paths["pdf"]).pages]
    for number, text in enumerate(pages, start=1):
        assert "DRAFT" in text, f"page {number} has no DRAFT mark"
        assert f"Page {number} of {len(pages)}" in text
    flat = _flat(" ".join(pages))
    assert "not issued (draft)" in flat
    assert "Authorised by not approved" in flat
    assert "This document has not been authorised for issue." in flat


def test_the_same_record_gives_the_same_pdf_again(approved_folder: Path,
                                                 rendered: dict[str, Path]) -> None:
    record = store.open_record(approved_folder / f"{CERTIFICATE_ID}.h5")
    assert pdf_bytes(content_from_record(record)) == rendered["pdf"].read_bytes()


def test_fields_the_record_left_empty_are_named_on_the_certificate() -> None:
    content = example_content()
    content = replace(content, customer=replace(content.customer, name="", address=""))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(content))).pages]
    text = _flat(" ".join(pages))
    assert "Not recorded (amend the record to complete them): customer name, customer " \
           "address." in text
    assert "Customer not recorded not recorded" in text
