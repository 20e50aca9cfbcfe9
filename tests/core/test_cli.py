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
