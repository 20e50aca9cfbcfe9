"""``metrolab demo --impact``: a finding on a standard and its impact, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from metrolab.lab.demo import run_impact_demo
from metrolab.store.verification import verify


@pytest.mark.slow
def test_impact_demo_end_to_end(tmp_path: Path) -> None:
    console = Console(record=True, width=120)
    done = run_impact_demo(tmp_path / "demo", seed=3, records=16, console=console,
                           scheduler="loop")
    text = console.export_text()
    assert "outside its ±122 µV specification" in text
    assert done.certificate.is_file() and done.report.is_file()
    data = done.data
    assert data["records_considered"] and data["corrections"]
    saved = json.loads(done.report.with_suffix(".json").read_text(encoding="utf-8"))
    assert saved == data
    for folder in (tmp_path / "demo" / "records").iterdir():
        assert verify(folder).ok  # impact entries keep every audit chain intact
