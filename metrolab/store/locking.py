"""Inter-process locks on store files, portable through the ``filelock`` package.

A file is locked through a hidden sidecar ``.<name>.lock`` beside it, never through the
file itself: Windows locks are mandatory, so locking the journal or the audit log
themselves would stop every other reader (``metrolab show``, a second look at the
journal in the same process). ``filelock`` takes ``flock`` on POSIX and ``LockFileEx``
on Windows, both released by the operating system when the holder dies (a killed run
can be resumed at once); where neither exists it falls back to a marker file whose
dead owner (same host) is detected and replaced. The sidecar stays in place after
release (removing it would race with a waiter on POSIX).
"""

from __future__ import annotations

from pathlib import Path

import filelock


def lock_path(path: Path) -> Path:
    """Return the sidecar lock file of ``path``: ``.<name>.lock`` in the same folder."""
    return path.with_name(f".{path.name}.lock")


class FileLock:
    """An exclusive lock on ``path`` between processes (and between instances in one process).

    Not re-entrant: a second :class:`FileLock` on the same path is refused while the
    first is held, even in the same process. Any thread may release it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = filelock.FileLock(lock_path(path), thread_local=False)

    def try_acquire(self) -> bool:
        """Take the lock if it is free; return False at once if someone else holds it.

        Raises ``OSError`` if the lock file cannot be created (read-only folder, say).
        """
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def acquire(self) -> None:
        """Wait until the lock is free and take it; return nothing (``OSError`` as above)."""
        self._lock.acquire()

    def release(self) -> None:
        """Release the lock; return nothing. Releasing a lock not held is harmless."""
        if self._lock.is_locked:
            self._lock.release(force=True)


def is_locked(path: Path) -> bool:
    """Return True if another holder (process, or lock instance) has ``path`` locked now.

    A missing lock file (and a folder where none can be created) means nobody holds it.
    """
    if not lock_path(path).exists():
        return False
    probe = FileLock(path)
    try:
        taken = probe.try_acquire()
    except OSError:
        return False  # cannot even create the lock: no writer could have taken it here
    if taken:
        probe.release()
    return not taken
