"""Render a certificate as one self-contained HTML page (styles and charts inline).

The page draws the blocks of :func:`~metrolab.certificates.document.certificate_document`,
the same blocks the PDF draws; charts are SVG, embedded as ``data:image/svg+xml`` images
(vector graphics, and no clash between the element ids of several charts).
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

import jinja2

from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.document import Document, certificate_document
from metrolab.certificates.plots import Plot, error_plots


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("metrolab.certificates", ""),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["svg_data"] = lambda svg: base64.b64encode(svg).decode("ascii")
    return environment.get_template("certificate.html.j2")


def html_text(content: CertificateContent, plots: list[Plot] | None = None) -> str:
    """Return the certificate as HTML text (UTF-8, no external resources).

    ``plots`` are the charts of ``content`` if the caller already drew them.
    """
    return render_html(certificate_document(
        content, error_plots(content) if plots is None else plots))


def render_html(document: Document) -> str:
    """Return ``document`` as HTML text."""
    return _template().render(d=document)


def write_html(content: CertificateContent, path: Path) -> Path:
    """Write the HTML certificate to ``path`` atomically; return ``path``."""
    return write_atomically(Path(path), html_text(content).encode("utf-8"))
