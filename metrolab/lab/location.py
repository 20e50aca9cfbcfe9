"""Where the laboratory's catalogue and cluster are: ``--db``, ``--scheduler`` or the register.

By default the catalogue is the SQLite file ``catalogue.sqlite`` beside the register
(``--register FILE`` or ``$METROLAB_REGISTER``): nothing to set up. A laboratory with a
database server names it once in the register's ``[lab]`` table, or per command with
``--db``::

    [lab]
    catalogue = "postgresql://metrolab@db.lab.example/metrolab"
    scheduler = "tcp://10.0.0.5:8786"    # a Dask cluster for re-evaluation (optional)

A relative SQLite path in the register is taken from the register's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrolab.lab.errors import CatalogueInputError
from metrolab.tomlfile import read_toml

#: the catalogue's file name beside the register
CATALOGUE_FILE = "catalogue.sqlite"
#: environment variable naming the laboratory's register
REGISTER_ENV = "METROLAB_REGISTER"
#: database URL schemes the catalogue knows, and the SQLAlchemy driver used for each
DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg",
           "postgres": "postgresql+psycopg", "postgresql+psycopg": "postgresql+psycopg"}
_LAB_KEYS = ("catalogue", "scheduler")


@dataclass(frozen=True, slots=True)
class LabSettings:
    """The catalogue's database URL (SQLAlchemy form), the Dask scheduler address (None:
    this machine) and the register they came from (None when none was given)."""

    catalogue_url: str
    scheduler: str | None
    register: Path | None


def register_path(register: Path | None) -> Path | None:
    """Return ``register``, else ``$METROLAB_REGISTER`` (None when neither is set)."""
    if register is not None:
        return Path(register)
    env = os.environ.get(REGISTER_ENV, "").strip()
    return Path(env) if env else None


def lab_table(register: Path) -> dict[str, str]:
    """Return the register's ``[lab]`` table (empty when it has none).

    Raises :class:`CatalogueInputError` naming the register for an unreadable file or an
    unknown or non-text key.
    """
    data = read_toml(register, "register", CatalogueInputError)
    table: Any = data.get("lab", {})
    where = f"register {register}, [lab]"
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise CatalogueInputError(f"{where}: must hold text ({', '.join(_LAB_KEYS)})")
    unknown = sorted(set(table) - set(_LAB_KEYS))
    if unknown:
        raise CatalogueInputError(f"{where}: unknown key {unknown[0]!r} (allowed: "
                                  f"{', '.join(_LAB_KEYS)})")
    return dict(table)


def database_url(text: str, base: Path | None = None) -> str:
    """Return a catalogue URL in SQLAlchemy form from ``--db`` text.

    ``postgresql://...`` uses the psycopg driver; ``sqlite:///FILE`` and a plain file
    path give a SQLite file (relative to ``base`` when given). Raises
    :class:`CatalogueInputError` for another scheme or a malformed URL.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    text = text.strip()
    if not text:
        raise CatalogueInputError("--db: give a database URL (sqlite:///FILE or "
                                  "postgresql://USER@HOST/DB) or a file path")
    if "://" not in text:
        path = Path(text)
        if base is not None and not path.is_absolute():
            path = base / path
        return f"sqlite:///{path}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise CatalogueInputError(f"--db {text!r} is not a database URL ({exc})") from None
    driver = DRIVERS.get(url.drivername)
    if driver is None:
        raise CatalogueInputError(f"--db {url.drivername}://...: the catalogue works with "
                                  "SQLite (sqlite:///FILE) and PostgreSQL (postgresql://...)")
    if driver == "sqlite" and url.database and base is not None \
            and not Path(url.database).is_absolute():
        url = url.set(database=str(base / url.database))
    return url.set(drivername=driver).render_as_string(hide_password=False)


def lab_settings(*, db: str | None = None, register: Path | None = None,
                 scheduler: str | None = None) -> LabSettings:
    """Return where the catalogue and cluster are, from the options and the register.

    ``db`` and ``scheduler`` win over the register's ``[lab]`` table; without any, the
    catalogue is ``catalogue.sqlite`` beside the register. Raises
    :class:`CatalogueInputError` when no ``--db`` is given and there is no register.
    """
    reg = register_path(register)
    table = lab_table(reg) if reg is not None and reg.is_file() else {}
    if reg is not None and not reg.is_file():
        raise CatalogueInputError(f"register {reg} does not exist (--register or "
                                  f"${REGISTER_ENV})")
    if db is not None:
        url = database_url(db)
    elif table.get("catalogue"):
        url = database_url(table["catalogue"], reg.parent if reg is not None else None)
    elif reg is not None:
        url = database_url(str(reg.resolve().parent / CATALOGUE_FILE))
    else:
        raise CatalogueInputError(f"no catalogue given: use --db URL, or --register FILE "
                                  f"(or ${REGISTER_ENV}) to use {CATALOGUE_FILE} beside it")
    chosen = scheduler if scheduler is not None else table.get("scheduler") or None
    return LabSettings(url, chosen, reg)
