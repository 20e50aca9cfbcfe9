"""``metrolab keys``: the signing keys of the people who seal, review and approve."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def keys() -> None:
    """Signing keys (Ed25519) of the people who seal, review and approve records."""


@keys.command("new")
@click.argument("name")
@click.option("--role", required=True,
              help="The holder's role in the laboratory (reviewer, approver, operator...).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Key folder (default: $METROLAB_KEY_DIR, else the user's "
                                 "metrolab config folder).")
def new(name: str, role: str, directory: Path | None) -> None:
    """Create a key pair for NAME; print its public key, fingerprint and register table."""
    from metrolab.store.signing import create_key

    files = create_key(name, role, directory)
    click.echo(f"private key: {files.private_path} (owner-only; never copy it elsewhere)")
    click.echo(f"public key:  {files.public_key}")
    click.echo(f"fingerprint: {files.fingerprint}")
    click.echo(f"Enter this table in the laboratory's register (also in {files.public_path}):")
    click.echo(files.register_table().rstrip("\n"))
