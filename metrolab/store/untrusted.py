"""Reading a record file whose bytes are not known to be the sealed ones: in a child process.

HDF5's C library trusts the file it reads. A damaged or crafted file can make it loop
without end or crash the process: a single flipped bit of a sealed record made
``H5HG__cache_heap_deserialize`` spin for good inside ``H5Aread``, where no Python
signal or timeout can reach it. A record whose whole-file SHA-256 is the one the audit
log beside it recorded for its file name holds exactly the bytes metrolab wrote, and is
read in the caller's process. Any other file is read by ``python -m
metrolab.store.untrusted FILE`` with a time limit (:data:`TIME_LIMIT_S`) and, on POSIX,
an address-space limit (:data:`MEMORY_LIMIT_BYTES`): a hostile file then costs at most
that time and is reported as unreadable; it never hangs or kills the caller.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from metrolab.store.durable import file_sha256

#: seconds a child process may take to read an untrusted record
TIME_LIMIT_S = 60.0
#: address space a child process may map while reading an untrusted record (POSIX only)
MEMORY_LIMIT_BYTES = 4 << 30


def sealed_bytes(path: Path, log_path: Path, digest: str | None = None) -> bool:
    """Return True when the audit log at ``log_path`` recorded the whole-file SHA-256 of
    ``path`` (``digest``, computed here when not given) for its file name: the file
    holds the bytes that were sealed.

    Only the log's own text is read (no signature check: that is verify's job); a log
    that cannot be read means no file is trusted.
    """
    try:
        lines = log_path.read_bytes().splitlines()
    except OSError:
        return False
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("file") != path.name:
            continue
        if "file_sha256" in entry:
            digest = digest or file_sha256(path)
            if entry["file_sha256"] == digest:
                return True
    return False


def _limit_memory() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def read_isolated(path: Path, *, time_limit_s: float | None = None) -> dict[str, Any]:
    """Return the content check of the record at ``path`` as JSON data
    (:func:`metrolab.store.verification.check_to_json`), computed in a child process.

    When the child overruns ``time_limit_s`` (default :data:`TIME_LIMIT_S`), dies of a
    signal or fails, the result is a single problem saying so (the file is damaged or
    crafted beyond what HDF5 reads).
    """
    time_limit_s = TIME_LIMIT_S if time_limit_s is None else time_limit_s
    limit: Callable[[], None] | None = _limit_memory if os.name == "posix" else None
    try:
        done = subprocess.run(
            [sys.executable, "-m", "metrolab.store.untrusted", str(path)],
            capture_output=True, timeout=time_limit_s, check=False, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"problems": [f"HDF5 did not finish reading the file within {time_limit_s:g} s "
                             "(its bytes are not the sealed ones): it is damaged or crafted"]}
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return {"problems": [f"HDF5 crashed reading the file ({name}; its bytes are not the "
                             "sealed ones): it is damaged or crafted"]}
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        return {"problems": [f"cannot read the record (the reader failed: {last})"]}
    return result


def main(argv: list[str]) -> int:
    """Print, as JSON on stdout, the content check of the record named in ``argv``, read
    in this process; return the exit code (0)."""
    from metrolab.store.verification import check_in_process, check_to_json

    path = Path(argv[0])
    print(json.dumps(check_to_json(check_in_process(path, file_sha256(path)))))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through read_isolated
    sys.exit(main(sys.argv[1:]))
