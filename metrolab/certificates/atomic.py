"""Write an output file whole or not at all (through the store's durable-write layer)."""

from __future__ import annotations

from pathlib import Path

from metrolab.certificates.errors import CertificateError
from metrolab.store import durable


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a synced temporary file and a rename; return ``path``.

    A reader never sees a half-written certificate; an existing file is replaced whole.
    The file gets the usual permissions for a new file (0666 less the umask). Raises
    :class:`CertificateError` naming the cause (disk full, permission, read-only...) and
    leaves nothing behind when it cannot be written.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise CertificateError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )
    try:
        durable.write_file(path, data, overwrite=True, mode=0o666)
    except OSError as exc:
        failure = durable.explain(exc, path)
        raise CertificateError(f"cannot write {path}: {failure.cause}; nothing was written. "
                               f"To do: {failure.remedy}, then render it again") from exc
    return path
