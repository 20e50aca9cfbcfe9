"""Where a specification table comes from: packaged with metrolab, or the laboratory's own.

Every instrument profile asks this module for its specification (``resolve(path)``, the
packaged file it would use); a laboratory's own tables (``--specs DIR``, or the ``specs``
folder its register names) take over while a run has them active (:func:`lab_specs`):

* a lab file with the same ``model`` and ``interval`` as a packaged one *overrides* it
  (the datasheet the lab owns, its own characterised specification);
* a lab file for a (model, interval) metrolab does not ship *extends* it: ``lookup``
  finds it, and a profile asked for an interval it holds no file for finds it too.

Each table given out is recorded as a :class:`SpecSource` (file, SHA-256, packaged or
lab); the runner takes the new ones after each plan (:func:`take_uses`) and journals
them, so the record and the certificate name the source of every specification used.
Intervals compare without case, blanks or hyphens (``1 year`` = ``1-year``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal

from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.spec_schema import SpecFileError, check_text
from metrolab.instrument.specs import AccuracySpec
from metrolab.toml_check import parse, read_text

Origin = Literal["packaged", "lab"]


class LabSpecsError(UserInputError):
    """A laboratory specification folder cannot be used (missing, or two files for one
    model and interval): the message names the folder or both files."""


@dataclass(frozen=True, slots=True)
class SpecSource:
    """Which file a specification table came from, and its SHA-256 (hex)."""

    model: str
    interval: str
    path: str
    sha256: str
    origin: Origin

    def to_dict(self) -> dict[str, str]:
        """Return the source as JSON-safe data (what the journal's event holds)."""
        return {"model": self.model, "interval": self.interval, "path": self.path,
                "sha256": self.sha256, "origin": self.origin}

    @classmethod
    def from_dict(cls, data: Any) -> SpecSource:
        """Return the source written by :meth:`to_dict` (unknown origins read as lab)."""
        origin: Origin = "packaged" if data.get("origin") == "packaged" else "lab"
        return cls(str(data.get("model", "")), str(data.get("interval", "")),
                   str(data.get("path", "")), str(data.get("sha256", "")), origin)

    def wording(self) -> str:
        """Return how a certificate names this source, one sentence."""
        table = f"{self.model} {self.interval} specification"
        if self.origin == "lab":
            return (f"{table}: the laboratory's file {Path(self.path).name}, "
                    f"SHA-256 {self.sha256}")
        return f"{table}: manufacturer's data packaged with metrolab ({Path(self.path).name})"


def interval_key(interval: str) -> str:
    """Return ``interval`` as compared: lower case without blanks, hyphens or underscores."""
    return "".join(ch for ch in interval.casefold() if ch not in " -_")


def _key(model: str, interval: str) -> tuple[str, str]:
    return model.strip().casefold(), interval_key(interval)


@dataclass(frozen=True, slots=True)
class _LabFile:
    path: Path
    sha256: str
    model: str
    interval: str


@dataclass
class _Session:
    """The lab folders active for a run, their files by (model, interval), and the
    sources given out that the runner has not taken yet."""

    folders: tuple[Path, ...]
    files: dict[tuple[str, str], _LabFile]
    used: set[SpecSource] = field(default_factory=set)
    pending: list[SpecSource] = field(default_factory=list)


_LOCK = threading.Lock()
_ACTIVE: _Session | None = None


def scan(folders: Sequence[Path]) -> dict[tuple[str, str], _LabFile]:
    """Return the lab's specification files of ``folders`` (every ``*.toml``) by (model,
    interval), each checked in full.

    An earlier folder wins over a later one; two files of one folder for the same model
    and interval raise :class:`LabSpecsError`; a bad file raises :class:`SpecFileError`
    with its lines.
    """
    files: dict[tuple[str, str], _LabFile] = {}
    for folder in folders:
        if not folder.is_dir():
            raise LabSpecsError(f"laboratory specification folder {folder}: no such folder "
                                "(--specs DIR, or the register's specs key)")
        here: dict[tuple[str, str], _LabFile] = {}
        for path in sorted(folder.glob("*.toml")):
            found = _lab_file(path)
            key = _key(found.model, found.interval)
            if key in here:
                raise LabSpecsError(
                    f"laboratory specification files {here[key].path} and {path} both give "
                    f"the {found.model} {found.interval} specification: keep one")
            here[key] = found
        for key, found in here.items():
            files.setdefault(key, found)
    return files


def _lab_file(path: Path) -> _LabFile:
    """Return a lab file's identity after checking it as a table of functions (or of any
    measurand: a file whose names are not functions is checked again when it is used)."""
    text = read_text(path, "specification file", SpecFileError)
    table, problems = check_text(text, Function)
    if table is None:
        data, _ = parse(text)
        only_names = data is not None and all("functions" in p.message for p in problems)
        if not only_names or data is None:
            raise SpecFileError("specification file", path, problems)
        model, interval = str(data["model"]), str(data["interval"])
    else:
        model, interval = table.model, table.interval
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _LabFile(path.resolve(), digest, model, interval)


@contextmanager
def lab_specs(folders: Sequence[str | Path]) -> Iterator[tuple[Path, ...]]:
    """Make the lab specification files of ``folders`` active for the block; yield the
    folders. The previous set (if any) comes back after the block."""
    global _ACTIVE
    paths = tuple(Path(f) for f in folders)
    session = _Session(paths, scan(paths))
    with _LOCK:
        before, _ACTIVE = _ACTIVE, session
    try:
        yield paths
    finally:
        with _LOCK:
            _ACTIVE = before


def active_folders() -> tuple[Path, ...]:
    """Return the lab specification folders active now (none outside a run)."""
    session = _ACTIVE
    return session.folders if session is not None else ()


def resolve(packaged: Path, *, functions: type[Enum] = Function) -> AccuracySpec:
    """Return the table to use in place of the packaged file ``packaged``: the active lab
    file with its model and interval when there is one, else the packaged file.

    Raises :class:`SpecFileError` for a file that is not a valid table.
    """
    model, interval = _identity(packaged)
    session = _ACTIVE
    lab = session.files.get(_key(model, interval)) if session is not None else None
    if lab is not None:
        return _give(lab.path, lab.sha256, "lab", functions)
    return _give(packaged, _digest(packaged), "packaged", functions)


def lookup(model: str, interval: str, *, functions: type[Enum] = Function,
           packaged: Path | None = None) -> AccuracySpec | None:
    """Return the table for ``model`` and ``interval``: the active lab file, else
    ``packaged`` (when given), else None (nobody holds one)."""
    session = _ACTIVE
    lab = session.files.get(_key(model, interval)) if session is not None else None
    if lab is not None:
        return _give(lab.path, lab.sha256, "lab", functions)
    if packaged is not None:
        return _give(packaged, _digest(packaged), "packaged", functions)
    return None


def packaged_table(model: str, interval: str) -> Path | None:
    """Return the packaged table file of ``model`` and ``interval`` (any maker's
    ``specs`` folder of ``metrolab.drivers``), or None when metrolab ships none."""
    return _packaged().get(_key(model, interval))


@cache
def _packaged() -> dict[tuple[str, str], Path]:
    import importlib.util

    found = importlib.util.find_spec("metrolab.drivers")
    tables: dict[tuple[str, str], Path] = {}
    for root in (found.submodule_search_locations or []) if found else []:
        for path in sorted(Path(root).glob("*/specs/*.toml")):
            model, interval = _identity(path)
            tables.setdefault(_key(model, interval), path)
    return tables


def take_uses() -> list[SpecSource]:
    """Return the sources given out since the last call (each once per run), oldest first."""
    session = _ACTIVE
    if session is None:
        return []
    with _LOCK:
        taken, session.pending = session.pending, []
    return taken


def _give(path: Path, sha256: str, origin: Origin, functions: type[Enum]) -> AccuracySpec:
    spec = _load(path, sha256, functions)
    session = _ACTIVE
    if session is not None:
        source = SpecSource(spec.model, spec.interval, str(path), sha256, origin)
        with _LOCK:
            if source not in session.used:
                session.used.add(source)
                session.pending.append(source)
    return spec


@cache
def _load(path: Path, sha256: str, functions: type[Enum]) -> AccuracySpec:
    """Return the table of ``path`` as it was with ``sha256`` (cached by content)."""
    return AccuracySpec.load(path, functions=functions)


def _digest(path: Path) -> str:
    stat = path.stat()
    return _digest_of(path, stat.st_mtime_ns, stat.st_size)


@cache
def _digest_of(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _identity(path: Path) -> tuple[str, str]:
    """Return (model, interval) of the packaged table ``path``."""
    return _identity_of(path, _digest(path))


@cache
def _identity_of(path: Path, sha256: str) -> tuple[str, str]:
    text = read_text(path, "specification file", SpecFileError)
    data, problems = parse(text)
    if data is None:
        raise SpecFileError("specification file", path, problems)
    return str(data.get("model", "")), str(data.get("interval", ""))
