"""The HTML certificate: one self-contained file with the same content as the PDF."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from metrolab.certificates.html import html_text
from metrolab.testing.certificate_example import example_content


def test_the_html_is_self_contained(rendered: dict[str, Path]) -> None:
    text = rendered["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", text)
    assert "<link" not in text and "<script" not in text
    # one vector chart per function (DCV, ACV), no raster image
    assert text.count('src="data:image/svg+xml;base64,') == 2
    assert "image/png" not in text


def test_the_html_carries_id_end_mark_and_results(rendered: dict[str, Path]) -> None:
    text = rendered["html"].read_text(encoding="utf-8")
    assert text.count("<span>Certificate ECL-2026-0001</span>") == 2  # header and footer
    assert "End of certificate ECL-2026-0001" in text
    assert "As found results" in text and "As left results" in text
    assert "watermark" not in text.split("<body>", 1)[1].split("<h1>", 1)[0]


def test_text_from_the_record_is_escaped() -> None:
    content = example_content()
    hostile = replace(content, customer=replace(content.customer, name="<script>x</script>"))
    text = html_text(hostile)
    assert "<script>x</script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
