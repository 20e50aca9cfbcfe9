"""Command-line front of the store: verify, recover, show, review, approve, amend."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from metrolab.clitypes import ExistingPath
from metrolab.errors import MetrolabError, UserInputError

EXISTING = ExistingPath()


@click.command()
@click.argument("path", type=EXISTING)
def verify(path: Path) -> None:
    """Check a sealed record (or an audit.log) against its hashes and the audit log.

    Exit 0 with one "intact" line, or exit 1 listing what does not match.
    """
    from metrolab.store.verification import verify as run_verify

    report = run_verify(path)
    if report.ok:
        click.echo(report.summary())
        return
    click.echo(f"{path}: NOT intact", err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the record (default: the journal's name with .h5).")
def recover(path: Path, out: Path | None) -> None:
    """Seal an interrupted run from its journal (or every *.journal in a directory)."""
    from metrolab.store.sealing import recover as run_recover

    journals = sorted(path.glob("*.journal")) if path.is_dir() else [path]
    if not journals:
        raise UserInputError(f"recover: no *.journal files in {path}")
    if out is not None and len(journals) > 1:
        raise UserInputError("recover: --out needs a single journal, not a directory")
    failures = []
    for journal in journals:
        try:
            done = run_recover(journal, out)
        except MetrolabError as exc:  # report it, go on with the other journals
            click.echo(f"{journal}: not recovered: {exc}", err=True)
            failures.append(journal.name)
            continue
        click.echo(f"{journal}: {done.action} as {done.path} (run {done.run_id}, "
                   f"{done.status})")
    if failures:
        raise MetrolabError(f"recover: {len(failures)} of {len(journals)} journal(s) not "
                            f"recovered ({', '.join(failures)}); see the reasons above")


@click.command()
@click.argument("path", type=EXISTING)
def show(path: Path) -> None:
    """Print a summary of a sealed record: identity, instruments, points (value, U, decision)."""
    from metrolab.store.record import open_record
    from metrolab.store.summary import summary_lines

    for line in summary_lines(open_record(path)):
        click.echo(line)


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person who checked the record.")
def review(path: Path, who: str) -> None:
    """Mark a draft record as reviewed by a named person (an audit-log entry)."""
    from metrolab.store.approval import review as run_review

    state = run_review(path, who)
    click.echo(f"{path}: reviewed by {state.who} at {state.when}")


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person who authorises it.")
def approve(path: Path, who: str) -> None:
    """Approve a reviewed record (the approver must not be the reviewer)."""
    from metrolab.store.approval import approve as run_approve

    state = run_approve(path, who)
    click.echo(f"{path}: approved by {state.who} at {state.when}")


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person making the amendment.")
@click.option("--reason", required=True, help="Why the record is amended.")
@click.option("--set", "changes", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A run field to change, e.g. customer.name='New Ltd' (VALUE may be JSON).")
def amend(path: Path, who: str, reason: str, changes: tuple[str, ...]) -> None:
    """Seal an amended copy of a record; the original stays readable and is superseded."""
    from metrolab.store.approval import amend as run_amend

    parsed = {}
    for change in changes:
        field, sep, text = change.partition("=")
        if not sep or not field:
            raise UserInputError(f"amend: --set {change!r} must look like FIELD=VALUE")
        try:
            parsed[field] = json.loads(text)
        except ValueError:
            parsed[field] = text
    new = run_amend(path, who=who, reason=reason, changes=parsed)
    click.echo(f"{path}: amended as {new}")
