"""The DCC 3.3.0 schema, compiled from the package's own XSD copies (no network).

DCC 3.3.0 imports D-SI 2.2.1, which was not available offline; D-SI 2.2.0 stands in,
with a stub for the QUDT quantity-kind schema (see ``schemas/README.txt``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import xmlschema

DCC_VERSION = "3.3.0"
DSI_VERSION_USED = "2.2.0"
DSI_VERSION_REQUIRED = "2.2.1"

#: one line every generated DCC and report carries about the validation set-up
VALIDATION_NOTE = (
    f"Validated offline against DCC {DCC_VERSION} with D-SI {DSI_VERSION_USED} standing in for "
    f"the D-SI {DSI_VERSION_REQUIRED} that DCC {DCC_VERSION} imports. PTB's QUDT quantity-kind "
    "schema has no offline copy: its type is a stand-in that accepts any string, and this "
    "DCC uses no element of that type (no si:quantityTypeQUDT)."
)


def _schema_dir() -> Path:
    return Path(str(resources.files("metrolab.certificates.schemas")))


@functools.cache
def dcc_schema() -> xmlschema.XMLSchema:
    """Return the compiled DCC 3.3.0 schema (built once per process, about 0.6 s)."""
    folder = _schema_dir().resolve()
    dsig = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"
    return xmlschema.XMLSchema(
        str(folder / "dcc-3.3.0.xsd"),
        locations=[
            ("https://ptb.de/si", str(folder / "SI_Format-2.2.0.xsd")),
            ("http://www.w3.org/2000/09/xmldsig#", str(dsig)),
            ("http://qudt.org/vocab/", str(folder / "qudt-quantitykind-stub.xsd")),
        ],
        allow="local",
    )
