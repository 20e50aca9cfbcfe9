"""An amended record gives a certificate that names the certificate it replaces (7.8.8)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from metrolab import store
from metrolab.certificates.issue import render_all
from metrolab.clock import VirtualClock
from metrolab.testing.certificate_example import example_key

NS = {"dcc": "https://ptb.de/dcc"}


def test_the_amended_certificate_names_the_one_it_replaces(approved_record: Path,
                                                           tmp_path: Path) -> None:
    original = store.open_record(approved_record)
    clock = VirtualClock(datetime(2026, 4, 1, tzinfo=UTC).timestamp())  # after the run
    signer = example_key(approved_record.parent, "B. Approver")
    amended = store.amend(approved_record, signer=signer, reason="customer name misspelt",
                          changes={"customer.name": "ACME Instruments AG"}, clock=clock)
    store.review(amended, example_key(approved_record.parent, "C. Checker"), clock=clock)
    store.approve(amended, signer, clock=clock)

    paths = render_all(amended, tmp_path, draft=False)

    pages = [page.extract_text() for page in PdfReader(paths["pdf"]).pages]
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert "Certificate number: ECL-2026-0001-A1" in text
    assert ("This certificate replaces certificate ECL-2026-0001, which is withdrawn. "
            "Reason: customer name misspelt.") in text
    assert "customer.name changed from 'ACME Instruments GmbH' to 'ACME Instruments AG'" in text
    assert "ACME Instruments AG" in text
    assert all("ECL-2026-0001-A1" in page for page in pages)

    core = ET.parse(paths["dcc"]).getroot().find("dcc:administrativeData/dcc:coreData", NS)
    assert core is not None
    assert core.findtext("dcc:uniqueIdentifier", namespaces=NS) == "ECL-2026-0001-A1"
    assert core.findtext("dcc:reportAmendedSubstituted/dcc:typeOfChange",
                         namespaces=NS) == "substituted"
    assert core.findtext("dcc:reportAmendedSubstituted/dcc:replacedUniqueIdentifier",
                         namespaces=NS) == "ECL-2026-0001"
    assert core.findtext("dcc:previousReport/dcc:value", namespaces=NS) == original.sha256
