"""Decide whether a record may be certified, then render it: the entry point for callers.

A certificate is rendered from a sealed record alone. Before anything is drawn the
record is verified (content hash, audit log) and its review state read; an unsealed,
altered, unapproved, superseded or unfinished record is refused unless a draft is
asked for, and a draft carries a DRAFT mark on every page and no issue date.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from metrolab.certificates.atomic import write_atomically
from metrolab.certificates.content import CertificateContent
from metrolab.certificates.dcc import dcc_bytes
from metrolab.certificates.errors import RecordNotIssuableError
from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.html import html_text
from metrolab.certificates.pdf import pdf_bytes
from metrolab.certificates.plots import error_plots
from metrolab.errors import MetrolabError
from metrolab.store import Record, open_record, verify
from metrolab.store.signing import KeyRegister

#: output kind -> file suffix
SUFFIXES: dict[str, str] = {"pdf": ".pdf", "html": ".html", "dcc": ".dcc.xml"}


def load_for_certificate(record_path: Path, *, draft: bool,
                         register: KeyRegister | None = None) -> Record:
    """Return the opened record at ``record_path`` if a certificate may be rendered from it.

    Raises :class:`RecordNotIssuableError` (one line, says what to do) when the file is
    missing or not a sealed record, fails verification, or, unless ``draft``, is not
    approved (by signatures that verify, against ``register`` when given), was
    superseded by an amendment, or did not complete.
    """
    path = Path(record_path)
    if not path.is_file():
        raise RecordNotIssuableError(f"report: {path} does not exist or is not a file")
    try:
        report = verify(path, register=register)
    except MetrolabError as exc:
        raise RecordNotIssuableError(
            f"report: {path} is not a sealed record that can be verified ({exc}); seal the "
            "run's journal first (metrolab recover) and certify the sealed .h5"
        ) from exc
    if report.record_id is None:  # verify() read it as something else (journal, log, ...)
        raise RecordNotIssuableError(
            f"report: {path} is not a sealed record (the .h5 file sealing writes); if it is a "
            "run's journal, seal it first (metrolab recover) and certify the sealed .h5"
        )
    if not report.ok:
        problems = "; ".join(report.problems[:3]) or "verification failed"
        raise RecordNotIssuableError(
            f"report: {path} failed verification, it may have been altered: {problems}. "
            "No certificate is issued from a record that does not verify"
        )
    try:
        # verify() has just checked every object against the sealed manifest; checking
        # them again would only double the cost. The hash read now must be the verified one.
        record = open_record(path, check=False, register=register)
    except MetrolabError as exc:
        raise RecordNotIssuableError(f"report: cannot open {path}: {exc}") from exc
    if record.sha256 != report.content_sha256:
        raise RecordNotIssuableError(
            f"report: {path} changed while it was being read (content hash "
            f"{record.sha256}, verified {report.content_sha256}); certify it again"
        )
    if draft:
        return record
    review = record.review
    if review.state != "approved":
        raise RecordNotIssuableError(
            f"report: record {path.name} is {review.state}, not approved; approve it "
            f"(metrolab review, metrolab approve) or render a draft with --draft"
        )
    if review.superseded_by:
        raise RecordNotIssuableError(
            f"report: record {path.name} was superseded by amendment {review.superseded_by}; "
            "certify the amended record instead"
        )
    status = record.run.get("status")
    if status != "completed":
        raise RecordNotIssuableError(
            f"report: the run in {path.name} ended {status!r}, not 'completed' "
            f"({record.run.get('reason') or 'no reason recorded'}); only a draft can be rendered"
        )
    return record


def default_name(content: CertificateContent, kind: str) -> str:
    """Return the file name of one rendering: certificate ID plus the kind's suffix."""
    return content.certificate_id.replace("/", "_") + SUFFIXES[kind]


def write_renderings(content: CertificateContent, targets: dict[str, Path]) -> dict[str, Path]:
    """Render ``content`` for each ``kind -> path`` in ``targets``; return the same mapping.

    Every rendering is produced in memory (the DCC validated) before any file is
    written, so a failure leaves no partial set of certificates behind.
    """
    plots = error_plots(content) if {"pdf", "html", "dcc"} & set(targets) else []
    pdf = pdf_bytes(content, plots) if {"pdf", "dcc"} & set(targets) else b""  # DCC embeds it
    renderers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: pdf,
        "html": lambda: html_text(content, plots).encode("utf-8"),
        "dcc": lambda: dcc_bytes(content, pdf),
    }
    rendered = {kind: renderers[kind]() for kind in targets}
    return {kind: write_atomically(Path(targets[kind]), data) for kind, data in rendered.items()}


def render_all(record_path: Path, out_dir: Path, *, draft: bool,
               register: KeyRegister | None = None) -> dict[str, Path]:
    """Render PDF, HTML and DCC of the record at ``record_path`` into ``out_dir``.

    Returns ``{"pdf": path, "html": path, "dcc": path}``. Raises
    :class:`RecordNotIssuableError` if the record may not be certified (see
    :func:`load_for_certificate`, which checks signatures against ``register``) and
    :class:`DccValidationError` if the DCC does not validate; in both cases no file is
    written.
    """
    record = load_for_certificate(Path(record_path), draft=draft, register=register)
    content = content_from_record(record, draft=draft)
    targets = {kind: Path(out_dir) / default_name(content, kind) for kind in SUFFIXES}
    return write_renderings(content, targets)
