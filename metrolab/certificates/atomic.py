"""Write an output file whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from metrolab.certificates.errors import CertificateError


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename; return ``path``.

    A reader never sees a half-written certificate; on failure nothing is left behind.
    The file gets the usual permissions for a new file (0666 less the umask).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise CertificateError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~_umask())  # mkstemp makes 0600; a certificate is shared
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """Return the process's file-creation mask (reading it means setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
