"""Render a certificate as a PTB Digital Calibration Certificate (DCC 3.3.0 XML).

Quantities are D-SI ``si:real`` elements: value, D-SI unit, and for results an
``expandedMU`` with coverage factor and probability. Conformity statements use the
DCC vocabulary; the decision rule is written into each statement's declaration and
norm, since the DCC has no element of its own for it. The PDF certificate of the same
content is embedded as the DCC's ``document``. The document is validated against the
XSD before it is written; an invalid document is never written.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from metrolab import __version__
from metrolab.certificates import wording
from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import Approval, CertificateContent, ResultPoint
from metrolab.certificates.errors import DccValidationError
from metrolab.certificates.pdf import pdf_bytes
from metrolab.certificates.reported import (
    ReportedPoint,
    report_point,
    reported_conditions,
)
from metrolab.certificates.schema import DCC_VERSION, VALIDATION_NOTE, dcc_schema
from metrolab.conformity import dcc_conformity

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
NOTE_NS = "urn:metrolab:dcc-note"
ET.register_namespace("dcc", DCC_NS)
ET.register_namespace("si", SI_NS)
ET.register_namespace("metrolab", NOTE_NS)

#: ISO 3166-1 user-assigned code conventionally meaning "unknown" (CLDR), written when the
#: record holds no laboratory country; the DCC then says so in a statement
UNKNOWN_COUNTRY = "ZZ"

#: DCC performanceLocation values; any other recorded location is written as "other"
_LOCATIONS = ("laboratory", "customer", "laboratoryBranch", "customerBranch", "other")


def _d(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{DCC_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _s(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SI_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    """Add a dcc:textType / richContentType element with one English content."""
    element = _d(parent, name)
    content = _d(element, "content", text)
    content.set("lang", "en")
    return element


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
        person = _d(persons, "respPerson")
        _text(_d(person, "person"), "name", name)
        if signature is not None:
            _text(person, "description", (
                f"{wording.signature_statement(signature)}. The signature covers audit-log "
                f"entry {signature.entry_hash}, which names record content SHA-256 "
                f"{signature.content_sha256}; signature (base64): {signature.signature}"))
        _d(person, "role", role)
        if main:
            _d(person, "mainSigner", "true")
        if signature is not None:
            _d(person, "cryptElectronicSignature", "true")


def _real(parent: ET.Element, label: str, value: str, dsi: str, *,
          U: str | None = None, k: str | None = None, p: str | None = None) -> ET.Element:
    real = _s(parent, "real")
    _s(real, "label", label)
    _s(real, "value", value)
    _s(real, "unit", dsi)
    if U is not None and k is not None and p is not None:
        expanded = _s(_s(real, "measurementUncertaintyUnivariate"), "expandedMU")
        _s(expanded, "valueExpandedMU", U)
        _s(expanded, "coverageFactor", k)
        _s(expanded, "coverageProbability", p)
        _s(expanded, "distribution", "normal")
    return real


def _quantity(data: ET.Element, name: str) -> ET.Element:
    quantity = _d(data, "quantity")
    _text(quantity, "name", name)
    return quantity


def _location(parent: ET.Element, address: str) -> None:
    location = _d(parent, "location")
    _text(location, "further", address)


def _ncname(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def _core_data(root: ET.Element, c: CertificateContent) -> None:
    core = _d(root, "coreData")
    _d(core, "countryCodeISO3166_1", c.laboratory.country_code or UNKNOWN_COUNTRY)
    _d(core, "usedLangCodeISO639_1", "en")
    _d(core, "mandatoryLangCodeISO639_1", "en")
    _d(core, "uniqueIdentifier", c.certificate_id)
    identifications = _d(core, "identifications")
    record = _d(identifications, "identification")
    _d(record, "issuer", "calibrationLaboratory")
    _d(record, "value", c.record_sha256)
    _text(record, "name", "SHA-256 of the sealed metrolab record")
    if c.dates.receipt is not None:
        _d(core, "receiptDate", c.dates.receipt.isoformat())
    _d(core, "beginPerformanceDate", c.dates.performance_start.date().isoformat())
    _d(core, "endPerformanceDate", c.dates.performance_end.date().isoformat())
    _d(core, "performanceLocation", c.location if c.location in _LOCATIONS else "other")
    if c.dates.issue is not None:
        _d(core, "issueDate", c.dates.issue.isoformat())
    if c.amendment is not None:
        changed = _d(core, "reportAmendedSubstituted")
        _d(changed, "typeOfChange", c.amendment.type_of_change)
        _d(changed, "replacedUniqueIdentifier", c.amendment.replaces_certificate_id)
        if c.amendment.replaced_sha256:
            previous = _d(core, "previousReport")
            _text(previous, "referral", "metrolab sealed record of the replaced certificate")
            _d(previous, "referralID", c.amendment.replaces_certificate_id)
            _d(previous, "procedure", "SHA-256")
            _d(previous, "value", c.amendment.replaced_sha256)


def _administrative_data(root: ET.Element, c: CertificateContent) -> None:
    admin = _d(root, "administrativeData")
    software = _d(_d(admin, "dccSoftware"), "software")
    _text(software, "name", "metrolab")
    _d(software, "release", __version__)
    _d(software, "type", "application")
    _core_data(admin, c)
    item = _d(_d(admin, "items"), "item")
    _text(item, "name", c.item.description or f"{c.item.manufacturer} {c.item.model}")
    if c.item.condition:
        _text(item, "description", f"Condition on receipt: {c.item.condition}")
    if c.item.firmware:
        firmware = _d(_d(item, "installedSoftwares"), "software")
        _text(firmware, "name", "Firmware")
        _d(firmware, "release", c.item.firmware)
        _d(firmware, "type", "firmware")
    _text(_d(item, "manufacturer"), "name", c.item.manufacturer)
    _d(item, "model", wording.shown(c.item.model))
    serial = _d(_d(item, "identifications"), "identification")
    _d(serial, "issuer", "manufacturer")
    _d(serial, "value", wording.shown(c.item.serial))
    _text(serial, "name", "Serial number")
    lab = _d(admin, "calibrationLaboratory")
    if c.laboratory.accreditation:
        _d(lab, "calibrationLaboratoryCode", c.laboratory.accreditation)
    contact = _d(lab, "contact")
    _text(contact, "name", c.laboratory.name)
    _location(contact, c.laboratory.address)
    _responsible_persons(_d(admin, "respPersons"), c.approval)
    customer = _d(admin, "customer")
    _text(customer, "name", c.customer.name)
    _location(customer, c.customer.address)
    statements = _d(admin, "statements")
    for note in c.notes:
        _text(_d(statements, "statement"), "declaration", note)
    rule = _d(statements, "statement")
    _text(rule, "name", "Decision rule")
    _d(rule, "norm", "ILAC-G8:09/2019")
    _text(rule, "declaration", wording.decision_rule_statement(c))
    trace = _d(statements, "statement")
    _text(trace, "name", "Metrological traceability")
    _d(trace, "traceable", "true" if all(s.in_date for s in c.standards) else "false")
    _text(trace, "declaration", wording.traceability_statement(c))
    missing = wording.missing_statement(c)
    if missing:
        _text(_d(statements, "statement"), "declaration", missing)
    if not c.laboratory.country_code:
        _text(_d(statements, "statement"), "declaration",
              f"The record does not state the laboratory's country; the country code "
              f"{UNKNOWN_COUNTRY} (unknown) is given.")
    for notice in c.notices:
        _text(_d(statements, "statement"), "declaration", notice)
    amendment = wording.amendment_statement(c)
    if amendment:
        _text(_d(statements, "statement"), "declaration", amendment)


def _equipment(parent: ET.Element, c: CertificateContent) -> None:
    if not c.equipment:
        return
    equipments = _d(parent, "measuringEquipments")
    for item in c.equipment:
        equipment = _d(equipments, "measuringEquipment")
        _text(equipment, "name", item.name)
        _text(equipment, "description", f"Role: {item.role}"
              + (f"; firmware {item.firmware}" if item.firmware else ""))
        standard = item.standard
        if standard is not None:
            certificate = _d(equipment, "certificate")
            _text(certificate, "referral", standard.issuer)
            _d(certificate, "referralID", standard.certificate_id)
            _d(certificate, "procedure", "SHA-256")
            _d(certificate, "value", standard.certificate_sha256)
            _text(certificate, "description",
                  f"calibrated {wording.when(standard.calibration_date)}, due "
                  f"{wording.when(standard.due_date)}: {wording.standard_validity(standard)}")
            _d(certificate, "inValidityRange", "true" if standard.in_date else "false")
            _d(certificate, "traceable", "true")
        _text(_d(equipment, "manufacturer"), "name", item.manufacturer)
        _d(equipment, "model", wording.shown(item.model))
        serial = _d(_d(equipment, "identifications"), "identification")
        _d(serial, "issuer", "manufacturer")
        _d(serial, "value", wording.shown(item.serial))
        _text(serial, "name", "Serial number")


def _influence_conditions(parent: ET.Element, c: CertificateContent) -> None:
    conditions = reported_conditions(c)
    if not conditions:
        return
    listing = _d(parent, "influenceConditions")
    for condition in conditions:
        element = _d(listing, "influenceCondition")
        _text(element, "name", condition.name)
        data = _d(element, "data")
        for label, value in (("Mean", condition.mean), ("Minimum", condition.minimum),
                             ("Maximum", condition.maximum)):
            _real(_quantity(data, label), label, value, condition.dsi_unit)


def _conformity(quantity: ET.Element, point: ResultPoint, row: ReportedPoint) -> None:
    """Add the statement of conformity of one result, its rule and its numbers."""
    conformity = point.conformity
    if conformity is None or row.statement is None:
        return
    meta = _d(_d(quantity, "measurementMetaData"), "metaData")
    _text(meta, "name", "Statement of conformity")
    _d(meta, "norm", "ILAC-G8:09/2019")
    parameters = wording.rule_parameters(conformity.parameters)
    _text(meta, "declaration", f"{row.statement_text} under decision rule {conformity.rule}"
          + (f" ({parameters})" if parameters else ""))
    _d(meta, "conformity", dcc_conformity(row.statement))
    data = _d(meta, "data")
    for label, value, unit in decision_quantities(row):
        if value is not None:
            _real(_quantity(data, label), label, value, unit)


def decision_quantities(row: ReportedPoint) -> list[tuple[str, str | None, str]]:
    """Return (name, reported text, D-SI unit) of every number behind a statement."""
    return [
        ("Lower acceptance limit of error", row.acceptance_lower, row.error_dsi_unit),
        ("Upper acceptance limit of error", row.acceptance_upper, row.error_dsi_unit),
        ("Probability of conformity", row.probability_of_conformity, "\\one"),
        ("Specific risk", row.specific_risk, "\\one"),
        ("Probability of false accept", row.pfa, "\\one"),
        ("Probability of false reject", row.pfr, "\\one"),
        ("Test uncertainty ratio", row.tur, "\\one"),
    ]


def _measurement_results(root: ET.Element, c: CertificateContent) -> None:
    results = _d(root, "measurementResults")
    method = _d(_d(results, "usedMethods"), "usedMethod")
    _text(method, "name", f"{c.method.procedure}, version {c.method.version}")
    deviations = "; ".join(c.method.deviations) if c.method.deviations else "none"
    _text(method, "description", f"Deviations from the method: {deviations}.")
    software = _d(_d(results, "usedSoftware"), "software")
    _text(software, "name", c.method.software_name)
    _d(software, "release", c.method.software_version or __version__)
    _d(software, "type", "application")
    _equipment(results, c)
    _influence_conditions(results, c)
    for phase in c.phases():
        points = c.results_in(phase)
        rows = [report_point(p) for p in points]
        result_set = _d(results, "measurementResult")
        result_set.set("id", phase)
        _text(result_set, "name", f"{rows[0].phase_text} results")
        adjustment = _d(_d(result_set, "influenceConditions"), "influenceCondition")
        _text(adjustment, "name", "Adjustment state")
        _d(adjustment, "status", "beforeAdjustment" if phase == "as_found" else "afterAdjustment")
        _text(_d(adjustment, "data"), "text", f"{rows[0].phase_text}: "
              + ("before any adjustment" if phase == "as_found" else "after adjustment"))
        listing = _d(result_set, "results")
        for point, row in zip(points, rows, strict=True):
            result = _d(listing, "result")
            result.set("id", _ncname(f"{phase}-{row.point_id}"))
            at = f" at {row.frequency} {row.frequency_unit}" if row.frequency else ""
            ranged = "" if point.range is None else f", range {row.range}"
            _text(result, "name", f"{row.function}{ranged}, nominal {row.nominal} {row.unit}{at}")
            data = _d(result, "data")
            _real(_quantity(data, "Nominal value"), "nominal", row.nominal, row.dsi_unit)
            if row.frequency and row.frequency_dsi_unit:
                _real(_quantity(data, "Frequency"), "frequency", row.frequency,
                      row.frequency_dsi_unit)
            _real(_quantity(data, "Reference value"), "reference", row.reference, row.dsi_unit)
            _real(_quantity(data, "Indication"), "indication", row.value, row.dsi_unit)
            error = _quantity(data, "Error")
            _real(error, "error", row.error, row.error_dsi_unit, U=row.U, k=row.k,
                  p=row.coverage_probability)
            _conformity(error, point, row)
            for label, limit in (("Lower tolerance limit of error", row.tolerance_lower),
                                 ("Upper tolerance limit of error", row.tolerance_upper)):
                if limit is not None:
                    _real(_quantity(data, label), "tolerance", limit, row.error_dsi_unit)


def dcc_tree(content: CertificateContent, pdf: bytes) -> ET.Element:
    """Return the DCC of ``content`` as an ElementTree root element (not yet validated).

    ``pdf`` is the human-readable certificate, embedded as the DCC's ``document``.
    """
    root = ET.Element(f"{{{DCC_NS}}}digitalCalibrationCertificate",
                      {"schemaVersion": DCC_VERSION})
    _administrative_data(root, content)
    _measurement_results(root, content)
    note = ET.SubElement(_d(root, "comment"), f"{{{NOTE_NS}}}validation")
    note.text = VALIDATION_NOTE
    document = _d(root, "document")
    _text(document, "name", f"{content.title} {content.certificate_id} (PDF)")
    _d(document, "fileName", f"{content.certificate_id.replace('/', '_')}.pdf")
    _d(document, "mimeType", "application/pdf")
    _d(document, "dataBase64", base64.b64encode(pdf).decode("ascii"))
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
