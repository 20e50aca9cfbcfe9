"""The NeXus application definition of metrolab's calibration records (schema 2.0)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: the file name of the application definition beside this module
NXDL_FILE = "NXmetrolab_calibration.nxdl.xml"


def nxdl_path() -> Path:
    """Return the path of the application definition (``NXmetrolab_calibration``), the
    file NeXus validators (``nxvalidate -a PATH``) check a record against."""
    return Path(str(resources.files(__name__).joinpath(NXDL_FILE)))
