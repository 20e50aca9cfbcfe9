"""Small helpers for making bytes durable and hashing them canonically."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _numpy_to_plain(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-safe: {obj!r}")


def canonical_json(obj: Any) -> str:
    """Return ``obj`` as canonical JSON text: sorted keys, no spaces, UTF-8 kept.

    numpy scalars and arrays become plain numbers and lists. NaN and infinities are
    written as Python's ``json`` writes them (``NaN``, ``Infinity``) so that a NaN
    reading survives a round trip; a non-JSON-safe object raises ``TypeError``.
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_numpy_to_plain)


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of ``data`` as 64 lower-case hex characters."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of the whole file at ``path`` as hex (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write fewer); return nothing."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable by fsyncing the directory."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
