"""``metrolab report``: certificates from a sealed, approved record."""

from __future__ import annotations

from pathlib import Path

import click

from metrolab.certificates.from_record import content_from_record
from metrolab.certificates.issue import (
    SUFFIXES,
    default_name,
    load_for_certificate,
    write_renderings,
)
from metrolab.errors import UserInputError
from metrolab.store.cli import load_register, register_option


@click.command("report")
@click.argument("record", type=click.Path(path_type=Path))
@click.option("--pdf", type=click.Path(path_type=Path), help="Write the PDF certificate here.")
@click.option("--html", type=click.Path(path_type=Path), help="Write the HTML certificate here.")
@click.option("--dcc", type=click.Path(path_type=Path),
              help="Write the Digital Calibration Certificate (DCC 3.3.0 XML) here.")
@click.option("--draft", is_flag=True,
              help="Render an unapproved record as a draft, marked DRAFT on every page.")
@register_option
def report(record: Path, pdf: Path | None, html: Path | None, dcc: Path | None,
           draft: bool, register_path: Path | None) -> None:
    """Render certificates of RECORD (a sealed .h5).

    Without --pdf/--html/--dcc all three are written beside RECORD, named by the
    certificate ID. Refuses an unsealed, altered or unapproved record (exit 2).
    """
    targets = {kind: path for kind, path in (("pdf", pdf), ("html", html), ("dcc", dcc)) if path}
    for path in targets.values():
        if not path.parent.is_dir():
            raise UserInputError(f"report: folder {path.parent} for {path.name} does not "
                                 "exist; create it or choose another path")
    opened = load_for_certificate(record, draft=draft, register=load_register(register_path))
    content = content_from_record(opened, draft=draft)
    if not targets:
        targets = {kind: record.parent / default_name(content, kind) for kind in SUFFIXES}
    for kind, path in write_renderings(content, targets).items():
        click.echo(f"{kind}: {path}")
