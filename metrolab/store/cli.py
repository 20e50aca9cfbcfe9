"""Command-line front of the store: verify, recover, show, review, approve, amend, audit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from metrolab.clitypes import ExistingPath
from metrolab.errors import MetrolabError, UserInputError

if TYPE_CHECKING:
    from metrolab.store.signing import KeyRegister, SigningKey

EXISTING = ExistingPath()
#: environment variable naming the laboratory's register (the keys it trusts)
REGISTER_ENV = "METROLAB_REGISTER"


def register_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--register FILE`` (default ``$METROLAB_REGISTER``) to a click command."""
    return click.option(
        "--register", "register_path", type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path),
        envvar=REGISTER_ENV, default=None,
        help="The laboratory's register: signatures are checked against its [[signer]] "
             f"keys (default: ${REGISTER_ENV}).")(command)


def load_register(path: Path | None) -> KeyRegister | None:
    """Return the keys of the register at ``path`` (None when no register was given)."""
    from metrolab.store.signing import KeyRegister

    return KeyRegister.load(path) if path is not None else None


def signing_key(who: str, key: str | None) -> SigningKey:
    """Return the key of ``who`` (``--by``): ``key`` (a path or key name) or their own."""
    from metrolab.store.signing import load_signing_key

    loaded = load_signing_key(key or who)
    if " ".join(loaded.name.split()).casefold() != " ".join(who.split()).casefold():
        raise UserInputError(f"the key {loaded.path} belongs to {loaded.name}, not to {who}")
    return loaded


def _anchors(anchor: tuple[str, ...], anchor_files: tuple[Path, ...]) -> tuple[str, ...]:
    from metrolab.store.verification import parse_anchors

    found: list[str] = []
    for text in anchor:
        hashes = parse_anchors(text)
        if len(hashes) != 1 or hashes[0] != text.strip().lower():
            raise UserInputError(f"--anchor {text!r}: give the 64 hex digits that "
                                 "`metrolab audit head` printed")
        found += hashes
    for file in anchor_files:
        try:
            hashes = parse_anchors(file.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise UserInputError(f"--anchor-file {file}: cannot read it ({exc})") from exc
        if not hashes:
            raise UserInputError(f"--anchor-file {file}: it holds no 64-hex-digit log head")
        found += hashes
    return tuple(found)


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--log", "as_log", is_flag=True,
              help="Check PATH as an audit log (also done for a file called audit.log).")
@register_option
@click.option("--anchor", multiple=True, metavar="HASH",
              help="A log head copied away earlier (`metrolab audit head`): it must still be "
                   "in the log (repeat).")
@click.option("--anchor-file", "anchor_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of log heads kept elsewhere; every one must still be in the log.")
def verify(path: Path, as_log: bool, register_path: Path | None, anchor: tuple[str, ...],
           anchor_files: tuple[Path, ...]) -> None:
    """Check a sealed record, a records directory or (--log) an audit log.

    A file named as a record (.h5) or holding HDF5 is checked as a record, never as a
    log. Exit 0 with one "intact" line, or exit 1 with one line naming what is wrong.
    """
    from metrolab.store.verification import verify as run_verify

    report = run_verify(path, register=load_register(register_path),
                        anchors=_anchors(anchor, anchor_files), as_log=as_log)
    if report.ok:
        click.echo(report.summary())
        return
    click.echo(report.summary(), err=True)
    sys.exit(1)


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the record (default: the journal's name with .h5).")
@click.option("--key", default=None, metavar="NAME|FILE",
              help="Sign the seal with this key (`metrolab keys new`); a register requires it.")
def recover(path: Path, out: Path | None, key: str | None) -> None:
    """Seal an interrupted run from its journal (or every *.journal in a directory)."""
    from metrolab.store.sealing import recover as run_recover
    from metrolab.store.signing import load_signing_key

    signer = load_signing_key(key) if key else None

    journals = sorted(path.glob("*.journal")) if path.is_dir() else [path]
    if not journals:
        raise UserInputError(f"recover: no *.journal files in {path}")
    if out is not None and len(journals) > 1:
        raise UserInputError("recover: --out needs a single journal, not a directory")
    failures = []
    for journal in journals:
        try:
            done = run_recover(journal, out, signer=signer)
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
@register_option
def show(path: Path, register_path: Path | None) -> None:
    """Print a summary of a sealed record: identity, review and signatures, instruments,
    points (value, U, decision)."""
    from metrolab.store.record import open_record
    from metrolab.store.summary import summary_lines

    for line in summary_lines(open_record(path, register=load_register(register_path))):
        click.echo(line)


def _by_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = register_option(command)
    command = click.option("--key", default=None, metavar="NAME|FILE",
                           help="The signing key (default: the key of the --by person in "
                                "the key folder).")(command)
    return command


def _head_line(path: Path) -> str:
    from metrolab.store.audit import AuditLog

    head = AuditLog.for_record(path).head()
    if head is None:
        return "audit log head: none (the log is empty)"
    return (f"audit log head: {head['hash']} (entry {head['seq']}): keep a copy elsewhere; "
            f"`metrolab verify --anchor {head['hash']} {path.parent}` later proves the log "
            "was not cut back")


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person who checked the record.")
@_by_options
def review(path: Path, who: str, key: str | None, register_path: Path | None) -> None:
    """Mark a draft record as reviewed, signed with the reviewer's key."""
    from metrolab.store.approval import review as run_review

    state = run_review(path, signing_key(who, key), register=load_register(register_path))
    click.echo(f"{path}: reviewed by {state.who} at {state.when}")
    click.echo(_head_line(path))


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person who authorises it.")
@_by_options
def approve(path: Path, who: str, key: str | None, register_path: Path | None) -> None:
    """Approve a reviewed record, signed with the approver's key (not the reviewer's)."""
    from metrolab.store.approval import approve as run_approve

    state = run_approve(path, signing_key(who, key), register=load_register(register_path))
    click.echo(f"{path}: approved by {state.who} at {state.when}")
    click.echo(_head_line(path))


@click.command()
@click.argument("path", type=EXISTING)
@click.option("--by", "who", required=True, help="Name of the person making the amendment.")
@click.option("--reason", required=True, help="Why the record is amended.")
@click.option("--set", "changes", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A run field to change, e.g. customer.name='New Ltd' (VALUE may be JSON).")
@_by_options
def amend(path: Path, who: str, reason: str, changes: tuple[str, ...], key: str | None,
          register_path: Path | None) -> None:
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
    new = run_amend(path, signer=signing_key(who, key), reason=reason, changes=parsed,
                    register=load_register(register_path))
    click.echo(f"{path}: amended as {new}")


@click.group()
def audit() -> None:
    """The audit log of a records directory."""


@audit.command()
@click.argument("path", type=EXISTING, default=".")
def head(path: Path) -> None:
    """Print the hash of the last entry of the audit log in PATH (a records directory or
    an audit log): copy it elsewhere and check it later with `metrolab verify --anchor`."""
    from metrolab.store.audit import AUDIT_LOG_NAME, AuditLog

    log = AuditLog(path / AUDIT_LOG_NAME if path.is_dir() else path)
    if not log.path.is_file():
        raise UserInputError(f"audit head: no audit log at {log.path}")
    last = log.head()
    if last is None:
        raise MetrolabError(f"audit head: {log.path} has no entries")
    click.echo(f"{last['hash']}  entry {last['seq']} of {log.path} at {last['time']}")
