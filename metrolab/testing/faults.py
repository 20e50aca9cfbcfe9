"""Make the disk fail on purpose: an ``OSError`` at the k-th durable-write call.

Every byte the store and the certificate writer make durable goes through the primitives of
:mod:`metrolab.store.durable`; :class:`DiskFaults` wraps them, counts the calls and
raises ``OSError(number)`` at call number ``fail_at`` (and, with ``persistent=True``, at
every call after it, like a disk that stays full). A failing ``write_all`` first writes
half of its bytes, as a real short write does. Used as a context manager::

    with DiskFaults() as counting:          # count the calls of a clean run
        run()
    for k in range(1, len(counting.calls) + 1):
        with DiskFaults(fail_at=k):
            run()                           # fails at its k-th call site
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metrolab.store import durable

#: the primitives of metrolab.store.durable where the disk can fail
PRIMITIVES = ("open_file", "write_all", "sync", "truncate", "sync_directory", "publish",
              "replace")


@dataclass
class DiskFaults:
    """Wraps the durable-write primitives while entered; see the module docstring.

    ``calls`` lists the primitives called, in order; ``failed`` names the one that
    raised first (None if none did).
    """

    fail_at: int | None = None
    number: int = errno.ENOSPC
    persistent: bool = False
    calls: list[str] = field(default_factory=list)
    failed: str | None = None
    _saved: dict[str, Any] = field(default_factory=dict)

    def _should_fail(self) -> bool:
        count = len(self.calls)
        if self.fail_at is None or count < self.fail_at:
            return False
        return self.persistent or count == self.fail_at

    def _wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if not self._should_fail():
                return real(*args, **kwargs)
            if self.failed is None:
                self.failed = name
            if name == "write_all":
                fd, data = args
                real(fd, bytes(data[: len(data) // 2]))  # a short write reaches the file
            raise OSError(self.number, os.strerror(self.number))

        return call

    def __enter__(self) -> DiskFaults:
        for name in PRIMITIVES:
            real = getattr(durable, name)
            self._saved[name] = real
            setattr(durable, name, self._wrap(name, real))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, real in self._saved.items():
            setattr(durable, name, real)
        self._saved.clear()
