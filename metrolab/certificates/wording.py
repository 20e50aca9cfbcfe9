"""Sentences that appear on every rendering of a certificate (PDF, HTML, DCC)."""

from __future__ import annotations

from datetime import date, datetime

from metrolab.certificates.content import CertificateContent, Equipment, Signatory, Standard
from metrolab.certificates.decision_rule import decision_rule_sentences

NO_ENVIRONMENT = "No environmental conditions were recorded during the calibration."


def when(moment: datetime | date | None) -> str:
    """Return ``moment`` as ISO 8601 text (dates as YYYY-MM-DD, times to the second, UTC)."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.isoformat()


#: how a certificate names each signed step of the record
SIGNED_STEPS = {"sealed": "Record sealed", "registered": "Record registered",
                "amended": "Amendment sealed", "reviewed": "Results checked",
                "approved": "Certificate authorised"}


def signature_statement(signature: Signatory) -> str:
    """Return one sentence naming a signature: step, signer, role, key fingerprint, and
    whether the key was checked against the laboratory's register."""
    role = f" ({signature.role})" if signature.role else ""
    checked = ("key held in the laboratory's register" if signature.registered
               else "key not checked against the laboratory's register")
    return (f"{SIGNED_STEPS.get(signature.action, signature.action)} by {signature.name}{role} "
            f"on {when(signature.time)}: Ed25519 signature, key fingerprint "
            f"{signature.fingerprint} (SHA-256), {checked}")


def missing_fields(content: CertificateContent) -> list[str]:
    """Return the ISO/IEC 17025 7.8.2.1 fields the record left empty, in words."""
    c = content
    fields = [
        ("laboratory name", c.laboratory.name), ("laboratory address", c.laboratory.address),
        ("customer name", c.customer.name), ("customer address", c.customer.address),
        ("item manufacturer", c.item.manufacturer), ("item model", c.item.model),
        ("item serial number", c.item.serial), ("procedure", c.method.procedure),
        ("procedure version", c.method.version), ("operator", c.approval.performed_by),
        ("date of receipt", "" if c.dates.receipt is None else c.dates.receipt.isoformat()),
        ("condition of the item on receipt", c.item.condition),
    ]
    return [name for name, value in fields if not value.strip()]


def missing_statement(content: CertificateContent) -> str | None:
    """Return the notice naming the fields the record lacks, or None if nothing is missing."""
    missing = missing_fields(content)
    if not missing:
        return None
    return f"Not recorded (amend the record to complete them): {', '.join(missing)}."


def shown(text: str) -> str:
    """Return ``text``, or "not recorded" when it is empty."""
    return text if text.strip() else "not recorded"


def traceability_statement(content: CertificateContent) -> str:
    """Return the statement of how the results are metrologically traceable (7.8.4.1 c)."""
    if not content.standards:
        return "No measurement standard is recorded for this calibration."
    text = ("The measurements are metrologically traceable to the International System of "
            "Units (SI) through the measurement standards listed, each calibrated by the "
            "issuer named under the certificate given, which was valid on the date of "
            "calibration unless stated otherwise.")
    monitors = environment_monitors(content)
    if monitors and all(m.standard is not None for m in monitors):
        text += (" The environmental conditions reported were measured with the "
                 f"{_names(monitors)} listed, calibrated as stated.")
    elif monitors:
        text += (" The environmental conditions reported were measured with the "
                 f"{_names(monitors)} listed, for which no calibration is recorded: they "
                 "are indicative only.")
    return text


def environment_monitors(content: CertificateContent) -> tuple[Equipment, ...]:
    """Return the instruments that measured the environmental conditions."""
    return tuple(e for e in content.equipment if e.role == "environment")


def _names(equipment: tuple[Equipment, ...]) -> str:
    return " and ".join(f"{e.name} ({e.manufacturer} {e.model}, serial {e.serial})"
                        for e in equipment)


def environment_statement(content: CertificateContent) -> str | None:
    """Return which instrument gave the reported conditions, or None without one."""
    monitors = environment_monitors(content)
    if not monitors or not content.environment:
        return None
    calibrated = all(m.standard is not None for m in monitors)
    return (f"Measured during the calibration with the {_names(monitors)}"
            + ("; its calibration is listed under Traceability." if calibrated else
               "; no calibration of it is recorded, so the values are indicative only."))


PURPOSE = {"standard": "reference values", "environment": "environmental conditions"}


def traceability_rows(content: CertificateContent) -> list[tuple[str, ...]]:
    """Return the traceability table: header, then one row per standard and per
    environment monitor (a monitor without a calibration says so)."""
    rows: list[tuple[str, ...]] = [("Instrument", "Used for", "Manufacturer / model", "Serial",
                                    "Calibration certificate", "Issuer", "Calibrated", "Due",
                                    "Validity")]
    for e in content.equipment:
        s = e.standard
        if s is None and e.role != "environment":
            continue
        purpose = PURPOSE.get(e.role, e.role)
        if s is None:
            rows.append((e.name, purpose, f"{e.manufacturer} {e.model}", e.serial,
                         "no calibration recorded", "—", "—", "—", "not traceable"))
            continue
        rows.append((s.name, purpose, f"{s.manufacturer} {s.model}", s.serial,
                     f"{s.certificate_id} (file SHA-256 {grouped(s.certificate_sha256)})",
                     s.issuer, when(s.calibration_date), when(s.due_date),
                     standard_validity(s)))
    return rows


def grouped(hex_text: str) -> str:
    """Return a long hexadecimal hash in groups of four, so that a reader can compare it
    and a table cell wraps it between groups, never inside one."""
    if len(hex_text) < 16 or any(c not in "0123456789abcdefABCDEF" for c in hex_text):
        return hex_text
    return " ".join(hex_text[i:i + 4] for i in range(0, len(hex_text), 4))


def adjustment_statement(content: CertificateContent) -> str:
    """Return whether the item was adjusted (7.8.4.1 d), from the phases of its results."""
    phases = content.phases()
    if phases == ("as_found",):
        return ("As found, no adjustment made: the item was calibrated in the condition in "
                "which it was received; no adjustment or repair was carried out.")
    if phases == ("as_found", "as_left"):
        return ("Adjusted: the item was adjusted after the as-found measurements; the results "
                "before adjustment (as found) and after adjustment (as left) are both "
                "reported.")
    return ("As left: the results are those after adjustment; no results before adjustment "
            "were recorded.")


def standard_validity(standard: Standard) -> str:
    """Return whether the standard's calibration was valid during the work, in words, and
    where the budgets took its value from when not from its specification."""
    used = _VALUES_USED.get(standard.values, "")
    if standard.in_date:
        return f"valid{used}"
    reason = f" (override: {standard.override_reason})" if standard.override_reason else ""
    return f"NOT valid on the performance date{reason}{used}"


#: how the budgets used a standard's calibration (``Standard.values``), as a clause
_VALUES_USED = {
    "certificate": "; its certificate's corrections and uncertainties were used in the budgets",
    "drift": "; corrections and uncertainties predicted by its drift model over its "
             "certificates were used in the budgets",
}


def rule_parameters(parameters: tuple[tuple[str, str], ...]) -> str:
    """Return decision-rule parameters as ``name = value`` text, or an empty string (the
    DCC's machine-facing declaration of each statement)."""
    return ", ".join(f"{name} = {value}" for name, value in parameters)


def decision_rule_statement(content: CertificateContent) -> str:
    """Return the statement of the decision rule applied (7.8.6.2 c), in plain language."""
    return " ".join(decision_rule_sentences(content))


def approver_signature(content: CertificateContent) -> Signatory | None:
    """Return the verified signature of the approval, or None when it has none."""
    approval = content.approval
    return next((s for s in approval.signatures
                 if s.action == "approved" and s.name == approval.approved_by), None)


def authorisation_statement(content: CertificateContent) -> str:
    """Return who authorised the certificate, in what role, and how it is signed (7.8.2.1 o)."""
    approval = content.approval
    if not approval.approved:
        return "This document has not been authorised for issue."
    signature = approver_signature(content)
    role = f", {signature.role}," if signature is not None and signature.role else ""
    text = (f"This certificate was authorised for issue by {approval.approved_by}{role} on "
            f"{when(approval.approved_at)}.")
    if signature is None:
        return text + " The authorisation carries no electronic signature."
    checked = ("the key is held in the laboratory's register of signers" if signature.registered
               else "the key was not checked against the laboratory's register of signers")
    return (text + " It is signed electronically instead of by hand: an Ed25519 signature over "
            "the approval entry of the record's audit log, which names the record's content "
            f"hash, verified with the key of fingerprint {grouped(signature.fingerprint)} "
            f"(SHA-256 of the public key); {checked}.")


def amendment_statement(content: CertificateContent) -> str | None:
    """Return the sentence naming the certificate this one replaces, or None."""
    amendment = content.amendment
    if amendment is None:
        return None
    verb = "amends" if amendment.type_of_change == "amended" else "replaces"
    changes = f" Changes: {'; '.join(amendment.changes)}." if amendment.changes else ""
    return (
        f"This certificate {verb} certificate {amendment.replaces_certificate_id}, which is "
        f"withdrawn. Reason: {amendment.reason}.{changes}"
    )


def end_mark(content: CertificateContent) -> str:
    """Return the end-of-certificate mark, which names the certificate."""
    return f"End of certificate {content.certificate_id}"
