"""Caveats recorded with point results become numbered certificate notes and row marks."""

from metrolab.certificates.from_record import marked_caveats
from metrolab.certificates.html import html_text
from metrolab.testing.certificate_example import example_content


def test_each_distinct_caveat_is_one_numbered_note_and_marks_its_results() -> None:
    results = example_content().results
    caveats = [("calibrator [U]",)] * (len(results) - 2) + [("calibrator [U]", "DMM [U]"), ()]
    marked, notes = marked_caveats(results, caveats)
    assert [r.note_marks for r in marked] == [(1,)] * (len(results) - 2) + [(1, 2), ()]
    assert notes[0].startswith("[1] Specification data not yet verified")
    assert f"for the {len(results) - 1} result(s) marked [1]: calibrator [U]." in notes[0]
    assert "for the 1 result(s) marked [2]: DMM [U]." in notes[1]
    assert len(notes) == 2


def test_results_without_caveats_are_unchanged_and_add_no_note() -> None:
    results = example_content().results
    marked, notes = marked_caveats(results, [()] * len(results))
    assert notes == () and marked == results


def test_the_html_certificate_marks_the_rows_and_prints_the_notes() -> None:
    import dataclasses

    content = example_content()
    marked, notes = marked_caveats(content.results, [("unverified table",)] * len(content.results))
    page = html_text(dataclasses.replace(content, results=marked, notes=content.notes + notes))
    assert page.count(f"<td>{content.results[0].function} [1]</td>") >= len(content.results)
    assert "[1] Specification data not yet verified" in page
