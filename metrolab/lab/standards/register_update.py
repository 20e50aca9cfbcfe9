"""Enter a calibration into the register file, keeping the rest of it as the lab wrote it.

The register is edited with tomlkit (comments, order and layout survive). The new
calibration is appended as a ``[[standard.calibration]]`` table of the standard; when it
is the standard's latest, the standard's own certificate fields (ID, SHA-256, file,
issuer, calibration and due date) are set to it, the due date keeping the standard's
current interval unless one is given. The new file is written beside the old one,
loaded with :meth:`Register.load` (every check it makes), and only then renamed over it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Table

from metrolab.lab.standards.errors import RegisterUpdateError, StandardMatchError
from metrolab.runner.calibrations import Calibration
from metrolab.runner.errors import RegisterError
from metrolab.runner.register import Register, Standard
from metrolab.store import durable

#: folder beside the register that receives imported certificates
CERTIFICATES_FOLDER = "certificates"


@dataclass(frozen=True, slots=True)
class Entered:
    """What :func:`enter_calibration` did: the standard, the calibration entered, whether it
    became the standard's current certificate, and its due date afterwards."""

    standard_id: str
    calibration: Calibration
    current: bool
    due_date: date


def _norm(text: str) -> str:
    return text.strip().casefold()


def find_standard(register: Register, standard_id: str | None, model: str, serial: str,
                  what: str) -> Standard:
    """Return the register's standard named ``standard_id``, or the one whose model and
    serial are those of the certificate's item; raises :class:`StandardMatchError` naming
    what the certificate says and what to do when there is none or more than one."""
    if standard_id:
        found = [s for s in register.standards if s.id == standard_id]
        if not found:
            ids = ", ".join(s.id for s in register.standards)
            raise StandardMatchError(f"no standard {standard_id!r} in {register.path} "
                                     f"(it holds {ids})")
        return found[0]
    found = [s for s in register.standards
             if _norm(s.model) == _norm(model) and _norm(s.serial) == _norm(serial)]
    if len(found) == 1:
        return found[0]
    says = f"{what} names the item model {model or '(none)'!r}, serial {serial or '(none)'!r}"
    if not found:
        raise StandardMatchError(f"{says}, which matches no standard of {register.path}: add "
                                 "its [[standard]] table first, or name it with --standard ID")
    raise StandardMatchError(f"{says}, which matches {', '.join(s.id for s in found)}: "
                             "name one with --standard ID")


def _keep_certificate(register_path: Path, source: Path, standard_id: str,
                      certificate_id: str) -> tuple[str, Path | None]:
    """Copy ``source`` into the register's certificates folder (unless it already lies
    under the register's folder); return its path relative to the register's folder and
    the copy made (None when none was)."""
    folder = register_path.parent.resolve()
    source = source.resolve()
    if source.is_relative_to(folder):
        return source.relative_to(folder).as_posix(), None
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{standard_id}_{certificate_id}")
    target = folder / CERTIFICATES_FOLDER / f"{safe}{''.join(source.suffixes[-2:]) or '.xml'}"
    target.parent.mkdir(exist_ok=True)
    if target.exists() and target.read_bytes() != source.read_bytes():
        raise RegisterUpdateError(f"{target} exists and holds another file: move it away, or "
                                  "import the certificate from inside the register's folder")
    if target.exists():
        return target.relative_to(folder).as_posix(), None
    shutil.copyfile(source, target)
    return target.relative_to(folder).as_posix(), target


def _calibration_table(calibration: Calibration) -> Table:
    table = tomlkit.table()
    data = calibration.to_table()
    for key, value in data.items():
        if key != "points":
            table.add(key, value)
    points = tomlkit.array()
    for point in data["points"]:
        inline = tomlkit.inline_table()
        inline.update(point)
        points.append(inline)
    points.multiline(True)
    table.add("points", points)
    return table


def enter_calibration(register_path: Path, standard: Standard, calibration: Calibration,
                      source_file: Path | None, due: date | None = None) -> Entered:
    """Add ``calibration`` to ``standard`` in the register at ``register_path``; return
    what was done.

    ``source_file`` (the certificate) is kept beside the register and named in the entry.
    Raises :class:`StandardMatchError` when the register already holds that certificate
    for the standard, :class:`RegisterError` when the result would not load, and
    :class:`RegisterUpdateError` when the file cannot be written; the register is then
    unchanged.
    """
    if any(c.certificate_id == calibration.certificate_id for c in standard.calibrations):
        raise StandardMatchError(f"certificate {calibration.certificate_id} is already in "
                                 f"{register_path} for standard {standard.id}: nothing to do")
    text = register_path.read_text(encoding="utf-8")
    document = tomlkit.parse(text)
    tables = document.get("standard")
    assert isinstance(tables, AoT)  # Register.load checked the file
    table = next(t for t in tables if t.get("id") == standard.id)
    copied = None
    if source_file is not None:
        kept, copied = _keep_certificate(register_path, source_file, standard.id,
                                         calibration.certificate_id)
        calibration = replace(calibration, certificate_file=kept)
    existing = table.get("calibration")
    if existing is None:
        existing = tomlkit.aot()
        table.append("calibration", existing)
    existing.append(_calibration_table(calibration))
    latest = max((c.calibration_date for c in standard.calibrations), default=None)
    current = (latest is None or calibration.calibration_date >= latest) and \
        calibration.calibration_date >= standard.calibration_date
    due_date = standard.due_date
    if current:
        interval = standard.due_date - standard.calibration_date
        due_date = due or calibration.calibration_date + timedelta(days=interval.days)
        table["certificate_id"] = calibration.certificate_id
        table["certificate_sha256"] = calibration.certificate_sha256
        table["issuer"] = calibration.issuer
        table["calibration_date"] = calibration.calibration_date
        table["due_date"] = due_date
        if calibration.certificate_file:
            table["certificate_file"] = calibration.certificate_file
    try:
        _replace_checked(register_path, tomlkit.dumps(document))
    except Exception:
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    return Entered(standard.id, calibration, current, due_date)


def _replace_checked(path: Path, text: str) -> None:
    """Write ``text`` beside ``path``, load it as a register, then rename it over ``path``."""
    trial = path.with_name(f".{path.name}.new")
    try:
        trial.write_text(text, encoding="utf-8")
        Register.load(trial)
    except RegisterError:
        trial.unlink(missing_ok=True)
        raise
    except OSError as exc:
        trial.unlink(missing_ok=True)
        raise RegisterUpdateError(f"cannot write beside {path}: {exc.strerror or exc}; the "
                                  "register is unchanged") from exc
    try:
        durable.write_file(path, text.encode("utf-8"), overwrite=True, mode=0o666)
    except OSError as exc:
        failure = durable.explain(exc, path)
        raise RegisterUpdateError(f"cannot rewrite {path}: {failure.cause}; the register is "
                                  f"unchanged. To do: {failure.remedy}") from exc
    finally:
        trial.unlink(missing_ok=True)
