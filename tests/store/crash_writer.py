"""A run writer for the crash tests, run as a subprocess and killed with SIGKILL.

Usage: ``python crash_writer.py JOURNAL RUN_ID [SEAL_AFTER]``. It creates the journal
(or resumes it: the readings continue from the last index in the journal), appends one
reading after another, and prints ``ack INDEX`` after each append has returned, i.e. once
the reading is durable. With SEAL_AFTER it ends the run after that many readings in
total, prints ``sealing`` and seals the journal. Readings carry their index as value.
"""

from __future__ import annotations

import sys
from pathlib import Path

from metrolab.store.journal import Journal, read_journal


def main(journal_path: Path, run_id: str, seal_after: int | None) -> None:
    """Write readings until killed (or until ``seal_after`` readings, then seal)."""
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
        journal.append("reading", {"point_id": "p1", "phase": "as_found", "index": index,
                                   "value": float(index), "unit": "V"})
        print(f"ack {index}", flush=True)
        index += 1
    journal.append("run_ended", {"status": "completed", "reason": ""})
    journal.close()
    print("sealing", flush=True)
    from metrolab.store.sealing import seal

    seal(journal_path)
    print("sealed", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
