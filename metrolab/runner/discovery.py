"""Finding procedures: built-ins, a folder given on the command line, installed packages.

Three sources, in this order (a later one cannot shadow an earlier name):

1. the modules of ``metrolab.procedures`` (shipped with metrolab);
2. every ``*.py`` file of a folder given with ``--procedures DIR``;
3. the entry-point group ``metrolab.procedures`` (``name = "package.module"``), so
   a lab can ship its procedures as an installed package without forking.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from metrolab.runner.errors import ProcedureDefinitionError, ProcedureNotFound
from metrolab.runner.procedure import Metadata, TestPoint

ENTRY_POINT_GROUP = "metrolab.procedures"


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
    return found


def _from_entry_points() -> list[Procedure]:
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:
            raise ProcedureDefinitionError(
                f"entry point {entry.name} = {entry.value} (group {ENTRY_POINT_GROUP}): "
                f"loading it failed: {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(loaded, ModuleType):
            found.append(validate(loaded, f"entry point {entry.name}"))
    return found


def discover(folder: str | Path | None = None) -> dict[str, Procedure]:
    """Return every procedure found, keyed by ``METADATA.name``, built-ins first."""
    procedures: dict[str, Procedure] = {}
    sources = _builtin()
    if folder is not None:
        sources += _from_folder(Path(folder))
    sources += _from_entry_points()
    for procedure in sources:
        procedures.setdefault(procedure.metadata.name, procedure)
    return procedures


def find_procedure(name: str, folder: str | Path | None = None) -> Procedure:
    """Return the procedure called ``name``; raise :class:`ProcedureNotFound` if unknown."""
    procedures = discover(folder)
    if name not in procedures:
        known = ", ".join(sorted(procedures)) or "none"
        raise ProcedureNotFound(
            f"unknown procedure {name!r}; known procedures: {known} "
            "(see `metrolab procedures`; add a folder with --procedures DIR)"
        )
    return procedures[name]
