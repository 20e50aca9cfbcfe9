"""Durable writes on any operating system, what their failures mean, and canonical hashing.

Every byte the store or the certificate writer makes durable goes through the few
primitives below (open, write, sync, truncate, publish, replace, directory sync), so
there is one implementation to port and one place where a test can make the disk
fail. Callers use them as ``durable.write_all(...)`` (module attribute), never as
imported names, so such a test reaches every call site.

Portability:

- :func:`sync` is ``os.fdatasync`` where it exists (Linux), ``fcntl(F_FULLFSYNC)`` on
  macOS (whose ``fsync`` leaves data in the drive's cache), ``os.fsync`` elsewhere
  (Windows: ``FlushFileBuffers``).
- :func:`sync_directory` fsyncs the directory where the operating system allows it
  (not Windows, whose NTFS journals renames itself; a file system that refuses a
  directory fsync with EINVAL is treated the same way).
- :func:`publish` renames without ever replacing: a hard link on POSIX, ``os.rename``
  on Windows (which refuses an existing target).
- files are opened in binary mode (``O_BINARY`` on Windows, where text mode would turn
  ``\\n`` into ``\\r\\n``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrolab.store.errors import FolderNotWritable

_fcntl: Any
try:  # POSIX only; Windows has no fcntl
    import fcntl as _fcntl
except ImportError:
    _fcntl = None

#: added to every os.open: binary mode on Windows, nothing elsewhere
_BINARY = getattr(os, "O_BINARY", 0)
#: whether a directory can be opened and fsync'd to make a rename in it durable
DIRECTORY_SYNC = os.name != "nt"
#: whether a hard link publishes a file without replacing (False: os.rename does, Windows)
PUBLISH_BY_LINK = os.name != "nt"


# -- hashing -------------------------------------------------------------------


def _numpy_to_plain(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-safe: {obj!r}")


#: one encoder for every canonical text (json.dumps would build one per call)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=_numpy_to_plain)


def canonical_json(obj: Any) -> str:
    """Return ``obj`` as canonical JSON text: sorted keys, no spaces, UTF-8 kept.

    numpy scalars and arrays become plain numbers and lists. NaN and infinities are
    written as Python's ``json`` writes them (``NaN``, ``Infinity``) so that a NaN
    reading survives a round trip; a non-JSON-safe object raises ``TypeError``.
    """
    return _CANONICAL.encode(obj)


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


# -- what a failure means ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """What an operating-system failure means: ``cause`` (what happened, with the errno
    name) and ``remedy`` (what the operator should do), each one clause of a sentence."""

    cause: str
    remedy: str


_H5_ERRNO = re.compile(r"errno = (\d+)")


def error_number(exc: BaseException) -> int | None:
    """Return the errno of ``exc``: its own, or the one HDF5 puts in its message text."""
    number = getattr(exc, "errno", None)
    if isinstance(number, int):
        return number
    found = _H5_ERRNO.search(str(exc))
    return int(found.group(1)) if found else None


def explain(exc: BaseException, path: Path) -> Failure:
    """Return the cause and the remedy of ``exc``, a failure to write at ``path``."""
    number = error_number(exc)
    folder = path.parent
    name = errno.errorcode.get(number, "") if number is not None else ""
    if number == errno.ENOSPC:
        return Failure("the disk is full (ENOSPC, no space left on device)",
                       f"free space on the disk that holds {folder}")
    if number == getattr(errno, "EDQUOT", None):
        return Failure("the disk quota is used up (EDQUOT)",
                       f"free space within the quota of the disk that holds {folder}, "
                       "or have it raised")
    if number == errno.EACCES:
        return Failure("permission was denied (EACCES)",
                       f"give the account running metrolab write permission to {path} "
                       f"and its folder {folder}")
    if number == errno.EPERM:
        return Failure("the operation is not permitted (EPERM): the file or its folder is "
                       "probably immutable or append-only, or the file system does not "
                       "allow it (hard links on FAT/exFAT)",
                       f"clear the flag on {path} or {folder} (`chattr -i`/`chattr -a` on "
                       "Linux, `chflags nouchg` on macOS) or write to a folder on an "
                       "ordinary local disk")
    if number == errno.EROFS:
        return Failure("the file system is read-only (EROFS)",
                       f"remount the disk that holds {folder} read-write, or use a folder "
                       "on a writable disk")
    if number == errno.EIO:
        return Failure("an input/output error occurred (EIO): the disk or its connection "
                       "may be failing",
                       f"check the disk that holds {folder} (system log, SMART) before "
                       "writing more, and copy the files to a healthy disk")
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return Failure(f"{text}{f' ({name})' if name else ''}", "fix that and try again")


# -- the primitives (each one a place where the disk can fail) ------------------


def open_file(path: Path, flags: int, mode: int = 0o644) -> int:
    """Open ``path`` with ``os.open`` in binary mode; return the descriptor.

    ``mode`` applies to a file created now, less the umask.
    """
    return os.open(path, flags | _BINARY, mode)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write fewer); return nothing."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def choose_sync(fcntl_module: Any, fdatasync: Callable[[int], None] | None
                ) -> Callable[[int], None]:
    """Return the function that makes a descriptor's data durable on this platform.

    ``F_FULLFSYNC`` through ``fcntl_module`` where it exists (macOS; ``os.fsync`` when the
    file system refuses it), else ``fdatasync`` if given (Linux), else ``os.fsync``.
    """
    fullfsync = getattr(fcntl_module, "F_FULLFSYNC", None)
    if fullfsync is not None:
        def full_sync(fd: int) -> None:
            try:
                fcntl_module.fcntl(fd, fullfsync)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.ENOTTY):
                    raise
                os.fsync(fd)  # a file system without F_FULLFSYNC (network, FAT)
        return full_sync
    return fdatasync if fdatasync is not None else os.fsync


_SYNC = choose_sync(_fcntl, getattr(os, "fdatasync", None))


def sync(fd: int) -> None:
    """Make the data written to ``fd`` durable (see the module notes); return nothing."""
    _SYNC(fd)


def truncate(fd: int, size: int) -> None:
    """Cut the file of ``fd`` to ``size`` bytes; return nothing (not yet durable: :func:`sync`)."""
    os.ftruncate(fd, size)


def sync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable by fsyncing the directory.

    Does nothing where directories cannot be synced (Windows, or a file system that
    answers EINVAL); return nothing.
    """
    if not DIRECTORY_SYNC:
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def publish(temporary: Path, final: Path) -> None:
    """Give ``temporary`` the name ``final`` without ever replacing a file; return nothing.

    Raises ``FileExistsError`` if ``final`` exists. On POSIX ``temporary`` is hard-linked
    to ``final`` and then removed; on Windows it is renamed.
    """
    if PUBLISH_BY_LINK:
        os.link(temporary, final)
        remove(temporary)
    else:
        os.rename(temporary, final)


def replace(temporary: Path, final: Path) -> None:
    """Rename ``temporary`` to ``final``, replacing an existing file atomically; return nothing."""
    os.replace(temporary, final)


def remove(path: Path) -> None:
    """Remove ``path`` if it exists and can be removed; return nothing.

    Cleaning up never raises: it runs while another failure is on its way to the operator.
    """
    with contextlib.suppress(OSError):
        os.unlink(path)


# -- composites ----------------------------------------------------------------


def temporary_path(target: Path) -> Path:
    """Return a fresh hidden name beside ``target``: ``.<name>.<pid>.<random>.tmp``."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def write_file(target: Path, data: bytes, *, overwrite: bool, mode: int = 0o644) -> None:
    """Write ``data`` as the file ``target``, whole or not at all; return nothing.

    The bytes go to a temporary file beside ``target``, which is synced, then published
    (``overwrite=False``: refuses an existing target with ``FileExistsError``) or
    renamed over it (``overwrite=True``), and the directory is synced. On any failure
    the temporary file is removed and the exception (an ``OSError``) propagates.
    """
    temporary = temporary_path(target)
    published = False
    try:
        fd = open_file(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            write_all(fd, data)
            sync(fd)
        finally:
            os.close(fd)
        if overwrite:
            replace(temporary, target)
        else:
            publish(temporary, target)
        published = True
        sync_directory(target.parent)
    except BaseException:
        remove(temporary)
        if published and not overwrite:
            remove(target)  # its name may not survive a power cut: take it back
        raise


def prepare_folder(folder: Path, what: str) -> Path:
    """Create ``folder`` if needed and check that files can be written in it; return it.

    ``what`` names the folder for the operator (e.g. ``"output folder (--out)"``).
    Raises :class:`FolderNotWritable` with the cause and the remedy.
    """
    probe = temporary_path(folder / ".metrolab-write-test")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.close(open_file(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        remove(probe)
    except OSError as exc:
        failure = explain(exc, probe)
        raise FolderNotWritable(f"cannot write files in the {what} {folder}: {failure.cause}; "
                                f"{failure.remedy}") from exc
    return folder
