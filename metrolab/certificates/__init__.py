"""Calibration certificates (PDF, HTML) and Digital Calibration Certificates (DCC XML).

Everything is rendered from one :class:`CertificateContent`, built from a sealed,
verified record by :func:`content_from_record`; :func:`render_all` does both steps
for a record file.
"""

from metrolab.certificates.content import CertificateContent
from metrolab.certificates.dcc import write_dcc
from metrolab.certificates.errors import (
    CertificateError,
    DccValidationError,
    RecordNotIssuableError,
)
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.html import write_html
from metrolab.certificates.issue import render_all
from metrolab.certificates.pdf import write_pdf

__all__ = [
    "CertificateContent",
    "CertificateError",
    "DccValidationError",
    "RecordNotIssuableError",
    "content_from_record",
    "render_all",
    "write_dcc",
    "write_html",
    "write_pdf",
]
