"""The ``metrolab`` command line.

Subcommands live beside the code they drive and are imported only when run, so
``metrolab --help`` and shell completion stay fast. Every expected failure is a
:class:`~metrolab.errors.MetrolabError`: it is printed as one line on stderr and
the command exits with code 2 for bad input, 1 for anything else; a traceback
means a bug.
"""

from __future__ import annotations

import importlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from metrolab import __version__
from metrolab.errors import MetrolabError, UserInputError


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """Where a subcommand lives (``module:attribute``) and its one-line help."""

    target: str
    help: str


#: command name -> where its click command lives and the line ``metrolab --help`` shows,
#: so listing the commands imports none of them
COMMANDS: dict[str, CommandEntry] = {
    "sim": CommandEntry("metrolab.instrument.cli:sim",
                        "Serve simulated instruments over TCP (127.0.0.1) and ptys."),
    "idn": CommandEntry("metrolab.instrument.cli:idn",
                        "Print the identity (*IDN?) of the instrument at RESOURCE."),
    "list": CommandEntry("metrolab.instrument.cli:list_resources",
                         "List the VISA resources the VISA library finds."),
    "uncertainty": CommandEntry("metrolab.uncertainty.cli:uncertainty",
                                "GUM and Monte Carlo evaluation of a model file."),
    "risk": CommandEntry("metrolab.conformity.cli:risk",
                         "Acceptance limits, TUR, statement and risks (ILAC-G8)."),
    "verify": CommandEntry("metrolab.store.cli:verify",
                           "Check a record, a records folder or an audit log."),
    "recover": CommandEntry("metrolab.store.cli:recover",
                            "Seal an interrupted run from its journal."),
    "show": CommandEntry("metrolab.store.cli:show", "Print a summary of a sealed record."),
    "review": CommandEntry("metrolab.store.cli:review",
                           "Sign a draft record as reviewed, with the reviewer's key."),
    "approve": CommandEntry("metrolab.store.cli:approve",
                            "Sign a reviewed record as approved (not by its reviewer)."),
    "amend": CommandEntry("metrolab.store.cli:amend",
                          "Seal an amended copy of a record; the original stays."),
    "audit": CommandEntry("metrolab.store.cli:audit",
                          "Audit-log tools: print the head hash to keep as an anchor."),
    "keys": CommandEntry("metrolab.store.keys_cli:keys",
                         "Create a signing key for sealing, review and approval."),
    "report": CommandEntry("metrolab.certificates.cli:report",
                           "Render the certificates of a sealed record."),
    "procedures": CommandEntry("metrolab.runner.cli:procedures",
                               "List the installed procedures and the roles they need."),
    "run": CommandEntry("metrolab.runner.cli:run",
                        "Run a procedure (or rehearse it: --simulate), seal the record."),
    "resume": CommandEntry("metrolab.runner.cli:resume",
                           "Go on with a run after a crash, at its first incomplete point."),
    "demo": CommandEntry("metrolab.demo.cli:demo",
                         "A whole simulated calibration, record and certificate."),
    "log": CommandEntry("metrolab.daq.cli:log",
                        "Record readings at an interval into HDF5, with a live table."),
    "sweep": CommandEntry("metrolab.daq.cli:sweep",
                          "Sweep setpoints and record readings at each into HDF5."),
    "daq": CommandEntry("metrolab.daq.cli:daq",
                        "Acquisition files: recover, resume, export, view live."),
    "register": CommandEntry("metrolab.lab.standards.cli:register",
                             "Standards: import DCCs, due dates, drift, intervals."),
    "catalogue": CommandEntry("metrolab.lab.cli:catalogue",
                              "Index sealed records in a database; rebuild or sync it."),
    "records": CommandEntry("metrolab.lab.cli:records",
                            "Find catalogued records by item, standard, date, status."),
    "impact": CommandEntry("metrolab.lab.cli:impact",
                           "Re-judge the records of an out-of-tolerance standard."),
    "fleet": CommandEntry("metrolab.lab.cli:fleet",
                          "Write a simulated fleet of sealed records."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when one of them runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of the subcommands, sorted (nothing is imported)."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the click command called ``cmd_name``, or None if there is none."""
        return self._load(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the command list of ``--help`` from :data:`COMMANDS`, importing nothing."""
        rows = [(name, COMMANDS[name].help) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module_name, attribute = entry.target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of metrolab is not installed
            raise
        command: click.Command = getattr(module, attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="metrolab")
@click.option(
    "--log-io",
    "log_io",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Append every message written to and read from an instrument to this file.",
)
def cli(log_io: Path | None) -> None:
    """metrolab: calibrate instruments, evaluate uncertainty, keep the records."""
    if log_io is not None:
        log_instrument_io(log_io)


def log_instrument_io(path: Path) -> logging.Handler:
    """Send the DEBUG records of every ``metrolab.io.<resource>`` logger (each write and
    read of each instrument) to ``path``, appended, one line each; return the handler.

    Raises UserInputError when the file cannot be opened.
    """
    from metrolab.instrument.transport import IO_LOGGER

    try:
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    except OSError as exc:
        raise UserInputError(f"--log-io {path}: cannot open for writing ({exc.strerror})") from exc
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger = logging.getLogger(IO_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return handler


def main(argv: list[str] | None = None) -> Any:
    """Run the command line; return nothing, exit with the command's code.

    Known failures become one line on stderr: exit 2 for bad input, 1 otherwise.
    """
    from metrolab.store import events

    # the catalogue follows seals, reviews, approvals and amendments (imported on the first)
    events.subscribe("metrolab.lab.autosync:on_record_event")
    try:
        return cli.main(args=argv, prog_name="metrolab", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UserInputError as exc:
        click.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(2)
    except MetrolabError as exc:
        click.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(1)


def one_line(text: str) -> str:
    """Return ``text`` with every character that would break the line escaped (newlines,
    but also the separators Python and terminals treat as one: \\x1c-\\x1e, \\x85,
    \\u2028...), so that an error quoting a user's text stays one line on stderr."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1 and not text.endswith(("\n", "\r")):
        return text
    out = []
    for line in lines:
        body = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        out.append(body + line[len(body) :].encode("unicode_escape").decode("ascii"))
    return "".join(out)
