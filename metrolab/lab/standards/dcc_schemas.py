"""Validate a DCC file against the XSD of its version, offline, with line numbers.

The package ships DCC 3.3.0 with D-SI 2.2.0 (``metrolab.certificates.schemas``). A
folder laid out like ``shared/schemas/dcc`` (``dcc-3.1.2/dcc.xsd`` with
``d-si-2.1.0/SI_Format.xsd``, ``dcc-3.3.0/dcc.xsd`` with ``d-si-2.2.0/SI_Format.xsd``)
adds the versions it holds: give it with ``--schemas DIR`` or the environment variable
``METROLAB_DCC_SCHEMAS``. A document is validated against the held schema of the
greatest version not above its own (else the lowest held); when that is not its own
version, only the ``schemaVersion`` attribute's own pattern is set aside, and the
import says so. The document is parsed without entities and without network access.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import xmlschema
from lxml import etree

from metrolab.lab.standards.errors import DccImportError

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
#: environment variable naming a folder of further DCC schemas (shared/schemas/dcc layout)
SCHEMAS_ENV = "METROLAB_DCC_SCHEMAS"
#: schema errors listed in the one-line message (the count gives the rest)
MAX_ERRORS_SHOWN = 5

#: DCC version -> (dcc.xsd, D-SI xsd) paths inside a shared/schemas/dcc-style folder
_FOLDER_LAYOUT = {
    "3.3.0": ("dcc-3.3.0/dcc.xsd", "d-si-2.2.0/SI_Format.xsd"),
    "3.1.2": ("dcc-3.1.2/dcc.xsd", "d-si-2.1.0/SI_Format.xsd"),
}


@dataclass(frozen=True, slots=True)
class ValidatedDcc:
    """A DCC that parsed and validated: its root element, raw bytes, SHA-256, version,
    and how it was validated (a sentence for the register and the report)."""

    path: Path
    root: etree._Element
    data: bytes
    sha256: str
    version: str
    validation: str


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def _package_schemas() -> Path:
    return Path(str(resources.files("metrolab.certificates.schemas"))).resolve()


def held_schemas(folder: Path | None) -> dict[str, tuple[Path, Path]]:
    """Return DCC version -> (dcc.xsd, D-SI xsd) of every schema available offline:
    the package's 3.3.0 and those ``folder`` (or ``$METROLAB_DCC_SCHEMAS``) holds."""
    package = _package_schemas()
    held = {"3.3.0": (package / "dcc-3.3.0.xsd", package / "SI_Format-2.2.0.xsd")}
    folder = folder or (Path(os.environ[SCHEMAS_ENV]) if os.environ.get(SCHEMAS_ENV) else None)
    if folder is not None:
        for version, (dcc, dsi) in _FOLDER_LAYOUT.items():
            if (folder / dcc).is_file() and (folder / dsi).is_file():
                held.setdefault(version, ((folder / dcc).resolve(), (folder / dsi).resolve()))
    return held


@functools.cache
def _compiled(dcc_xsd: Path, dsi_xsd: Path) -> xmlschema.XMLSchema:
    """Return the compiled schema (about half a second; once per process and pair)."""
    package = _package_schemas()
    dsig = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"
    return xmlschema.XMLSchema(
        str(dcc_xsd),
        locations=[(SI_NS, str(dsi_xsd)),
                   ("http://www.w3.org/2000/09/xmldsig#", str(dsig)),
                   ("http://qudt.org/vocab/", str(package / "qudt-quantitykind-stub.xsd"))],
        allow="local")


def _parse(path: Path, data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise DccImportError(f"{path}: not well-formed XML (line {line}: {exc.msg})") from exc
    if root.tag != f"{{{DCC_NS}}}digitalCalibrationCertificate":
        raise DccImportError(f"{path}: the root element is {root.tag!r}, not a DCC "
                             f"({{{DCC_NS}}}digitalCalibrationCertificate)")
    return root


def _choose(version: str, held: dict[str, tuple[Path, Path]]) -> str:
    key = _version_key(version)
    not_above = [v for v in held if _version_key(v) <= key]
    return max(not_above, key=_version_key) if not_above else min(held, key=_version_key)


def validate_dcc_file(path: str | Path, schemas: Path | None = None) -> ValidatedDcc:
    """Read, parse and validate the DCC at ``path``; return it as :class:`ValidatedDcc`.

    Raises :class:`DccImportError` when the file cannot be read, is not well-formed,
    is not a DCC 3.x, or does not validate (the message lists the first errors with
    their line numbers and counts the rest).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DccImportError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    root = _parse(path, data)
    version = str(root.get("schemaVersion", ""))
    if not re.fullmatch(r"3\.\d+\.\d+(?:-.*)?", version):
        raise DccImportError(f"{path}: schemaVersion {version!r} is not a DCC 3.x version; "
                             "metrolab imports DCC 3.x certificates")
    held = held_schemas(schemas)
    used = _choose(version, held)
    schema = _compiled(*held[used])
    problems = []
    for error in schema.iter_errors(root):
        reason = str(error.reason or error.message)
        if used != version and "schemaVersion" in reason:
            continue
        where = (error.path or "/").replace(f"{{{DCC_NS}}}", "dcc:").replace(f"{{{SI_NS}}}", "si:")
        problems.append(f"line {error.sourceline or '?'} ({where.rsplit('/', 1)[-1]}): {reason}")
    if problems:
        shown = "; ".join(problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        raise DccImportError(
            f"{path} is not a valid DCC {used} ({len(problems)} schema error"
            f"{'s' if len(problems) != 1 else ''}): {shown}"
            + (f"; and {more} more" if more > 0 else "") + "; nothing was imported"
            + (f" (no DCC {version} schema is held: --schemas DIR or ${SCHEMAS_ENV} can give "
               f"a folder holding dcc-{version}/dcc.xsd)" if used != version else ""))
    dsi = re.findall(r"\d+\.\d+\.\d+", str(held[used][1]))
    validation = f"validated offline against DCC {used} with D-SI {dsi[-1] if dsi else '?'}"
    if used != version:
        validation += (f"; the certificate says {version}, no schema of that version is held, "
                       "so its schemaVersion attribute was not checked")
    if schemas is None and len(held) == 1 and used != version:
        validation += f" (give --schemas DIR or ${SCHEMAS_ENV} for more versions)"
    return ValidatedDcc(path, root, data, hashlib.sha256(data).hexdigest(), version, validation)
