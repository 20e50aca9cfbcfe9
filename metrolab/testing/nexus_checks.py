"""Checking a sealed record with the NeXus community's own validator (nexusformat).

``nxcheck`` checks every group and field against the NeXus base classes; ``nxvalidate``
checks the entry against metrolab's application definition
(:func:`metrolab.store.nxdl.nxdl_path`). :func:`nexus_report` runs both and returns what
they warned about and what they called errors, for tests and for a lab's own CI. Needs the
``nexusformat`` package (the ``test`` extra).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from metrolab.store.nxdl import nxdl_path


@dataclass(frozen=True, slots=True)
class NexusReport:
    """What the NeXus validator said about a file: the ``warnings`` and ``errors`` of the
    base-class check (nxcheck) and of the application-definition check (nxvalidate)."""

    warnings: tuple[str, ...]
    errors: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Return True when neither check warned nor found an error."""
        return not self.warnings and not self.errors


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _collected(logger: logging.Logger) -> Iterator[_Collect]:
    """Collect the validator's warnings and errors instead of printing them."""
    handler, kept = _Collect(), list(logger.handlers)
    for old in kept:
        logger.removeHandler(old)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        for old in kept:
            logger.addHandler(old)


def nexus_report(path: str | Path, *, application: str | Path | None = None) -> NexusReport:
    """Return what ``nxcheck`` and ``nxvalidate -a APPLICATION`` say about the file at
    ``path`` (default application: metrolab's ``NXmetrolab_calibration``). Each message is
    prefixed with the check that made it."""
    from nexusformat.nexus.utils import get_logger
    from nexusformat.nexus.validate import validate_application, validate_file

    logger = get_logger()
    found: list[tuple[str, logging.LogRecord]] = []
    checks = (("nxcheck", lambda: validate_file(str(path))),
              ("nxvalidate", lambda: validate_application(
                  str(path), application=str(application or nxdl_path()))))
    for name, check in checks:
        with _collected(logger) as handler:
            logger.setLevel(logging.WARNING)
            check()
        found += [(name, record) for record in handler.records]
    warnings: list[str] = []
    errors: list[str] = []
    where = ""
    for name, record in found:
        message = record.getMessage().strip()
        if record.levelno >= logging.CRITICAL:  # the validator's headers: what it looks at
            where = message.split("\n")[-1].strip() or where
        elif record.levelno >= logging.ERROR:
            errors.append(f"{name}: {where}: {message}")
        else:
            warnings.append(f"{name}: {where}: {message}")
    return NexusReport(tuple(warnings), tuple(errors))
