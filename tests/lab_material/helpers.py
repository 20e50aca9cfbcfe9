"""Shared helpers of the lab-material tests: the CLI in-process, a lab 34401A table."""

from __future__ import annotations

import hashlib
from pathlib import Path

from metrolab.drivers.keysight import Keysight34401A

from metrolab.testing.cli import run_cli as cli

__all__ = ["PACKAGED_34401A", "cli", "lab_34401a"]

#: the packaged 34401A table, and a lab copy whose 10 V DC reading term is doubled
PACKAGED_34401A = Keysight34401A.MODEL.spec_file


def lab_34401a(folder: Path, name: str = "our_34401a.toml") -> tuple[Path, str]:
    """Write the lab's 34401A table (10 V DC reading term 0.0070 % instead of 0.0035 %)
    into ``folder``; return its path and SHA-256."""
    text = PACKAGED_34401A.read_text(encoding="utf-8")
    assert "reading_pct = 0.0035\n" in text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text.replace("reading_pct = 0.0035\n", "reading_pct = 0.0070\n", 1),
                    encoding="utf-8")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()
