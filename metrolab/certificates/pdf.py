"""Render a certificate as PDF with reportlab (pure pip dependencies).

Every page carries the certificate number and "Page x of y" in its header and footer;
the last flowable is the end-of-certificate mark; an unapproved record gets a DRAFT
watermark on every page. The total page count is known only after layout, so finished
pages are held back by the canvas and decorated when the document is saved.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from metrolab.certificates import corrections, wording
from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.plots import Plot, error_plots
from metrolab.certificates.reported import reported_conditions, reported_points

_MARGIN = 18 * mm
_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7, leading=8.5)
_H1 = ParagraphStyle("h1", parent=_STYLES["Title"], fontSize=16)
_H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=11, spaceBefore=8, spaceAfter=3)
_BOXED = ParagraphStyle(
    "boxed", parent=_BODY, borderColor=colors.black, borderWidth=1, borderPadding=4,
    spaceBefore=6, spaceAfter=6, fontName="Helvetica-Bold",
)
_END = ParagraphStyle("end", parent=_BODY, alignment=TA_CENTER, fontName="Helvetica-Bold",
                      spaceBefore=14)
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("FONTSIZE", (0, 0), (-1, -1), 7),
    ("LEADING", (0, 0), (-1, -1), 8.5),
    ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
])


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
    cells = [[_p(cell, _SMALL) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    return table


def _key_values(rows: list[tuple[str, str]]) -> Table:
    table = Table([[_p(k, _SMALL), _p(v, _SMALL)] for k, v in rows],
                  colWidths=[40 * mm, 130 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _story(content: CertificateContent, plots: list[Plot]) -> list[Flowable]:
    c = content
    story: list[Flowable] = [_p(c.title, _H1), _p(f"Certificate number: {c.certificate_id}")]
    story += [_p(notice, _BOXED) for notice in c.notices]
    amendment = wording.amendment_statement(c)
    if amendment:
        story.append(_p(amendment, _BOXED))
    missing = wording.missing_statement(c)
    if missing:
        story.append(_p(missing, _BOXED))
    lab = c.laboratory
    show = wording.shown
    lab_text = f"{show(lab.name)}\n{show(lab.address)}"
    if lab.accreditation:
        lab_text += f"\nAccreditation: {lab.accreditation}"
    customer_text = f"{show(c.customer.name)}\n{show(c.customer.address)}"
    if c.customer.contact:
        customer_text += f"\n{c.customer.contact}"
    story += [
        _p("Calibration laboratory", _H2), _p(lab_text),
        _p(f"Place of calibration: {c.location}"),
        _p("Customer", _H2), _p(customer_text),
        _p("Item calibrated", _H2),
        _key_values([
            ("Description", c.item.description or "—"),
            ("Manufacturer", show(c.item.manufacturer)),
            ("Model", show(c.item.model)),
            ("Serial number", show(c.item.serial)),
            ("Asset number", c.item.asset or "—"),
            ("Firmware", c.item.firmware or "—"),
            ("Condition", c.item.condition or "—"),
        ]),
        _p("Dates", _H2),
        _key_values([
            ("Date of receipt", wording.when(c.dates.receipt)),
            ("Calibration performed", f"{wording.when(c.dates.performance_start)} to "
                                      f"{wording.when(c.dates.performance_end)}"),
            ("Date of issue", wording.when(c.dates.issue) if c.dates.issue
             else "not issued (draft)"),
        ]),
        _p("Method", _H2),
        _p(f"Procedure: {c.method.procedure}, version {c.method.version}. Software: "
           f"{c.method.software_name} {c.method.software_version}"
           + (f" (configuration {c.method.config_hash})" if c.method.config_hash else "") + "."),
        _p("Deviations from the method: "
           + ("; ".join(c.method.deviations) if c.method.deviations else "none") + "."),
        _p("Equipment used", _H2),
        _table([["Role", "Equipment", "Manufacturer / model", "Serial", "Firmware"]]
               + [[e.role, e.name, f"{e.manufacturer} {e.model}", e.serial, e.firmware or "—"]
                  for e in c.equipment],
               widths=[22 * mm, 45 * mm, 45 * mm, 30 * mm, 28 * mm]),
        _p("Environmental conditions", _H2),
        _table([["Quantity", "Mean", "Minimum", "Maximum", "Unit"]]
               + [[e.name, e.mean, e.minimum, e.maximum, e.unit]
                  for e in reported_conditions(c)]) if c.environment
        else _p(wording.NO_ENVIRONMENT),
        _p("Traceability", _H2), _p(wording.traceability_statement(c)),
        _table([["Standard", "Manufacturer / model", "Serial", "Certificate", "Issuer",
                 "Calibrated", "Due", "Validity"]]
               + [[s.name, f"{s.manufacturer} {s.model}", s.serial,
                   f"{s.certificate_id}\nSHA-256 {s.certificate_sha256}", s.issuer,
                   wording.when(s.calibration_date), wording.when(s.due_date),
                   wording.standard_validity(s)] for s in c.standards],
               widths=[24 * mm, 26 * mm, 16 * mm, 44 * mm, 20 * mm, 15 * mm, 15 * mm, 14 * mm]),
        _p("Decision rule and statements of conformity", _H2),
        _p(wording.decision_rule_statement(c)),
        _p("Results", _H2), _p(wording.UNCERTAINTY_STATEMENT),
    ]
    points = reported_points(c)
    widths = [11, 12, 12, 17, 17, 7, 12, 10, 9, 8, 8, 20, 16, 11]
    for phase in c.phases():
        rows = [r for r in points if r.phase == phase]
        story.append(_p(f"{rows[0].phase_text} results", _STYLES["Heading3"]))
        story.append(_table(
            [["Function", "Range", "Nominal", "Reference", "Indication", "Unit", "Error", "U",
              "Error unit", "k", "p", "Tolerance of error", "Statement", "P(conf.)"]]
            + [[r.function_marked, r.range, r.nominal_text, r.reference, r.value, r.unit,
                r.error, r.U, r.error_unit, r.k, r.coverage_probability,
                f"{r.tolerance_lower or '—'} to {r.tolerance_upper or '—'}",
                r.statement_text, r.probability_of_conformity or "—"] for r in rows],
            widths=[w * mm for w in widths],
        ))
    story += _corrections(c)
    story.append(_p("Decision details", _STYLES["Heading3"]))
    story.append(_p("Acceptance limits of the error and the numbers behind each statement "
                    "(probabilities as fractions; — where not evaluated).", _SMALL))
    story.append(_table(
        [["Phase", "Function", "Range", "Nominal", "Acceptance limits of error", "Error unit",
          "Statement", "P(conf.)", "Specific risk", "PFA", "PFR", "TUR"]]
        + [[r.phase_text, r.function_marked, r.range, r.nominal_text,
            f"{r.acceptance_lower or '—'} to {r.acceptance_upper or '—'}", r.error_unit,
            r.statement_text, r.probability_of_conformity or "—", r.specific_risk or "—",
            r.pfa or "—", r.pfr or "—", r.tur or "—"] for r in points],
        widths=[w * mm for w in (13, 11, 12, 11, 26, 8, 17, 13, 17, 13, 13, 11)],
    ))
    for plot in plots:
        image = Image(io.BytesIO(plot.png), width=160 * mm, height=67.5 * mm)
        story.append(KeepTogether([
            image, _p(f"Error against tolerance: {plot.title}. Bars show U.", _SMALL),
        ]))
    story += [_p("Notes", _H2)] + [_p(f"• {note}") for note in c.notes]
    approval = c.approval
    checked = approval.checked_by or "—"
    if approval.checked_at:
        checked += f" on {wording.when(approval.checked_at)}"
    approved = approval.approved_by or "not approved"
    if approval.approved_at:
        approved += f" on {wording.when(approval.approved_at)}"
    story.append(KeepTogether([
        _p("Authorisation", _H2),
        _key_values([
            ("Calibrated by", wording.shown(approval.performed_by)),
            ("Checked by", checked),
            ("Approved by", approved),
            ("Record", f"SHA-256 {c.record_sha256}"),
            *[("Signature", wording.signature_statement(s)) for s in approval.signatures],
        ]),
        _p(wording.end_mark(c), _END),
    ]))
    return story


def _corrections(c: CertificateContent) -> list[Flowable]:
    """Return the corrections and calibration-curve part (sensor calibrations), or nothing."""
    if not corrections.has_corrections(c):
        return []
    story: list[Flowable] = [_p("Corrections", _STYLES["Heading3"]),
                             _p("C = −E is added to the indication; U as in the results.",
                                _SMALL),
                             _table(corrections.correction_rows(c))]
    if c.curve is not None:
        story += [_p("Calibration curve", _STYLES["Heading3"]),
                  _p(corrections.curve_expression(c.curve)),
                  _table(corrections.coefficient_rows(c.curve)),
                  _p(f"Values of the curve at the calibration points, with U from the "
                     f"coefficients' covariance (k = {corrections.CURVE_K:g}):", _SMALL),
                  _table(corrections.curve_rows(c))]
    return story


def _decorate(canvas: Canvas, content: CertificateContent, page: int, total: int) -> None:
    """Draw header, footer ("Page x of y", certificate number) and, for a draft, the
    translucent DRAFT watermark over the finished content of one page."""
    width, height = A4
    marker = f"Certificate {content.certificate_id}"
    pages = f"Page {page} of {total}"
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawString(_MARGIN, height - 12 * mm, content.laboratory.name)
    canvas.drawRightString(width - _MARGIN, height - 12 * mm, f"{marker} · {pages}")
    mark = content.watermark
    canvas.drawString(_MARGIN, 10 * mm, marker + (f"  {mark}" if mark else ""))
    canvas.drawRightString(width - _MARGIN, 10 * mm, pages)
    if mark:
        canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.18))
        canvas.setFont("Helvetica-Bold", 110 if len(mark) <= 9 else 60)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -35, mark)
    canvas.restoreState()


def _canvas_maker(content: CertificateContent) -> type[Canvas]:
    """Return a Canvas class that holds pages back until the total is known.

    Each finished page's state is kept instead of being emitted; on save every page is
    decorated with "Page x of y" and emitted, so the document is laid out only once.
    """

    class CertificateCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                _decorate(self, content, number, total)
                super().showPage()
            super().save()

    return CertificateCanvas


def pdf_bytes(content: CertificateContent, plots: list[Plot] | None = None) -> bytes:
    """Return the certificate as PDF bytes (A4; reproducible for the same content).

    ``plots`` are the error plots of ``content`` if the caller already drew them.
    """
    plots = error_plots(content) if plots is None else plots
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
        topMargin=20 * mm, bottomMargin=18 * mm,
        title=f"{content.title} {content.certificate_id}",
        author=content.laboratory.name, subject=content.certificate_id,
        creator="metrolab", invariant=1,
    )
    frame = Frame(document.leftMargin, document.bottomMargin, document.width, document.height,
                  id="body")
    document.addPageTemplates([PageTemplate(id="certificate", frames=[frame])])
    with _binary_streams():
        document.build(_story(content, plots), canvasmaker=_canvas_maker(content))
    return buffer.getvalue()


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Write the PDF's streams deflated but not ASCII85-armoured while inside.

    reportlab armours every stream in ASCII85 by default, in pure Python when its C
    accelerator is missing: a second of a certificate's rendering spent on the plots,
    for a file a quarter larger. A PDF is a binary file; no reader needs the armour.
    """
    armoured = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = armoured


def write_pdf(content: CertificateContent, path: Path) -> Path:
    """Write the PDF certificate to ``path`` atomically; return ``path``."""
    return write_atomically(Path(path), pdf_bytes(content))
