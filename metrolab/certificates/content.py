"""What a calibration certificate says, independent of how it is rendered.

The PDF, the HTML page and the DCC XML are all drawn from one
:class:`CertificateContent`, so they cannot disagree about a value. The fields follow
the ISO/IEC 17025:2017 7.8.2.1 and 7.8.4 checklist (records.md 1h). Quantities carry
pint units; dates and times are timezone-aware :class:`~datetime.datetime` objects
in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import pint

Phase = Literal["as_found", "as_left"]
Statement = Literal["pass", "conditional_pass", "conditional_fail", "fail"]

#: human wording of each conformity statement (vocabulary of metrolab.conformity)
STATEMENT_TEXT: dict[str, str] = {
    "pass": "Pass",
    "conditional_pass": "Conditional pass",
    "conditional_fail": "Conditional fail",
    "fail": "Fail",
}

#: human wording of each phase
PHASE_TEXT: dict[str, str] = {"as_found": "As found", "as_left": "As left"}


@dataclass(frozen=True, slots=True)
class Party:
    """A laboratory or customer: name, postal address, optional contact line."""

    name: str
    address: str
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Laboratory:
    """The calibration laboratory that issues the certificate."""

    name: str
    address: str
    accreditation: str = ""
    country_code: str = ""  # ISO 3166-1 alpha-2, needed by the DCC


@dataclass(frozen=True, slots=True)
class Item:
    """The item calibrated, identified unambiguously."""

    manufacturer: str
    model: str
    serial: str
    description: str = ""
    condition: str = ""
    firmware: str = ""
    asset: str = ""  # the laboratory's asset number of the item


@dataclass(frozen=True, slots=True)
class Dates:
    """Dates of the job: receipt (if known), performance start/end, issue (None for a draft)."""

    performance_start: datetime
    performance_end: datetime
    issue: date | None = None
    receipt: date | None = None


@dataclass(frozen=True, slots=True)
class Method:
    """The procedure followed and anything that differed from it."""

    procedure: str
    version: str
    deviations: tuple[str, ...] = ()
    software_name: str = "metrolab"
    software_version: str = ""
    config_hash: str = ""


@dataclass(frozen=True, slots=True)
class InfluenceCondition:
    """One environmental quantity over the run: mean, minimum and maximum."""

    name: str
    mean: pint.Quantity
    minimum: pint.Quantity
    maximum: pint.Quantity


@dataclass(frozen=True, slots=True)
class Standard:
    """A measurement standard used, with the calibration that makes it traceable."""

    name: str
    manufacturer: str
    model: str
    serial: str
    certificate_id: str
    certificate_sha256: str
    calibration_date: date | None
    due_date: date | None
    issuer: str
    in_date: bool  # was the calibration valid on every day of the performance?
    override_reason: str = ""
    #: where the budgets took its value from: specification, certificate or drift
    values: str = "specification"


@dataclass(frozen=True, slots=True)
class Equipment:
    """An instrument used besides the item: a standard or an environment sensor.

    ``role`` is ``standard`` or ``environment``; ``standard`` holds its calibration when
    the record gives one (always for a standard).
    """

    role: str
    name: str
    manufacturer: str
    model: str
    serial: str
    firmware: str = ""
    standard: Standard | None = None


@dataclass(frozen=True, slots=True)
class Conformity:
    """A statement of conformity and the decision that produced it.

    ``statement`` uses metrolab.conformity's vocabulary. Probabilities are fractions;
    limits are in the unit of the quantity the rule was applied to.
    """

    statement: Statement
    rule: str
    parameters: tuple[tuple[str, str], ...]
    probability_of_conformity: float | None
    specific_risk: float | None = None
    pfa: float | None = None
    pfr: float | None = None
    tur: float | None = None
    acceptance_lower: pint.Quantity | None = None
    acceptance_upper: pint.Quantity | None = None


#: the notes every certificate carries
STANDARD_NOTES: tuple[str, ...] = (
    "The results relate only to the item calibrated.",
    "This certificate shall not be reproduced except in full without the written "
    "approval of the issuing laboratory.",
    "No calibration interval is recommended on this certificate.",
)


@dataclass(frozen=True, slots=True)
class ResultPoint:
    """One reported calibration point.

    ``value`` is the indication of the item, ``reference`` the value applied by the
    standard, ``error`` = value - reference; ``U`` is the expanded uncertainty of the
    error with coverage factor ``k`` for ``coverage_probability``. Tolerance limits
    are limits of the error. All quantities share the measurand's unit, except
    ``range`` and the AC ``frequency``. ``range`` is None for an item without ranges
    (a thermometer calibrated at temperature points).
    """

    point_id: str
    phase: Phase
    function: str
    range: pint.Quantity | None
    nominal: pint.Quantity
    reference: pint.Quantity
    value: pint.Quantity
    error: pint.Quantity
    U: pint.Quantity
    k: float
    coverage_probability: float
    tolerance_lower: pint.Quantity | None
    tolerance_upper: pint.Quantity | None
    conformity: Conformity | None
    frequency: pint.Quantity | None = None  # of an AC stimulus; None for DC
    #: the certificate notes that qualify this result, by their mark ("[1]" is mark 1)
    note_marks: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FittedCurve:
    """A calibration curve y = c0 + c1 (x - x_ref) + c2 (x - x_ref)² + ... of the error.

    ``coefficients`` in ascending powers (y unit per x unit to that power),
    ``covariance`` their covariance matrix, ``x_unit`` and ``y_unit`` as pint reads them.
    """

    coefficients: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    x_unit: str
    y_unit: str
    x_ref: float = 0.0
    method: str = ""
    dof: int = 0

    def evaluate(self, x: float) -> tuple[float, float]:
        """Return (value, standard uncertainty) of the curve at ``x`` (in ``x_unit``), in
        ``y_unit``; the uncertainty comes from the coefficients' covariance only."""
        t = x - self.x_ref
        powers = [t**n for n in range(len(self.coefficients))]
        value = sum(c * p for c, p in zip(self.coefficients, powers, strict=True))
        variance = sum(powers[i] * self.covariance[i][j] * powers[j]
                       for i in range(len(powers)) for j in range(len(powers)))
        return value, max(variance, 0.0) ** 0.5


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """The decision rule agreed for the job and its wording on the certificate."""

    rule: str
    parameters: tuple[tuple[str, str], ...]
    description: str


@dataclass(frozen=True, slots=True)
class Signatory:
    """A verified signature on the record: who did which step, with which key.

    ``action`` is sealed, registered, amended, reviewed or approved; ``role`` comes from
    the laboratory's register ("" and ``registered`` False when none was consulted);
    ``fingerprint`` is the SHA-256 (hex) of the Ed25519 public key; ``signature`` (base64)
    covers the audit-log entry ``entry_hash``, which holds ``content_sha256``.
    """

    action: str
    name: str
    role: str
    fingerprint: str
    time: datetime
    entry_hash: str
    content_sha256: str
    signature: str
    registered: bool


@dataclass(frozen=True, slots=True)
class Approval:
    """Who did, checked and authorised the work, the record's review state, and the
    verified signatures behind it."""

    state: str
    performed_by: str
    checked_by: str = ""
    checked_at: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    signatures: tuple[Signatory, ...] = ()

    @property
    def approved(self) -> bool:
        """Return True if the record was authorised for release."""
        return bool(self.approved_by) and self.approved_at is not None


@dataclass(frozen=True, slots=True)
class Amendment:
    """The certificate this one replaces, and why."""

    replaces_certificate_id: str
    reason: str
    changes: tuple[str, ...] = ()
    type_of_change: Literal["amended", "substituted"] = "substituted"
    replaced_sha256: str = ""  # content hash of the record behind the replaced certificate


@dataclass(frozen=True, slots=True)
class CertificateContent:
    """Everything a certificate reports, ready for any renderer."""

    certificate_id: str
    laboratory: Laboratory
    customer: Party
    location: str
    item: Item
    dates: Dates
    method: Method
    environment: tuple[InfluenceCondition, ...]
    equipment: tuple[Equipment, ...]
    results: tuple[ResultPoint, ...]
    decision_rule: DecisionRule
    approval: Approval
    record_sha256: str
    amendment: Amendment | None = None
    draft: bool = False  # True: every rendering is marked DRAFT and has no issue date
    title: str = "Calibration Certificate"
    notes: tuple[str, ...] = field(default=STANDARD_NOTES)
    #: True: the instruments were simulators; every rendering is marked SIMULATED
    simulated: bool = False
    #: statements shown boxed at the top of every rendering (why a draft, a simulation,
    #: a virtual clock), in order
    notices: tuple[str, ...] = ()
    #: the calibration curve fitted through the errors, when the procedure fits one
    curve: FittedCurve | None = None

    @property
    def watermark(self) -> str:
        """Return the mark across every page: ``SIMULATED``, ``DRAFT``, both, or nothing."""
        return " ".join(mark for mark, on in (("SIMULATED", self.simulated),
                                              ("DRAFT", self.draft)) if on)

    @property
    def standards(self) -> tuple[Standard, ...]:
        """Return the calibrations of the equipment that makes the results traceable."""
        return tuple(e.standard for e in self.equipment if e.standard is not None)

    def phases(self) -> tuple[Phase, ...]:
        """Return the phases present in the results, as-found first."""
        present = {p.phase for p in self.results}
        order: tuple[Phase, ...] = ("as_found", "as_left")
        return tuple(p for p in order if p in present)

    def results_in(self, phase: Phase) -> tuple[ResultPoint, ...]:
        """Return the result points of one phase, in recorded order."""
        return tuple(p for p in self.results if p.phase == phase)
