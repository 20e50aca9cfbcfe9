"""The ``metrolab`` command line.

Subcommands live beside the code they drive and are imported only when run, so
``metrolab --help`` and shell completion stay fast. Every expected failure is a
:class:`~metrolab.errors.MetrolabError`: it is printed as one line on stderr and
the command exits with code 2 for bad input, 1 for anything else; a traceback
means a bug.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from metrolab import __version__
from metrolab.errors import MetrolabError, UserInputError

#: command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "sim": "metrolab.instrument.cli:sim",
    "idn": "metrolab.instrument.cli:idn",
    "list": "metrolab.instrument.cli:list_resources",
    "uncertainty": "metrolab.uncertainty.cli:uncertainty",
    "risk": "metrolab.conformity.cli:risk",
    "verify": "metrolab.store.cli:verify",
    "recover": "metrolab.store.cli:recover",
    "show": "metrolab.store.cli:show",
    "review": "metrolab.store.cli:review",
    "approve": "metrolab.store.cli:approve",
    "amend": "metrolab.store.cli:amend",
    "report": "metrolab.certificates.cli:report",
    "procedures": "metrolab.runner.cli:procedures",
    "run": "metrolab.runner.cli:run",
    "resume": "metrolab.runner.cli:resume",
    "demo": "metrolab.runner.cli:demo",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of the subcommands that are installed, sorted."""
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the click command called ``cmd_name``, or None if there is none."""
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of metrolab is not built yet
            raise
        command: click.Command = getattr(module, attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="metrolab")
def cli() -> None:
    """metrolab: calibrate instruments, evaluate uncertainty, keep the records."""


def main(argv: list[str] | None = None) -> Any:
    """Run the command line; return nothing, exit with the command's code.

    Known failures become one line on stderr: exit 2 for bad input, 1 otherwise.
    """
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
