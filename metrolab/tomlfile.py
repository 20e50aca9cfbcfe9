"""Reading a TOML file that a user wrote, with one clear error when it cannot be used."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from metrolab.errors import UserInputError


def read_toml(path: str | Path, what: str,
              error: type[UserInputError] = UserInputError) -> dict[str, Any]:
    """Return the top-level table of the TOML file at ``path``.

    ``what`` names the file in the message (``"register of standards"``, say). Raises
    ``error`` (a :class:`UserInputError`) naming the file and the problem when the file
    cannot be read or is not valid TOML.
    """
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{what} {path}: cannot read it ({exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path}: not valid TOML ({exc})") from exc
