"""Certificates name who signed the record, with role and key fingerprint; the DCC carries
the approval's signature in its administrative data, and that signature verifies."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from pypdf import PdfReader

from metrolab import store
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.issue import render_all
from metrolab.store.signing import KeyRegister, signature_valid, signed_bytes
from metrolab.testing.certificate_example import REGISTER, example_key

NS = {"dcc": "https://ptb.de/dcc"}
RUN_ID = "ECL-2026-0001"


def test_the_content_names_each_verified_signature(approved_folder: Path) -> None:
    record = approved_folder / f"{RUN_ID}.h5"
    register = KeyRegister.load(approved_folder / REGISTER)
    unchecked = content_from_record(store.open_record(record)).approval.signatures
    assert [(s.action, s.name, s.role, s.registered) for s in unchecked] == [
        ("sealed", "A. Operator", "", False), ("reviewed", "C. Checker", "", False),
        ("approved", "B. Approver", "", False)]
    checked = content_from_record(store.open_record(record, register=register)).approval
    assert [(s.action, s.name, s.role, s.registered) for s in checked.signatures] == [
        ("sealed", "A. Operator", "operator", True), ("reviewed", "C. Checker", "reviewer", True),
        ("approved", "B. Approver", "approver", True)]
    assert checked.signatures[2].fingerprint == example_key(approved_folder,
                                                           "B. Approver").fingerprint


def test_html_pdf_and_dcc_name_signers_and_fingerprints(approved_folder: Path,
                                                       tmp_path: Path) -> None:
    register = KeyRegister.load(approved_folder / REGISTER)
    paths = render_all(approved_folder / f"{RUN_ID}.h5", tmp_path, draft=False,
                       register=register)
    approver = example_key(approved_folder, "B. Approver")
    html = paths["html"].read_text(encoding="utf-8")
    grouped = " ".join(approver.fingerprint[i:i + 4] for i in range(0, 64, 4))
    assert re.search(r"This certificate was authorised for issue by B\. Approver, approver, on "
                     r"2026-03-03 \d\d:\d\d:\d\d UTC\. It is signed electronically instead of by "
                     r"hand: an Ed25519 signature .* verified with the key of fingerprint "
                     f"{grouped} " + r"\(SHA-256 of the public key\); the key is held in the "
                     "laboratory&#39;s register of signers", html)
    assert "<td>Results checked</td><td>C. Checker</td><td>reviewer</td>" in html
    assert "<th>Authorised by</th><td>B. Approver, approver on 2026-03-03" in html
    pdf = re.sub(r"\s+", "", " ".join(p.extract_text() for p in PdfReader(paths["pdf"]).pages))
    assert "authorisedforissuebyB.Approver,approver,on" in pdf
    assert pdf.count(approver.fingerprint) == 2  # the statement and the signatures table

    root = ET.parse(paths["dcc"]).getroot()
    persons = root.findall("dcc:administrativeData/dcc:respPersons/dcc:respPerson", NS)
    main = [p for p in persons if p.findtext("dcc:mainSigner", namespaces=NS) == "true"]
    assert len(main) == 1
    assert main[0].findtext("dcc:cryptElectronicSignature", namespaces=NS) == "true"
    statement = main[0].findtext("dcc:description/dcc:content", namespaces=NS) or ""
    assert approver.fingerprint in statement
    # the signature in the DCC is the one on the approval entry of the audit log
    entry_hash = re.search(r"audit-log entry ([0-9a-f]{64})", statement)
    signature = re.search(r"signature \(base64\): (\S+)$", statement)
    assert entry_hash and signature
    log = (approved_folder / "audit.log").read_text().splitlines()
    entry = next(e for e in map(json.loads, log) if e["hash"] == entry_hash.group(1))
    assert entry["action"] == "approved" and entry["who"] == "B. Approver"
    assert signature_valid(approver.public_key, signed_bytes(entry), signature.group(1))
    assert not signature_valid(approver.public_key, signed_bytes({**entry, "who": "X"}),
                               signature.group(1))
    signed = [p.findtext("dcc:role", namespaces=NS) for p in persons
              if p.findtext("dcc:cryptElectronicSignature", namespaces=NS) == "true"]
    assert signed == ["Calibration performed", "Results checked", "Certificate authorised"]
