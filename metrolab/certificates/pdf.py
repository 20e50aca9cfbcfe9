"""Render a certificate as PDF with reportlab (pure pip dependencies).

The PDF draws the blocks of :func:`~metrolab.certificates.document.certificate_document`,
the same blocks the HTML page draws, so the two say the same thing; charts stay vector
graphics (their SVG converted to reportlab drawing operations by svglib). Table columns
are sized to their contents, so a number is never split across lines in a cell. Every
page carries the certificate number and "Page x of y" in its header and footer; the last
flowable is the end-of-certificate mark; an unapproved record gets a DRAFT
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
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg

from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.document import (
    Block,
    Chart,
    Document,
    Fields,
    Grid,
    Heading,
    Text,
    certificate_document,
)
from metrolab.certificates.errors import CertificateError
from metrolab.certificates.plots import Plot, error_plots

_MARGIN = 18 * mm
_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7, leading=8.5)
_H1 = ParagraphStyle("h1", parent=_STYLES["Title"], fontSize=16)
_H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=11, spaceBefore=8, spaceAfter=3)
_H3 = ParagraphStyle("h3", parent=_STYLES["Heading3"], fontSize=9.5, spaceBefore=6, spaceAfter=2)
#: room a heading needs below it, else it starts the next page (no heading alone at the foot)
_ROOM_AFTER_HEADING = 35 * mm
_SMALL_BOLD = ParagraphStyle("small-bold", parent=_SMALL, fontName="Helvetica-Bold")
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


_STYLE_OF = {"body": _BODY, "small": _SMALL, "notice": _BOXED, "end": _END}
_HEADING_OF = {1: _H1, 2: _H2, 3: _H3}
_CELL_FONT, _HEADER_FONT, _CELL_SIZE, _PADDING = "Helvetica", "Helvetica-Bold", 7, 4.0


def _natural(text: str, font: str = _CELL_FONT) -> float:
    """Return the width of ``text`` on one line of a cell, padding included (points)."""
    return max(stringWidth(line, font, _CELL_SIZE) for line in text.split("\n")) \
        + _PADDING + 1


def _shortest(text: str, font: str = _CELL_FONT) -> float:
    """Return the width of the longest word of ``text``: narrower, a cell would split it."""
    return max(_natural(word, font) for word in text.split() or [""])


def column_widths(grid: Grid, available: float) -> list[float]:
    """Return column widths (points) that fit ``available``: each column as wide as its
    longest cell where possible; numeric columns never narrower than their longest
    number (a number is not wrapped), text columns down to their longest word."""
    columns = list(zip(grid.header, *grid.rows, strict=True))
    natural = [max(_natural(cell) for cell in column[1:] or [""]) for column in columns]
    heads = [_shortest(column[0], _HEADER_FONT) for column in columns]
    natural = [max(n, h) for n, h in zip(natural, heads, strict=True)]
    minimum = [n if i in grid.numeric else max([h, *(_shortest(c) for c in column[1:])])
               for i, (n, h, column) in enumerate(zip(natural, heads, columns, strict=True))]
    total = sum(natural)
    if total <= available:
        return [n * available / total for n in natural]
    slack = sum(n - m for n, m in zip(natural, minimum, strict=True))
    excess = total - available
    if slack <= 0:
        return [m * available / sum(minimum) for m in minimum]
    share = min(1.0, excess / slack)
    return [n - (n - m) * share for n, m in zip(natural, minimum, strict=True)]


def _grid(grid: Grid, available: float) -> Table:
    widths = column_widths(grid, available)
    header = [_p(cell, _SMALL_BOLD) for cell in grid.header]
    rows = [[cell if i in grid.numeric else _p(cell, _SMALL) for i, cell in enumerate(row)]
            for row in grid.rows]
    table = Table([header, *rows], colWidths=widths, repeatRows=1, hAlign="LEFT",
                  spaceBefore=3, spaceAfter=3)
    style = TableStyle(list(_GRID.getCommands()))
    for column in grid.numeric:
        style.add("ALIGN", (column, 1), (column, -1), "RIGHT")
    table.setStyle(style)
    return table


def _fields(fields: Fields) -> Table:
    table = Table([[_p(k, _SMALL), _p(v, _SMALL)] for k, v in fields.rows],
                  colWidths=[40 * mm, 134 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _chart(chart: Chart, available: float) -> Flowable:
    """Return the chart as a vector drawing scaled to the frame, with its caption."""
    drawing = svg2rlg(io.BytesIO(chart.svg))
    if drawing is None:
        raise CertificateError(f"the chart {chart.caption!r} could not be converted to PDF")
    scale = available / drawing.width
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    drawing.hAlign = "LEFT"
    return KeepTogether([drawing, _p(chart.caption, _SMALL)])


def _flowables(block: Block, available: float) -> list[Flowable]:
    """Return the reportlab flowables that draw ``block``."""
    if isinstance(block, Heading):
        heading = _p(block.text, _HEADING_OF[block.level])
        return [heading] if block.level == 1 else [CondPageBreak(_ROOM_AFTER_HEADING), heading]
    if isinstance(block, Text):
        return [_p(block.text, _STYLE_OF[block.style])]
    if isinstance(block, Fields):
        return [_fields(block)]
    if isinstance(block, Grid):
        return [_grid(block, available)]
    if isinstance(block, Chart):
        return [_chart(block, available)]
    return [KeepTogether([f for inner in block.blocks for f in _flowables(inner, available)])]


def _decorate(canvas: Canvas, document: Document, page: int, total: int) -> None:
    """Draw header, footer ("Page x of y", certificate number) and, for a draft, the
    translucent DRAFT watermark over the finished content of one page."""
    width, height = A4
    marker = document.marker
    pages = f"Page {page} of {total}"
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawString(_MARGIN, height - 12 * mm, document.laboratory)
    canvas.drawRightString(width - _MARGIN, height - 12 * mm, f"{marker} · {pages}")
    mark = document.watermark
    canvas.drawString(_MARGIN, 10 * mm, marker + (f"  {mark}" if mark else ""))
    canvas.drawRightString(width - _MARGIN, 10 * mm, pages)
    if mark:
        canvas.setFillColor(colors.Color(0.8, 0, 0, alpha=0.18))
        canvas.setFont("Helvetica-Bold", 110 if len(mark) <= 9 else 60)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -35, mark)
    canvas.restoreState()


def _canvas_maker(document: Document) -> type[Canvas]:
    """Return a Canvas class that holds pages back until the total is known.

    Each finished page's state is kept instead of being emitted; on save every page is
    decorated with "Page x of y" and emitted, so the document is laid out only once.
    """

    class CertificateCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []
            created = document.created.strftime("D:%Y%m%d%H%M%S+00'00'")
            self.setDateFormatter(lambda *_: created)

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                _decorate(self, document, number, total)
                super().showPage()
            super().save()

    return CertificateCanvas


def pdf_bytes(content: CertificateContent, plots: list[Plot] | None = None) -> bytes:
    """Return the certificate as PDF bytes (A4; the same content gives the same bytes).

    ``plots`` are the charts of ``content`` if the caller already drew them. The
    document's CreationDate is the moment of approval (the date of issue), or for a
    draft the end of the calibration.
    """
    document = certificate_document(content, error_plots(content) if plots is None else plots)
    return render_pdf(document)


def render_pdf(document: Document) -> bytes:
    """Return ``document`` drawn as PDF bytes (A4)."""
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
        topMargin=20 * mm, bottomMargin=18 * mm, title=document.title,
        author=document.laboratory, subject=document.certificate_id,
        creator="metrolab", invariant=1,
    )
    frame = Frame(template.leftMargin, template.bottomMargin, template.width, template.height,
                  leftPadding=0, rightPadding=0, id="body")
    template.addPageTemplates([PageTemplate(id="certificate", frames=[frame])])
    story = [f for block in document.blocks for f in _flowables(block, template.width)]
    with _binary_streams():
        template.build(story, canvasmaker=_canvas_maker(document))
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
