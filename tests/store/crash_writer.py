"""A run writer for the crash tests, forked by a small server and killed with SIGKILL.

``python crash_writer.py`` reads commands on stdin, so Python starts only once and each
writer is a cheap ``fork``:

- ``start JOURNAL RUN_ID [SEAL_AFTER|- [BATCH]]`` forks a writer and prints ``pid PID``.
  The writer creates the journal (or resumes it: readings continue from the last index
  journalled), appends one reading (or BATCH readings with one ``append_many``) after
  another and prints ``ack INDEX`` for each reading once its append has returned, i.e.
  once it is durable. With SEAL_AFTER it ends the run after that many readings in total,
  prints ``sealing`` and seals the journal.
- ``reap PID`` waits for that (killed) writer and prints ``reaped``: everything the writer
  printed comes before that line.

A writer that fails prints ``error ...``. Readings carry their index as value. Only one
writer runs at a time.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from metrolab.store.journal import Journal, read_journal
from metrolab.store.sealing import seal  # imported once, before the forks


def say(line: str) -> None:
    """Write one line to stdout with a single write: a kill cannot leave half of it."""
    os.write(1, f"{line}\n".encode())


def main(journal_path: Path, run_id: str, seal_after: int | None, batch: int = 1) -> None:
    """Write readings until killed (or until ``seal_after`` readings, then seal); with
    ``batch`` > 1, ``batch`` readings per ``append_many`` (journalled as one ``readings``
    line), each acknowledged once that call returned."""
    if journal_path.exists():
        entries = read_journal(journal_path)
        journal = Journal.open_for_append(journal_path)
    else:
        entries = []
        journal = Journal.create(journal_path, run_id)
    kinds = {entry.kind for entry in entries}
    if "run_started" not in kinds:
        journal.append("run_started", {"run_id": run_id, "procedure": {"name": "crash",
                                                                       "version": "1"}})
    if "point_started" not in kinds:
        journal.append("point_started", {"point_id": "p1", "phase": "as_found",
                                         "function": "DCV",
                                         "nominal": {"value": 1.0, "unit": "V"}})
    indices = [entry.data["index"] for entry in entries if entry.kind == "reading"]
    index = indices[-1] + 1 if indices else 0
    while seal_after is None or index < seal_after:
        if batch > 1:
            journal.append_many([("reading", {
                "point_id": "p1", "phase": "as_found", "index": n, "time": 1.7e9 + n,
                "value": float(n), "unit": "V"}) for n in range(index, index + batch)])
        else:
            journal.append("reading", {"point_id": "p1", "phase": "as_found", "index": index,
                                       "value": float(index), "unit": "V"})
        for n in range(index, index + batch):
            say(f"ack {n}")
        index += batch
    journal.append("run_ended", {"status": "completed", "reason": ""})
    journal.close()
    say("sealing")
    seal(journal_path)
    say("sealed")


def serve() -> None:
    """Fork a writer per ``start`` command and reap it per ``reap`` command (see above)."""
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start":
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    main(Path(args[0]), args[1],
                         int(args[2]) if len(args) > 2 and args[2] != "-" else None,
                         int(args[3]) if len(args) > 3 else 1)
                except BaseException as exc:
                    traceback.print_exc()
                    say(f"error {type(exc).__name__}: {exc}")
                    code = 1
                finally:
                    os._exit(code)
            say(f"pid {pid}")
        elif command == "reap":
            os.waitpid(int(args[0]), 0)
            say("reaped")


if __name__ == "__main__":
    serve()
