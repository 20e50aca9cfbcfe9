"""Sealed example records (through the real metrolab.store) and their renderings.

Building a record and rendering it take about a second each, so the read-only ones are
made once per test session; tests that change a record get their own copy of the folder
(the audit log beside the record must travel with it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from metrolab.certificates.issue import render_all
from metrolab.testing.certificate_example import write_example_record

RUN_ID = "ECL-2026-0001"


@pytest.fixture(scope="session")
def approved_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder holding the approved example record, its journal and audit log."""
    folder = tmp_path_factory.mktemp("approved")
    write_example_record(folder, run_id=RUN_ID)
    return folder


def _private_copy(folder: Path, tmp_path: Path, name: str) -> Path:
    """Copy ``folder`` to ``tmp_path / name``; return the example record in the copy."""
    shutil.copytree(folder, tmp_path / name)
    return tmp_path / name / f"{RUN_ID}.h5"


@pytest.fixture
def approved_record(approved_folder: Path, tmp_path: Path) -> Path:
    """Return a private copy of the approved example record (safe to alter)."""
    return _private_copy(approved_folder, tmp_path, "records")


@pytest.fixture(scope="session")
def reviewed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder holding the example record reviewed but not approved."""
    folder = tmp_path_factory.mktemp("reviewed")
    write_example_record(folder, run_id=RUN_ID, approve=False)
    return folder


@pytest.fixture
def reviewed_record(reviewed_folder: Path, tmp_path: Path) -> Path:
    """Return a private copy of the reviewed, unapproved example record."""
    return _private_copy(reviewed_folder, tmp_path, "reviewed")


@pytest.fixture(scope="session")
def rendered(approved_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Return the PDF, HTML and DCC rendered once from the approved example record."""
    out = tmp_path_factory.mktemp("rendered")
    return render_all(approved_folder / f"{RUN_ID}.h5", out, draft=False)


@pytest.fixture(scope="session")
def pdf_pages(rendered: dict[str, Path]) -> list[str]:
    """Return the extracted text of every page of the approved certificate."""
    return [page.extract_text() for page in PdfReader(rendered["pdf"]).pages]
