"""Calibration certificates (PDF, HTML) and Digital Calibration Certificates (DCC XML).

Everything is rendered from one :class:`CertificateContent`, built from a sealed,
verified record by :func:`content_from_record`.
"""

from metrolab.certificates.content import CertificateContent
from metrolab.certificates.dcc import write_dcc
from metrolab.certificates.errors import (
    CertificateError,
    DccValidationError,
    RecordNotIssuableError,
)
from metrolab.certificates.html import write_html
from metrolab.certificates.pdf import write_pdf

__all__ = [
    "CertificateContent",
    "CertificateError",
    "DccValidationError",
    "RecordNotIssuableError",
    "write_dcc",
    "write_html",
    "write_pdf",
]
