"""Render a certificate as one self-contained HTML page (styles and plots inline)."""

from __future__ import annotations

import base64
import functools
from pathlib import Path

import jinja2

from metrolab.certificates import corrections, wording
from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.plots import Plot, error_plots
from metrolab.certificates.reported import reported_conditions, reported_points


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("metrolab.certificates", ""),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("certificate.html.j2")


def html_text(content: CertificateContent, plots: list[Plot] | None = None) -> str:
    """Return the certificate as HTML text (UTF-8, no external resources).

    ``plots`` are the error plots of ``content`` if the caller already drew them.
    """
    points = reported_points(content)
    results = [
        (phase, [p for p in points if p.phase == phase]) for phase in content.phases()
    ]
    images = [
        {"title": plot.title, "data": base64.b64encode(plot.png).decode("ascii")}
        for plot in (error_plots(content) if plots is None else plots)
    ]
    return _template().render(
        c=content,
        when=wording.when,
        signature_statement=wording.signature_statement,
        validity=wording.standard_validity,
        amendment=wording.amendment_statement(content),
        missing=wording.missing_statement(content),
        shown=wording.shown,
        correction_rows=corrections.correction_rows(content)
        if corrections.has_corrections(content) else [],
        curve=None if content.curve is None else {
            "expression": corrections.curve_expression(content.curve),
            "coefficients": corrections.coefficient_rows(content.curve),
            "values": corrections.curve_rows(content), "k": f"{corrections.CURVE_K:g}"},
        no_environment=wording.NO_ENVIRONMENT,
        traceability=wording.traceability_statement(content),
        decision_rule=wording.decision_rule_statement(content),
        uncertainty_statement=wording.UNCERTAINTY_STATEMENT,
        conditions=reported_conditions(content),
        results=results,
        points=points,
        plots=images,
        end_mark=wording.end_mark(content),
    )


def write_html(content: CertificateContent, path: Path) -> Path:
    """Write the HTML certificate to ``path`` atomically; return ``path``."""
    return write_atomically(Path(path), html_text(content).encode("utf-8"))
