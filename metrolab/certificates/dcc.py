"""Render a certificate as a PTB Digital Calibration Certificate (DCC 3.3.0 XML).

Administrative data (software, the refType namespaces used, core data, item, laboratory,
responsible persons, customer, statements) is built here; the measurement results, as one
table per function with a refType on every quantity, in
:mod:`metrolab.certificates.dcc_results`. Conformity statements use the DCC vocabulary;
the decision rule is written into the statements' declaration and norm, since the DCC has
no element of its own for it. The PDF certificate of the same content is embedded as the
DCC's ``document``. The document is validated against the XSD before it is written; an
invalid document is never written.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

from metrolab import __version__
from metrolab.certificates import dcc_reftypes as ref
from metrolab.certificates import wording
from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import Approval, CertificateContent
from metrolab.certificates.dcc_results import measurement_results
from metrolab.certificates.dcc_xml import DCC_NS, NOTE_NS, SI_NS, d, text
from metrolab.certificates.errors import DccValidationError
from metrolab.certificates.pdf import pdf_bytes
from metrolab.certificates.schema import DCC_VERSION, VALIDATION_NOTE, dcc_schema

#: ISO 3166-1 user-assigned code conventionally meaning "unknown" (CLDR), written when the
#: record holds no laboratory country; the DCC then says so in a statement
UNKNOWN_COUNTRY = "ZZ"

#: DCC performanceLocation values; any other recorded location is written as "other"
_LOCATIONS = ("laboratory", "customer", "laboratoryBranch", "customerBranch", "other")



def _responsible_persons(persons: ET.Element, approval: Approval) -> None:
    """Add a respPerson per person who performed, checked or authorised the work, each
    with the statement of their verified signature (and one per other signed step)."""
    people = [(approval.performed_by, "Calibration performed", False, "sealed")]
    if approval.checked_by:
        people.append((approval.checked_by, "Results checked", False, "reviewed"))
    if approval.approved_by:
        people.append((approval.approved_by, "Certificate authorised", True, "approved"))
    signed = {(s.action, s.name): s for s in approval.signatures}
    rows = [(name, role, main, signed.pop((action, name), None))
            for name, role, main, action in people]
    rows += [(s.name, wording.SIGNED_STEPS.get(s.action, s.action), False, s)
             for s in signed.values()]
    for name, role, main, signature in rows:
        person = d(persons, "respPerson")
        text(d(person, "person"), "name", name)
        if signature is not None:
            text(person, "description", (
                f"{wording.signature_statement(signature)}. The signature covers audit-log "
                f"entry {signature.entry_hash}, which names record content SHA-256 "
                f"{signature.content_sha256}; signature (base64): {signature.signature}"))
        d(person, "role", role)
        if main:
            d(person, "mainSigner", "true")
        if signature is not None:
            d(person, "cryptElectronicSignature", "true")


def _location(parent: ET.Element, address: str) -> None:
    location = d(parent, "location")
    text(location, "further", address)


def _core_data(root: ET.Element, c: CertificateContent) -> None:
    core = d(root, "coreData")
    d(core, "countryCodeISO3166_1", c.laboratory.country_code or UNKNOWN_COUNTRY)
    d(core, "usedLangCodeISO639_1", "en")
    d(core, "mandatoryLangCodeISO639_1", "en")
    d(core, "uniqueIdentifier", c.certificate_id)
    identifications = d(core, "identifications")
    record = d(identifications, "identification", ref_type=ref.RECORD_HASH)
    d(record, "issuer", "calibrationLaboratory")
    d(record, "value", c.record_sha256)
    text(record, "name", "SHA-256 of the sealed metrolab record")
    if c.dates.receipt is not None:
        d(core, "receiptDate", c.dates.receipt.isoformat())
    d(core, "beginPerformanceDate", c.dates.performance_start.date().isoformat())
    d(core, "endPerformanceDate", c.dates.performance_end.date().isoformat())
    d(core, "performanceLocation", c.location if c.location in _LOCATIONS else "other")
    if c.dates.issue is not None:
        d(core, "issueDate", c.dates.issue.isoformat())
    if c.amendment is not None:
        changed = d(core, "reportAmendedSubstituted")
        d(changed, "typeOfChange", c.amendment.type_of_change)
        d(changed, "replacedUniqueIdentifier", c.amendment.replaces_certificate_id)
        if c.amendment.replaced_sha256:
            previous = d(core, "previousReport")
            text(previous, "referral", "metrolab sealed record of the replaced certificate")
            d(previous, "referralID", c.amendment.replaces_certificate_id)
            d(previous, "procedure", "SHA-256")
            d(previous, "value", c.amendment.replaced_sha256)


def _administrative_data(root: ET.Element, c: CertificateContent) -> None:
    admin = d(root, "administrativeData")
    software = d(d(admin, "dccSoftware"), "software")
    text(software, "name", "metrolab")
    d(software, "release", __version__)
    d(software, "type", "application")
    definitions = d(admin, "refTypeDefinitions")
    for namespace, (name, link, description) in ref.NAMESPACES.items():
        definition = d(definitions, "refTypeDefinition")
        text(definition, "name", name)
        text(definition, "description", description)
        d(definition, "namespace", namespace)
        d(definition, "link", link)
    _core_data(admin, c)
    item = d(d(admin, "items"), "item")
    text(item, "name", c.item.description or f"{c.item.manufacturer} {c.item.model}")
    if c.item.condition:
        text(item, "description", f"Condition on receipt: {c.item.condition}")
    if c.item.firmware:
        firmware = d(d(item, "installedSoftwares"), "software")
        text(firmware, "name", "Firmware")
        d(firmware, "release", c.item.firmware)
        d(firmware, "type", "firmware")
    text(d(item, "manufacturer"), "name", c.item.manufacturer)
    d(item, "model", wording.shown(c.item.model))
    serial = d(d(item, "identifications"), "identification")
    d(serial, "issuer", "manufacturer")
    d(serial, "value", wording.shown(c.item.serial))
    text(serial, "name", "Serial number")
    lab = d(admin, "calibrationLaboratory")
    if c.laboratory.accreditation:
        d(lab, "calibrationLaboratoryCode", c.laboratory.accreditation)
    contact = d(lab, "contact")
    text(contact, "name", c.laboratory.name)
    _location(contact, c.laboratory.address)
    _responsible_persons(d(admin, "respPersons"), c.approval)
    customer = d(admin, "customer")
    text(customer, "name", c.customer.name)
    _location(customer, c.customer.address)
    statements = d(admin, "statements")
    for note in c.notes:
        text(d(statements, "statement", ref_type=ref.NOTE), "declaration", note)
    rule = d(statements, "statement", ref_type=ref.DECISION_RULE)
    text(rule, "name", "Decision rule")
    d(rule, "norm", "ILAC-G8:09/2019")
    text(rule, "declaration", wording.decision_rule_statement(c))
    trace = d(statements, "statement", ref_type=ref.TRACEABILITY)
    text(trace, "name", "Metrological traceability")
    d(trace, "traceable", "true" if all(s.in_date for s in c.standards) else "false")
    text(trace, "declaration", wording.traceability_statement(c))
    missing = wording.missing_statement(c)
    if missing:
        text(d(statements, "statement", ref_type=ref.NOTE), "declaration", missing)
    if not c.laboratory.country_code:
        text(d(statements, "statement", ref_type=ref.NOTE), "declaration",
             f"The record does not state the laboratory's country; the country code "
             f"{UNKNOWN_COUNTRY} (unknown) is given.")
    for notice in c.notices:
        text(d(statements, "statement", ref_type=ref.NOTE), "declaration", notice)
    amendment = wording.amendment_statement(c)
    if amendment:
        text(d(statements, "statement", ref_type=ref.REVISION), "declaration", amendment)


def dcc_tree(content: CertificateContent, pdf: bytes) -> ET.Element:
    """Return the DCC of ``content`` as an ElementTree root element (not yet validated).

    ``pdf`` is the human-readable certificate, embedded as the DCC's ``document``.
    """
    root = ET.Element(f"{{{DCC_NS}}}digitalCalibrationCertificate",
                      {"schemaVersion": DCC_VERSION})
    _administrative_data(root, content)
    measurement_results(root, content)
    note = ET.SubElement(d(root, "comment"), f"{{{NOTE_NS}}}validation")
    note.text = VALIDATION_NOTE
    document = d(root, "document")
    text(document, "name", f"{content.title} {content.certificate_id} (PDF)")
    d(document, "fileName", f"{content.certificate_id.replace('/', '_')}.pdf")
    d(document, "mimeType", "application/pdf")
    d(document, "dataBase64", base64.b64encode(pdf).decode("ascii"))
    return root


def validate_dcc(root: ET.Element) -> None:
    """Raise :class:`DccValidationError` naming the first invalid element of ``root``."""
    for error in dcc_schema().iter_errors(ET.ElementTree(root)):
        element = (error.path or "/").replace(f"{{{DCC_NS}}}", "dcc:")
        element = element.replace(f"{{{SI_NS}}}", "si:")
        reason = error.reason or error.message
        raise DccValidationError(
            f"DCC {DCC_VERSION} validation failed at {element}: {reason}; the DCC was not "
            "written (fix the record field that fills this element)",
            element=element,
        )


def dcc_bytes(content: CertificateContent, pdf: bytes | None = None) -> bytes:
    """Return the validated DCC XML of ``content`` as UTF-8 bytes.

    The PDF certificate of the same content is embedded (``pdf`` if already rendered,
    else it is rendered here). Raises :class:`DccValidationError` if the document does
    not validate.
    """
    root = dcc_tree(content, pdf_bytes(content) if pdf is None else pdf)
    ET.indent(root)
    validate_dcc(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_dcc(content: CertificateContent, path: Path, pdf: bytes | None = None) -> Path:
    """Validate, then write the DCC XML to ``path`` atomically; return ``path``.

    ``pdf`` is the already rendered PDF of ``content`` to embed (rendered here if None).
    """
    return write_atomically(Path(path), dcc_bytes(content, pdf))
