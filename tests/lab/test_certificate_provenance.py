"""The certificate names the standard's certificate and says its values fed the budgets:
PDF, HTML and DCC all carry it (the traceability table's validity column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrolab.certificates import render_all
from metrolab.testing import certificate_example
from metrolab.testing.certificate_example import write_example_record


@pytest.mark.parametrize("route, words", [
    ("certificate", "its certificate's corrections and uncertainties were used in the budgets"),
    ("drift", "predicted by its drift model over its certificates were used in the budgets"),
])
def test_the_route_is_on_every_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         route: str, words: str) -> None:
    monkeypatch.setitem(certificate_example.STANDARD_TRACEABILITY, "values", route)
    record = write_example_record(tmp_path)
    files = render_all(record, tmp_path, draft=False)
    certificate_id = certificate_example.STANDARD_TRACEABILITY["certificate_id"]
    html = files["html"].read_text()
    assert words in html.replace("&#39;", "'") and str(certificate_id) in html
    assert words in files["dcc"].read_text().replace("&apos;", "'")


def test_the_specification_route_says_nothing_more(tmp_path: Path) -> None:
    record = write_example_record(tmp_path)
    html = render_all(record, tmp_path, draft=False)["html"].read_text()
    assert "were used in the budgets" not in html
