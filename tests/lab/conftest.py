"""Fixtures of the lab-level tests: the example DCCs, the shared schemas, a register."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent / "dcc_examples"
#: ``../shared/schemas/dcc`` beside the checkout (CI lays it there)
SHARED_SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "dcc"

REGISTER = """\
# the lab's register (a comment that must survive an import)
[laboratory]
name = "Example Calibration Lab"

[[standard]]
id = "CAL-5522A-01"
role = "calibrator"
manufacturer = "FLUKE"
model = "5522A"
serial = "1972905"
certificate_id = "OLD-2024-001"
calibration_date = 2024-06-01
due_date = 2025-06-01
values = "certificate"

[[standard]]
id = "MASS-1KG"
role = "weight"
manufacturer = "Example Weights"
model = "E1-1KG"
serial = "W-0815"
certificate_id = "OLD-MASS"
calibration_date = 2023-09-15
due_date = 2025-09-15

[[standard]]
id = "PG-200"
role = "pressure"
manufacturer = "Example Gauges"
model = "PG-200"
serial = "PG-7731"
certificate_id = "OLD-PG"
calibration_date = 2022-11-01
due_date = 2023-11-01
"""


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    """Return a register of three standards in a fresh folder."""
    path = tmp_path / "register.toml"
    path.write_text(REGISTER, encoding="utf-8")
    return path


@pytest.fixture
def shared_schemas() -> Path:
    """Return the shared DCC schema folder, or skip when it is not beside the checkout."""
    if not (SHARED_SCHEMAS / "dcc-3.1.2" / "dcc.xsd").is_file():
        pytest.skip(f"no shared DCC schemas at {SHARED_SCHEMAS}")
    return SHARED_SCHEMAS
