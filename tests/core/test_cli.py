"""The command line: version, lazy subcommands and one-line errors."""

import subprocess
import sys

from metrolab import __version__


def test_version_is_printed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "metrolab", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_unknown_command_exits_2_without_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "metrolab", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "no-such-command" in done.stderr


def test_help_lists_every_command_without_importing_any() -> None:
    from metrolab.cli import COMMANDS

    code = ("import sys; from metrolab.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "modules = {e.target.split(':')[0] for e in __import__('metrolab.cli').cli"
            ".COMMANDS.values()}\n"
            "print(sorted(m for m in modules if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "[]"  # no command module was imported to print the help
    for name, entry in COMMANDS.items():
        assert any(line.split()[:1] == [name] and entry.help in line for line in lines)


def test_the_table_names_each_commands_own_module() -> None:
    import click

    from metrolab.cli import COMMANDS, LazyGroup

    for name in COMMANDS:
        assert isinstance(LazyGroup._load(name), click.Command), name
