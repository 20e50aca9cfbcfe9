"""The laboratory's own material for a run: its specification and procedure folders.

They come from the command line (``--specs DIR``, ``--procedures DIR``) and from the
register of standards (top-level ``specs`` and ``procedures`` keys, relative to the
register). Command-line folders come first: a specification file there wins over one
for the same model and interval in the register's folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from metrolab.instrument import spec_sources
from metrolab.runner.register import Register


@dataclass(frozen=True, slots=True)
class LabFolders:
    """Where a run finds the lab's specification tables and procedures."""

    specs: tuple[Path, ...] = ()
    procedures: Path | None = None


def lab_folders(register: Path | None, specs: Sequence[Path] = (),
                procedures: Path | None = None) -> LabFolders:
    """Return the lab folders of a run: ``specs`` then the register's ``specs`` folder,
    and ``procedures`` or else the register's ``procedures`` folder.

    Every specification file is checked now, so a bad one stops the command before any
    instrument is touched: raises :class:`~metrolab.instrument.spec_schema.SpecFileError`
    (file, line, problem) or :class:`~metrolab.instrument.spec_sources.LabSpecsError`.
    """
    from_register = Register.load(register) if register is not None else None
    folders = [Path(f).resolve() for f in specs]
    if from_register is not None and from_register.specs_dir is not None:
        folders.append(from_register.specs_dir)
    found = LabFolders(
        tuple(dict.fromkeys(folders)),
        procedures if procedures is not None
        else from_register.procedures_dir if from_register is not None else None)
    spec_sources.scan(found.specs)
    return found
