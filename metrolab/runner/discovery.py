"""Finding procedures: built-ins, a folder given on the command line, installed packages.

Three sources, in this order:

1. the modules of ``metrolab.procedures`` (shipped with metrolab);
2. every ``*.py`` and ``*.toml`` (procedure as data, :mod:`metrolab.runner.toml_procedure`)
   file of the lab's folder (``--procedures DIR`` or the register's ``procedures`` key);
3. the entry-point group ``metrolab.procedures`` (``name = "package.module"``, or an
   attribute holding the path of a TOML procedure), so a lab can ship its procedures as
   an installed package without forking.

Nothing is silently shadowed: a name given by two sources raises
:class:`ProcedureClash` naming both; an entry point that cannot be loaded, or that
gives neither a module nor a TOML file, is reported as a :class:`BrokenEntryPoint`
(a warning naming the distribution, the entry point and the error; ``metrolab
procedures`` lists it) and the other procedures stay usable.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from metrolab.runner.errors import ProcedureDefinitionError, ProcedureNotFound
from metrolab.runner.procedure import Metadata, TestPoint

ENTRY_POINT_GROUP = "metrolab.procedures"


class ProcedureClash(ProcedureDefinitionError):
    """Two sources give a procedure of the same name: the message names both."""


class BrokenEntryPointWarning(UserWarning):
    """An entry point of another package could not give a procedure (it is left out)."""


@dataclass(frozen=True, slots=True)
class BrokenEntryPoint:
    """An entry point that gave no procedure: its distribution, name, value and why."""

    distribution: str
    name: str
    value: str
    error: str

    def describe(self) -> str:
        """Return one line naming the distribution, the entry point and the error."""
        return (f"entry point {self.name} = {self.value!r} of distribution "
                f"{self.distribution} (group {ENTRY_POINT_GROUP}) is left out: {self.error}")


@dataclass(frozen=True, slots=True)
class Procedure:
    """A loaded procedure module with where it came from (``builtin``, a file, an entry point)."""

    module: ModuleType
    source: str

    @property
    def metadata(self) -> Metadata:
        """Return the module's ``METADATA``."""
        metadata: Metadata = self.module.METADATA
        return metadata

    @property
    def points(self) -> tuple[TestPoint, ...]:
        """Return the module's ``TEST_POINTS`` as a tuple."""
        return tuple(self.module.TEST_POINTS)


def validate(module: ModuleType, source: str) -> Procedure:
    """Return ``module`` as a :class:`Procedure` after checking its three required names.

    Raises :class:`ProcedureDefinitionError` naming the module and what is wrong.
    """
    where = f"procedure module {module.__name__} ({source})"
    metadata = getattr(module, "METADATA", None)
    if not isinstance(metadata, Metadata):
        raise ProcedureDefinitionError(f"{where}: METADATA is missing or not a runner Metadata")
    points = getattr(module, "TEST_POINTS", None)
    if not points or not all(isinstance(p, TestPoint) for p in points):
        raise ProcedureDefinitionError(f"{where}: TEST_POINTS is missing, empty or not TestPoints")
    ids = [p.point_id for p in points]
    if len(set(ids)) != len(ids):
        raise ProcedureDefinitionError(f"{where}: TEST_POINTS has duplicate point_id values")
    if not callable(getattr(module, "measure_point", None)):
        raise ProcedureDefinitionError(f"{where}: measure_point(ctx, point) is missing")
    return Procedure(module, source)


def _is_procedure(module: ModuleType) -> bool:
    return isinstance(getattr(module, "METADATA", None), Metadata)


def _builtin() -> list[Procedure]:
    package = importlib.import_module("metrolab.procedures")
    found = []
    for info in pkgutil.iter_modules(package.__path__, prefix="metrolab.procedures."):
        try:
            module = importlib.import_module(info.name)
        except ImportError as exc:
            raise ProcedureDefinitionError(
                f"built-in procedure {info.name} cannot be imported ({exc}): the metrolab "
                "installation is incomplete; reinstall it"
            ) from exc
        if _is_procedure(module):
            found.append(validate(module, "builtin"))
    return found


def _from_folder(folder: Path) -> list[Procedure]:
    if not folder.is_dir():
        raise ProcedureNotFound(f"--procedures {folder}: no such folder")
    found = []
    for file in sorted(folder.glob("*.py")):
        name = f"metrolab_lab_procedures.{file.stem}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ProcedureDefinitionError(f"procedure file {file}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise ProcedureDefinitionError(
                f"procedure file {file}: importing it failed: {type(exc).__name__}: {exc}"
            ) from exc
        if _is_procedure(module):
            found.append(validate(module, str(file)))
    found += [from_toml(file) for file in sorted(folder.glob("*.toml"))]
    return found


def from_toml(path: Path) -> Procedure:
    """Return the TOML procedure in ``path``; raise its ProcedureFileError (lines) if bad."""
    from metrolab.runner.toml_procedure import compile_file

    return validate(compile_file(path), str(path))


def _distribution(entry: EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else ""


def _from_entry_points(entries: Iterable[EntryPoint] | None = None
                       ) -> tuple[list[Procedure], list[BrokenEntryPoint]]:
    found: list[Procedure] = []
    broken: list[BrokenEntryPoint] = []
    for entry in entries if entries is not None else entry_points(group=ENTRY_POINT_GROUP):
        dist = _distribution(entry)
        source = f"entry point {entry.name}" + (f" of {dist}" if dist else "")
        try:
            loaded = entry.load()
            if isinstance(loaded, ModuleType):
                if _is_procedure(loaded):
                    found.append(validate(loaded, source))
                    continue
                raise ProcedureDefinitionError(f"module {loaded.__name__} has no METADATA")
            if isinstance(loaded, str | Path) and str(loaded).endswith(".toml"):
                procedure = from_toml(Path(loaded))
                found.append(Procedure(procedure.module, source))
                continue
            raise ProcedureDefinitionError(
                f"it gives {type(loaded).__name__} {loaded!r}, not a procedure module or "
                "the path of a TOML procedure")
        except Exception as exc:
            broken.append(BrokenEntryPoint(dist or "(unknown)", entry.name, entry.value,
                                           f"{type(exc).__name__}: {exc}"))
    for problem in broken:
        warnings.warn(problem.describe(), BrokenEntryPointWarning, stacklevel=2)
    return found, broken


@dataclass(frozen=True, slots=True)
class Discovery:
    """Every procedure found, by name, and the entry points that gave none."""

    procedures: dict[str, Procedure]
    broken: tuple[BrokenEntryPoint, ...]


def discover_all(folder: str | Path | None = None,
                 entries: Iterable[EntryPoint] | None = None) -> Discovery:
    """Return the procedures of every source (``entries``: the entry points to read, all
    installed ones when None) and the broken entry points.

    Raises :class:`ProcedureClash` when two sources give the same name.
    """
    procedures: dict[str, Procedure] = {}
    sources = _builtin()
    if folder is not None:
        sources += _from_folder(Path(folder))
    from_entries, broken = _from_entry_points(entries)
    for procedure in sources + from_entries:
        name = procedure.metadata.name
        if name in procedures:
            first = procedures[name].source
            raise ProcedureClash(
                f"procedure {name!r} is given twice: by {_named(first)} and by "
                f"{_named(procedure.source)}; rename one (a built-in is never replaced)")
        procedures[name] = procedure
    return Discovery(procedures, tuple(broken))


def _named(source: str) -> str:
    return "metrolab's built-in procedures" if source == "builtin" else source


def discover(folder: str | Path | None = None) -> dict[str, Procedure]:
    """Return every procedure found, keyed by ``METADATA.name``, built-ins first."""
    return discover_all(folder).procedures


def find_procedure(name: str, folder: str | Path | None = None) -> Procedure:
    """Return the procedure called ``name``, or the TOML procedure file ``name`` names;
    raise :class:`ProcedureNotFound` if unknown."""
    if name.endswith(".toml"):
        if not Path(name).is_file():
            raise ProcedureNotFound(f"procedure file {name}: no such file")
        return from_toml(Path(name))
    procedures = discover(folder)
    if name not in procedures:
        known = ", ".join(sorted(procedures)) or "none"
        raise ProcedureNotFound(
            f"unknown procedure {name!r}; known procedures: {known} "
            "(see `metrolab procedures`; add a folder with --procedures DIR)"
        )
    return procedures[name]
