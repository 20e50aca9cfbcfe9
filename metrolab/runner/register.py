"""The register of standards: the lab's reference instruments and their calibrations.

A register is a TOML file with one ``[[standard]]`` table per instrument (format in
``docs/procedures.md``). Before a run the runner looks up every standard in use by
its identity (manufacturer, model, serial as read with ``*IDN?``), refuses one that
is not registered, and stops on one past its due date unless the operator gives an
override reason, which is recorded. The traceability of each standard goes into the
journal's ``instrument`` entries and from there into the sealed record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tomlkit

from metrolab.runner.calibrations import Calibration, parse_calibration
from metrolab.runner.errors import RegisterError, StandardExpired, StandardNotRegistered
from metrolab.tomlfile import read_toml

_REQUIRED = ("id", "role", "manufacturer", "model", "serial", "certificate_id",
             "calibration_date", "due_date")

#: the keys of the optional ``[laboratory]`` table; all go into the journal's ``run_started``
#: (``country`` is ISO 3166-1 alpha-2, for the DCC)
LABORATORY_FIELDS = ("name", "address", "accreditation", "country")

#: where the budgets of a run take a standard's value from (the ``values`` key): its
#: specification (the procedure's tables), its latest certificate, or its drift model
#: at the day of the run (docs/traceability.md)
VALUE_ROUTES = ("specification", "certificate", "drift")


@dataclass(frozen=True, slots=True)
class Standard:
    """One registered standard: who it is, what it does, and when it was calibrated."""

    id: str
    role: str
    manufacturer: str
    model: str
    serial: str
    certificate_id: str
    calibration_date: date
    due_date: date
    issuer: str = ""
    certificate_sha256: str = ""
    certificate_file: str = ""
    specification: str = ""
    corrections: Mapping[str, float] = field(default_factory=dict)
    #: every calibration the register holds for it (``[[standard.calibration]]``), oldest first
    calibrations: tuple[Calibration, ...] = ()
    #: where run budgets take its value from: one of :data:`VALUE_ROUTES`
    values: str = "specification"
    #: its accuracy specification (a spec-table TOML, relative to the register's folder)
    specification_file: str = ""

    @property
    def latest_calibration(self) -> Calibration | None:
        """Return the calibration of the current certificate (``certificate_id``), else
        the latest one, or None when the register holds none."""
        current = [c for c in self.calibrations if c.certificate_id == self.certificate_id]
        pool = current or list(self.calibrations)
        return max(pool, key=lambda c: c.calibration_date, default=None)

    def is_due(self, on: date) -> bool:
        """Return True when the calibration is out of date on day ``on`` (due date passed)."""
        return on > self.due_date

    def matches(self, manufacturer: str, model: str, serial: str) -> bool:
        """Return True when this entry describes the instrument with that identity.

        Model and serial must be equal (ignoring case and surrounding blanks); the
        manufacturer is compared the same way unless the register leaves it as ``*``
        (instruments that report a former company name, say).
        """
        same = _norm(self.model) == _norm(model) and _norm(self.serial) == _norm(serial)
        maker = self.manufacturer == "*" or _norm(self.manufacturer) == _norm(manufacturer)
        return same and maker

    def traceability(self, override_reason: str | None = None) -> dict[str, Any]:
        """Return the journal's ``traceability`` block (dates as ISO text, JSON-safe).

        ``values`` says where the run's budgets take this standard's value from
        (:data:`VALUE_ROUTES`), ``accreditation`` the issuer's accreditation when an
        imported certificate gives it.
        """
        latest = self.latest_calibration
        return {
            "register_id": self.id,
            "certificate_id": self.certificate_id,
            "certificate_sha256": self.certificate_sha256,
            "calibration_date": self.calibration_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "issuer": self.issuer,
            "specification": self.specification,
            "corrections": dict(self.corrections),
            "override_reason": override_reason,
            "values": self.values,
            "accreditation": latest.accreditation if latest else "",
        }


def _norm(text: str) -> str:
    return text.strip().casefold()


@dataclass(frozen=True, slots=True)
class RegisteredItem:
    """An item the lab calibrates, as its nameplate says (``[[item]]`` of the register).

    It is found by what the instrument says of itself (manufacturer, model and, when
    given, the ``*IDN?`` serial ``idn_serial``) and gives the nameplate ``serial`` and the
    ``asset`` number the record and certificate name it by.
    """

    manufacturer: str
    model: str
    serial: str
    idn_serial: str = ""
    asset: str = ""
    description: str = ""

    def matches(self, manufacturer: str, model: str, idn_serial: str) -> bool:
        """Return True when this entry describes the instrument answering with that identity."""
        maker = self.manufacturer == "*" or _norm(self.manufacturer) == _norm(manufacturer)
        serial = not self.idn_serial or _norm(self.idn_serial) == _norm(idn_serial)
        return maker and serial and _norm(self.model) == _norm(model)


@dataclass(frozen=True, slots=True)
class Register:
    """All standards of a register file, in file order, and the items it names."""

    standards: tuple[Standard, ...]
    path: Path | None = None
    #: the optional ``[laboratory]`` table: :data:`LABORATORY_FIELDS`
    laboratory: Mapping[str, str] = field(default_factory=dict)
    #: the optional ``[[item]]`` tables: items with their nameplate serial and asset number
    items: tuple[RegisteredItem, ...] = ()
    #: the lab's own specification tables (top-level ``specs``, relative to the register)
    specs_dir: Path | None = None
    #: the lab's own procedures, Python or TOML (top-level ``procedures``, same)
    procedures_dir: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> Register:
        """Read and check the register at ``path``; return it.

        Raises :class:`RegisterError` naming the file and entry when the file is not
        TOML, an entry lacks a field, a date is not a date, a declared certificate
        file is missing, or its SHA-256 differs from the registered one.
        """
        path = Path(path)
        data = read_toml(path, "register of standards", RegisterError)
        entries = data.get("standard", [])
        if not isinstance(entries, list) or not entries:
            raise RegisterError(
                f"register of standards {path}: no [[standard]] tables; see docs/procedures.md"
            )
        standards = tuple(_parse_entry(path, n, entry) for n, entry in enumerate(entries, 1))
        ids = [s.id for s in standards]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise RegisterError(f"register of standards {path}: duplicate id {duplicates[0]!r}")
        items = data.get("item", [])
        if not isinstance(items, list):
            raise RegisterError(f"register of standards {path}: item must be [[item]] tables")
        return cls(standards, path, _laboratory(path, data.get("laboratory", {})),
                   tuple(_parse_item(path, n, entry) for n, entry in enumerate(items, 1)),
                   specs_dir=lab_folder(path, data, "specs"),
                   procedures_dir=lab_folder(path, data, "procedures"))

    def find_item(self, manufacturer: str, model: str, idn_serial: str) -> RegisteredItem | None:
        """Return the ``[[item]]`` entry of the instrument answering with that identity, or None.

        An entry with ``idn_serial`` wins over one without (several meters of one model).
        """
        found = [i for i in self.items if i.matches(manufacturer, model, idn_serial)]
        return max(found, key=lambda i: bool(i.idn_serial), default=None)

    def find(self, manufacturer: str, model: str, serial: str) -> Standard | None:
        """Return the entry for the instrument with that identity, or None."""
        return next((s for s in self.standards if s.matches(manufacturer, model, serial)), None)

    def check(
        self,
        role: str,
        identity: tuple[str, str, str],
        on: date,
        overrides: Mapping[str, str] | None = None,
    ) -> tuple[Standard, str | None]:
        """Check that the standard with ``identity`` (manufacturer, model, serial) may be used.

        Returns the register entry and the override reason (None when in date).
        Raises :class:`StandardNotRegistered` when no entry matches and
        :class:`StandardExpired` when the due date has passed and ``overrides`` holds
        no reason under the entry's id.
        """
        manufacturer, model, serial = identity
        entry = self.find(manufacturer, model, serial)
        where = self.path or "the register"
        if entry is None:
            raise StandardNotRegistered(
                f"standard {role!r} ({manufacturer} {model}, serial {serial}) is not in {where}: "
                "add it with its calibration certificate before using it"
            )
        if not entry.is_due(on):
            return entry, None
        reason = (overrides or {}).get(entry.id, "").strip()
        if not reason:
            raise StandardExpired(
                f"standard {entry.id!r} ({role}, {model} serial {serial}) was due for calibration "
                f"on {entry.due_date.isoformat()}: recalibrate it, or override with "
                f"--override {entry.id}=REASON (the reason is recorded)"
            )
        return entry, reason


def lab_folder(path: Path, data: Mapping[str, Any], key: str) -> Path | None:
    """Return the folder the register at ``path`` names under top-level ``key`` (relative
    to the register's folder), or None when it names none.

    Raises :class:`RegisterError` when the value is not text or the folder does not exist.
    """
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegisterError(f"register of standards {path}: {key} must name a folder "
                            f"(text, relative to the register), not {value!r}")
    folder = (path.parent / value).resolve()
    if not folder.is_dir():
        raise RegisterError(f"register of standards {path}: {key} = {value!r}: no such "
                            f"folder {folder}")
    return folder


def _laboratory(path: Path, table: Any) -> dict[str, str]:
    """Return the checked ``[laboratory]`` table of the register at ``path``."""
    where = f"register of standards {path}, [laboratory]"
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise RegisterError(f"{where}: must hold text ({', '.join(LABORATORY_FIELDS)})")
    unknown = sorted(set(table) - set(LABORATORY_FIELDS))
    if unknown:
        raise RegisterError(f"{where}: unknown key {unknown[0]!r} (allowed: "
                            f"{', '.join(LABORATORY_FIELDS)})")
    country = table.get("country", "")
    if country and not (len(country) == 2 and country.isascii() and country.isupper()):
        raise RegisterError(f"{where}: country = {country!r} is not an ISO 3166-1 alpha-2 code "
                            "(two capital letters, e.g. \"GB\")")
    return dict(table)


def _parse_entry(path: Path, number: int, entry: Any) -> Standard:
    where = f"register of standards {path}, [[standard]] #{number}"
    if not isinstance(entry, dict):
        raise RegisterError(f"{where}: not a table")
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise RegisterError(f"{where}: missing {', '.join(missing)}")
    for key in ("calibration_date", "due_date"):
        if not isinstance(entry[key], date):
            raise RegisterError(f"{where}: {key} = {entry[key]!r} is not a TOML date (YYYY-MM-DD)")
    corrections = entry.get("corrections", {})
    if not isinstance(corrections, dict) or not all(
        isinstance(v, int | float) for v in corrections.values()
    ):
        raise RegisterError(f"{where}: corrections must be a table of numbers")
    values = str(entry.get("values", "specification"))
    if values not in VALUE_ROUTES:
        raise RegisterError(f"{where}: values = {values!r} is not one of "
                            f"{', '.join(VALUE_ROUTES)}")
    calibrations = entry.get("calibration", [])
    if not isinstance(calibrations, list):
        raise RegisterError(f"{where}: calibration must be [[standard.calibration]] tables")
    standard = Standard(
        id=str(entry["id"]),
        role=str(entry["role"]),
        manufacturer=str(entry["manufacturer"]),
        model=str(entry["model"]),
        serial=str(entry["serial"]),
        certificate_id=str(entry["certificate_id"]),
        calibration_date=entry["calibration_date"],
        due_date=entry["due_date"],
        issuer=str(entry.get("issuer", "")),
        certificate_sha256=str(entry.get("certificate_sha256", "")).lower(),
        certificate_file=str(entry.get("certificate_file", "")),
        specification=str(entry.get("specification", "")),
        corrections={str(k): float(v) for k, v in corrections.items()},
        calibrations=tuple(sorted(
            (parse_calibration(f"{where}, calibration #{n}", c)
             for n, c in enumerate(calibrations, 1)), key=lambda c: c.calibration_date)),
        values=values,
        specification_file=str(entry.get("specification_file", "")),
    )
    if standard.due_date < standard.calibration_date:
        raise RegisterError(f"{where}: due_date is before calibration_date")
    if standard.certificate_file:
        _check_certificate_file(where, path.parent / standard.certificate_file, standard)
    return standard


_ITEM_FIELDS = ("manufacturer", "model", "serial", "idn_serial", "asset", "description")


def _parse_item(path: Path, number: int, entry: Any) -> RegisteredItem:
    where = f"register of standards {path}, [[item]] #{number}"
    if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
        raise RegisterError(f"{where}: must be a table of text ({', '.join(_ITEM_FIELDS)})")
    unknown = sorted(set(entry) - set(_ITEM_FIELDS))
    if unknown:
        raise RegisterError(f"{where}: unknown key {unknown[0]!r} (allowed: "
                            f"{', '.join(_ITEM_FIELDS)})")
    missing = [key for key in ("manufacturer", "model", "serial") if not entry.get(key)]
    if missing:
        raise RegisterError(f"{where}: missing {', '.join(missing)}")
    return RegisteredItem(**entry)


def _check_certificate_file(where: str, file: Path, standard: Standard) -> None:
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as exc:
        raise RegisterError(f"{where}: certificate_file {file} cannot be read ({exc})") from exc
    if standard.certificate_sha256 and digest != standard.certificate_sha256:
        raise RegisterError(
            f"{where}: certificate_file {file} has SHA-256 {digest}, the register says "
            f"{standard.certificate_sha256}: the certificate changed or the hash is wrong"
        )


def dumps_register(standards: Iterable[Standard], laboratory: Mapping[str, str] | None = None
                   ) -> str:
    """Return the TOML text of a register holding ``standards`` (read by :meth:`Register.load`)."""
    lines = ["# Register of standards (format: docs/procedures.md)", ""]
    if laboratory:
        lines.append("[laboratory]")
        lines += [f"{key} = {_toml_string(value)}" for key, value in laboratory.items()]
        lines.append("")
    for s in standards:
        lines.append("[[standard]]")
        for key in ("id", "role", "manufacturer", "model", "serial", "certificate_id",
                    "issuer", "certificate_sha256", "specification"):
            lines.append(f"{key} = {_toml_string(getattr(s, key))}")
        if s.certificate_file:
            lines.append(f"certificate_file = {_toml_string(s.certificate_file)}")
        lines.append(f"calibration_date = {s.calibration_date.isoformat()}")
        lines.append(f"due_date = {s.due_date.isoformat()}")
        if s.values != "specification":
            lines.append(f"values = {_toml_string(s.values)}")
        if s.specification_file:
            lines.append(f"specification_file = {_toml_string(s.specification_file)}")
        if s.corrections:
            lines.append("[standard.corrections]")
            lines += [f"{_toml_string(k)} = {v!r}" for k, v in s.corrections.items()]
        for calibration in s.calibrations:
            lines += ["", "[[standard.calibration]]", *calibration_lines(calibration.to_table())]
        lines.append("")
    return "\n".join(lines)


def calibration_lines(table: Mapping[str, Any]) -> list[str]:
    """Return the TOML lines of a ``[[standard.calibration]]`` table's body (its points
    one inline table per line)."""
    lines = [f"{key} = {tomlkit.item(value).as_string()}" for key, value in table.items()
             if key != "points"]
    lines.append("points = [")
    for point in table.get("points", []):
        inline = tomlkit.inline_table()
        inline.update(point)
        lines.append(f"  {inline.as_string()},")
    lines.append("]")
    return lines


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
