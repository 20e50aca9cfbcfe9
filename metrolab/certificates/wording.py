"""Sentences that appear on every rendering of a certificate (PDF, HTML, DCC)."""

from __future__ import annotations

from datetime import date, datetime

from metrolab.certificates.content import CertificateContent, Signatory, Standard

UNCERTAINTY_STATEMENT = (
    "The reported expanded uncertainty U is the standard uncertainty of measurement "
    "multiplied by the coverage factor k, which for a normal distribution corresponds to "
    "the stated coverage probability. It was evaluated according to JCGM 100:2008 (GUM). "
    "Values and uncertainties are in the unit of the measurand."
)

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
    return (
        "The measurements are metrologically traceable to the International System of Units "
        "(SI) through the measurement standards listed, each calibrated by the issuer named "
        "under the certificate given, which was valid on the date of calibration unless "
        "stated otherwise."
    )


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
    """Return decision-rule parameters as ``name = value`` text, or an empty string."""
    return ", ".join(f"{name} = {value}" for name, value in parameters)


def decision_rule_statement(content: CertificateContent) -> str:
    """Return the statement of the decision rule applied (7.8.6.2 c).

    Besides the rule agreed for the job it gives the parameters the decisions were made
    with (guard band, treatment of a value on a limit, risk method), when they are the
    same for every point.
    """
    rule = content.decision_rule
    parameters = rule_parameters(rule.parameters)
    text = f"Decision rule: {rule.description}" + (f" ({parameters})" if parameters else "")
    applied = {p.conformity.parameters for p in content.results if p.conformity is not None}
    if len(applied) == 1:
        (only,) = applied
        if only:
            text += f". Applied with: {rule_parameters(only)}"
    return text + "."


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
