"""Keeping the catalogue current as records are sealed, reviewed, approved and amended.

The command line subscribes :func:`on_record_event` to the store's audit-log events
(:mod:`metrolab.store.events`). When a command that was given a register (``--register``,
or ``$METROLAB_REGISTER`` for the store's commands) seals, reviews, approves or amends a
record, the catalogue of that register (:func:`metrolab.lab.location.lab_settings`)
indexes the record's folder at once, if the laboratory has a catalogue (the SQLite file
beside the register exists, or the register's ``[lab]`` table names a database): a
laboratory opts in by building it once with ``metrolab catalogue rebuild``. A failure
to update it is one line on stderr; the record is sealed all the same and the next
``metrolab catalogue sync`` (or query) picks it up.
"""

from __future__ import annotations

from pathlib import Path

import click

from metrolab.lab.indexing import CATALOGUED_ACTIONS
from metrolab.store.events import RecordEvent

#: the names the commands give their register option
_REGISTER_PARAMS = ("register", "register_path")


def command_register() -> Path | None:
    """Return the register the running command was given, or None (no such option)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return None
    for name in _REGISTER_PARAMS:
        value = context.params.get(name)
        if value:
            return Path(value)
    return None


def on_record_event(event: RecordEvent) -> None:
    """Index the folder of a sealed, reviewed, approved or amended record in the
    register's catalogue, when there is one; return nothing."""
    if event.action not in CATALOGUED_ACTIONS:
        return
    register = command_register()
    if register is None or not register.is_file():
        return
    from metrolab.errors import MetrolabError
    from metrolab.lab.catalogue import Catalogue
    from metrolab.lab.location import lab_settings, lab_table

    try:
        settings = lab_settings(register=register)
        if settings.catalogue_url.startswith("sqlite:///") and not lab_table(register).get(
                "catalogue") and not Path(settings.catalogue_url[len("sqlite:///"):]).is_file():
            return  # no catalogue yet: the laboratory has not built one
        with Catalogue.open(settings.catalogue_url) as catalogue:
            done = catalogue.sync([str(event.directory)], register=str(register))
    except MetrolabError as exc:
        click.echo(f"catalogue not updated for {event.record_id}: {exc}; run `metrolab "
                   "catalogue sync` once that is fixed", err=True)
        return
    for refused in done.refused:
        click.echo(f"catalogue: {refused.path} not indexed: {refused.reason}", err=True)
