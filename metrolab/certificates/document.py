"""The certificate as a document: the one sequence of blocks the PDF and the HTML both draw.

:func:`certificate_document` turns :class:`CertificateContent` into headings, paragraphs,
key-value tables, grids and charts, every text already worded and every number already
rounded. ``pdf.py`` maps each block to reportlab flowables and ``html.py`` to HTML
elements; neither adds a word of its own, so the two renderings cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from metrolab.certificates import corrections, wording
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.decision_rule import coverage_sentence, decision_rule_sentences
from metrolab.certificates.plots import Plot
from metrolab.certificates.reported import ReportedPoint, reported_conditions, reported_points


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading: level 1 is the title, 2 a section, 3 a part of a section."""

    text: str
    level: int = 2
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph: ``body``, ``small``, ``notice`` (boxed, bold) or ``end`` (the end mark)."""

    text: str
    style: Literal["body", "small", "notice", "end"] = "body"
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class Fields:
    """A two-column table of names and values."""

    rows: tuple[tuple[str, str], ...]
    kind: Literal["fields"] = "fields"


@dataclass(frozen=True, slots=True)
class Grid:
    """A table with a header row; ``numeric`` columns are right-aligned and never wrapped."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()
    kind: Literal["grid"] = "grid"


@dataclass(frozen=True, slots=True)
class Chart:
    """A figure: SVG bytes and its numbered caption."""

    svg: bytes
    caption: str
    kind: Literal["chart"] = "chart"


@dataclass(frozen=True, slots=True)
class Together:
    """Blocks kept on one page (the authorisation and the end mark)."""

    blocks: tuple[Block, ...]
    kind: Literal["together"] = "together"


Block = Heading | Text | Fields | Grid | Chart | Together


@dataclass(frozen=True, slots=True)
class Document:
    """Everything drawn: the blocks, and what goes on every page around them."""

    title: str
    certificate_id: str
    laboratory: str
    watermark: str
    #: when the document was made: the moment of approval for an issued certificate,
    #: the end of the calibration for a draft (so the same record gives the same bytes)
    created: datetime
    blocks: tuple[Block, ...] = field(default=())

    @property
    def marker(self) -> str:
        """Return the identification printed on every page."""
        return f"Certificate {self.certificate_id}"


def _numbers(numeric: tuple[str, ...], header: tuple[str, ...]) -> frozenset[int]:
    return frozenset(header.index(name) for name in numeric)


def _with(number: str | None, unit: str) -> str:
    return "—" if number is None else f"{number} {unit}"


def _tolerance(r: ReportedPoint, lower: str | None, upper: str | None) -> str:
    """Return limits of the error as ``±x unit`` when symmetric, else ``a to b unit``."""
    if lower is None and upper is None:
        return "—"
    if lower is not None and upper is not None and lower.lstrip("-") == upper \
            and lower.startswith("-"):
        return f"±{upper} {r.error_unit}"
    return f"{lower or '—'} to {upper or '—'} {r.error_unit}"


def _nominal(r: ReportedPoint) -> str:
    at = f" at {r.frequency} {r.frequency_unit}" if r.frequency else ""
    return f"{r.nominal} {r.unit}{at}"


def results_grid(points: list[ReportedPoint], coverage_column: bool) -> Grid:
    """Return the results table of some points: values with units, error, U and k."""
    header = ("Function", "Range", "Nominal", "Reference", "Indication", "Error", "U", "k",
              *(("p",) if coverage_column else ()), "Tolerance of error", "Statement")
    rows = tuple((r.function_marked, r.range, _nominal(r), f"{r.reference} {r.unit}",
                  f"{r.value} {r.unit}", f"{r.error} {r.error_unit}", f"{r.U} {r.error_unit}",
                  r.k, *((r.coverage_probability,) if coverage_column else ()),
                  _tolerance(r, r.tolerance_lower, r.tolerance_upper), r.statement_text)
                 for r in points)
    numeric = ("Nominal", "Reference", "Indication", "Error", "U", "k", "Tolerance of error")
    return Grid(header, rows, _numbers(numeric, header))


def decision_grid(points: list[ReportedPoint]) -> Grid:
    """Return the decision details: acceptance limits (when a guard band moved them), TUR,
    specific risk and, when a prior was given, PFA and PFR; empty columns are left out."""
    columns: list[tuple[str, list[str]]] = [
        ("Phase", [r.phase_text for r in points]),
        ("Function", [r.function_marked for r in points]),
        ("Range", [r.range for r in points]),
        ("Nominal", [_nominal(r) for r in points]),
    ]
    guarded = any((r.acceptance_lower, r.acceptance_upper)
                  != (r.tolerance_lower, r.tolerance_upper) for r in points)
    if guarded:
        columns.append(("Acceptance limits of error",
                        [_tolerance(r, r.acceptance_lower, r.acceptance_upper) for r in points]))
    columns += [("TUR", [r.tur or "—" for r in points]),
                ("Specific risk", [r.specific_risk_text for r in points]),
                ("PFA", [_percent(r.pfa) for r in points]),
                ("PFR", [_percent(r.pfr) for r in points]),
                ("Statement", [r.statement_text for r in points])]
    kept = [(name, cells) for name, cells in columns if any(c != "—" for c in cells)]
    header = tuple(name for name, _ in kept)
    rows = tuple(zip(*(cells for _, cells in kept), strict=True))
    numeric = ("Nominal", "Acceptance limits of error", "TUR", "Specific risk", "PFA", "PFR")
    return Grid(header, rows, _numbers(tuple(n for n in numeric if n in header), header))


def _percent(fraction: str | None) -> str:
    from metrolab.certificates.rounding import format_percent

    return "—" if fraction is None else format_percent(float(fraction))


def _front(c: CertificateContent) -> list[Block]:
    """Return title, notices, laboratory, customer, item, dates and method."""
    show = wording.shown
    blocks: list[Block] = [Heading(c.title, 1), Text(f"Certificate number: {c.certificate_id}")]
    blocks += [Text(notice, "notice") for notice in c.notices]
    for extra in (wording.amendment_statement(c), wording.missing_statement(c)):
        if extra:
            blocks.append(Text(extra, "notice"))
    lab = c.laboratory
    lab_text = f"{show(lab.name)}\n{show(lab.address)}"
    if lab.accreditation:
        lab_text += f"\nAccreditation: {lab.accreditation}"
    customer_text = f"{show(c.customer.name)}\n{show(c.customer.address)}"
    if c.customer.contact:
        customer_text += f"\n{c.customer.contact}"
    return [
        *blocks,
        Heading("Calibration laboratory"), Text(lab_text),
        Text(f"Place of calibration: {c.location}"),
        Heading("Customer"), Text(customer_text),
        Heading("Item calibrated"),
        Fields((("Description", c.item.description or "—"),
                ("Manufacturer", show(c.item.manufacturer)), ("Model", show(c.item.model)),
                ("Serial number", show(c.item.serial)), ("Asset number", c.item.asset or "—"),
                ("Firmware", c.item.firmware or "—"),
                ("Condition on receipt", show(c.item.condition)))),
        Heading("Dates"),
        Fields((("Date of receipt", wording.when(c.dates.receipt) if c.dates.receipt
                 else "not recorded"),
                ("Calibration performed", f"{wording.when(c.dates.performance_start)} to "
                                          f"{wording.when(c.dates.performance_end)}"),
                ("Date of issue", wording.when(c.dates.issue) if c.dates.issue
                 else "not issued (draft)"))),
        Heading("Method"),
        Text(f"Procedure: {c.method.procedure}, version {c.method.version}. Software: "
             f"{c.method.software_name} {c.method.software_version}"
             + (f" (configuration {c.method.config_hash})" if c.method.config_hash else "")
             + "."),
        Text("Deviations from the method: "
             + ("; ".join(c.method.deviations) if c.method.deviations else "none") + "."),
    ]


def _conditions(c: CertificateContent) -> list[Block]:
    """Return equipment, environmental conditions and traceability."""
    blocks: list[Block] = [
        Heading("Equipment used"),
        Grid(("Role", "Equipment", "Manufacturer / model", "Serial", "Firmware"),
             tuple((e.role, e.name, f"{e.manufacturer} {e.model}", e.serial, e.firmware or "—")
                   for e in c.equipment)),
        Heading("Environmental conditions"),
    ]
    conditions = reported_conditions(c)
    if conditions:
        blocks.append(Grid(("Quantity", "Mean", "Minimum", "Maximum", "Unit"),
                           tuple((e.name, e.mean, e.minimum, e.maximum, e.unit)
                                 for e in conditions), frozenset({1, 2, 3})))
        where = wording.environment_statement(c)
        if where:
            blocks.append(Text(where, "small"))
    else:
        blocks.append(Text(wording.NO_ENVIRONMENT))
    blocks += [Heading("Traceability"), Text(wording.traceability_statement(c))]
    rows = wording.traceability_rows(c)
    if len(rows) > 1:
        blocks.append(Grid(rows[0], tuple(rows[1:])))
    return blocks


def _results(c: CertificateContent) -> list[Block]:
    """Return the decision rule, the results per phase, corrections and decision details."""
    blocks: list[Block] = [Heading("Decision rule and statements of conformity")]
    blocks += [Text(sentence) for sentence in decision_rule_sentences(c)]
    blocks += [Heading("Results"), Text(wording.adjustment_statement(c)),
               Text(coverage_sentence(c))]
    points = reported_points(c)
    coverage_column = len({r.coverage_probability for r in points}) > 1
    for phase in c.phases():
        rows = [r for r in points if r.phase == phase]
        blocks += [Heading(f"{rows[0].phase_text} results", 3),
                   results_grid(rows, coverage_column)]
    if corrections.has_corrections(c):
        blocks += [Heading("Corrections", 3),
                   Text("C = −E is added to the indication; U as in the results.", "small"),
                   _grid(corrections.correction_rows(c))]
        if c.curve is not None:
            blocks += [Heading("Calibration curve", 3),
                       Text(corrections.curve_expression(c.curve)),
                       _grid(corrections.coefficient_rows(c.curve)),
                       Text("Values of the curve at the calibration points, with U from the "
                            "coefficients' covariance (k = "
                            f"{corrections.CURVE_K:g}):", "small"),
                       _grid(corrections.curve_rows(c))]
    blocks += [Heading("Decision details", 3),
               Text("Per result: the test uncertainty ratio TUR (tolerance half-width / U), the "
                    "specific risk (probability that the statement is wrong) and, where a "
                    "guard band moved them, the acceptance limits of the error.", "small"),
               decision_grid(points)]
    return blocks


def _grid(rows: list[list[str]]) -> Grid:
    return Grid(tuple(rows[0]), tuple(tuple(r) for r in rows[1:]))


def _charts(plots: list[Plot]) -> list[Block]:
    if not plots:
        return []
    blocks: list[Block] = [Heading("Errors against tolerance")]
    blocks += [Chart(p.svg, f"Figure {n}. {p.caption}") for n, p in enumerate(plots, start=1)]
    return blocks


def _authorisation(c: CertificateContent) -> Together:
    """Return the authorisation (who did, checked and authorised the work; signatures)."""
    approval = c.approval
    signature = wording.approver_signature(c)

    def person(name: str, action: str, moment: datetime | None) -> str:
        signed = next((s for s in approval.signatures if s.action == action and s.name == name),
                      None)
        role = f", {signed.role}" if signed is not None and signed.role else ""
        at = f" on {wording.when(moment)}" if moment else ""
        return f"{name}{role}{at}" if name else "—"

    approved = person(approval.approved_by, "approved", approval.approved_at) \
        if approval.approved else "not approved"
    blocks: list[Block] = [
        Heading("Authorisation"),
        Fields((("Calibrated by", person(approval.performed_by, "sealed", None)
                 if approval.performed_by else wording.shown("")),
                ("Checked by", person(approval.checked_by, "reviewed", approval.checked_at)),
                ("Authorised by", approved),
                ("Signature", "electronic (Ed25519), see below" if signature is not None
                 else "none recorded"),
                ("Record", f"content SHA-256 {wording.grouped(c.record_sha256)}"))),
        Text(wording.authorisation_statement(c)),
    ]
    if approval.signatures:
        blocks.append(Grid(
            ("Step", "Signed by", "Role", "Time", "Key fingerprint (SHA-256)", "Register"),
            tuple((wording.SIGNED_STEPS.get(s.action, s.action), s.name, s.role or "—",
                   wording.when(s.time), wording.grouped(s.fingerprint),
                   "key registered" if s.registered else "not checked")
                  for s in approval.signatures)))
    blocks.append(Text(wording.end_mark(c), "end"))
    return Together(tuple(blocks))


def certificate_document(content: CertificateContent, plots: list[Plot]) -> Document:
    """Return the document of ``content`` with its charts ``plots``, ready to render."""
    c = content
    notes: list[Block] = [Heading("Notes"), *(Text(f"• {note}") for note in c.notes)]
    created = c.approval.approved_at if c.dates.issue and c.approval.approved_at else \
        c.dates.performance_end
    return Document(
        title=f"{c.title} {c.certificate_id}", certificate_id=c.certificate_id,
        laboratory=c.laboratory.name, watermark=c.watermark,
        created=created.astimezone(UTC),
        blocks=tuple(_front(c) + _conditions(c) + _results(c) + _charts(plots) + notes
                     + [_authorisation(c)]),
    )
