"""Caveats recorded with point results become numbered notes in a customer's words, and row
marks; the internal source of the unverified data (a file, a section, "[U]") stays in the
record."""

import dataclasses

from metrolab.certificates.caveats import marked_caveats, note_text
from metrolab.certificates.html import html_text
from metrolab.testing.certificate_example import example_content

CALIBRATOR = ("5522A 1-year specification, unverified data: [U] 5522A Extended Specifications "
              "(recollection, check the datasheet)")
DMM = ("34401A 1 year specification, unverified data: [U] datasheet 5968-0162EN AC voltage "
       "(instruments.md §2.1)")


def test_each_distinct_caveat_is_one_numbered_note_and_marks_its_results() -> None:
    content = example_content()
    results = content.results
    caveats = [(CALIBRATOR,)] * (len(results) - 2) + [(CALIBRATOR, DMM), ()]
    marked, notes = marked_caveats(results, caveats, content.item, content.equipment)
    assert [r.note_marks for r in marked] == [(1,)] * (len(results) - 2) + [(1, 2), ()]
    assert notes[0] == (
        f"[1] The 1-year specification of the Fluke 5522A (Multifunction calibrator), which "
        f"gives the uncertainty of the reference values of the {len(results) - 1} results "
        "marked [1], has not yet been verified against the manufacturer's published table; "
        "their expanded uncertainties are provisional.")
    assert notes[1] == (
        "[2] The 1 year specification of the Keysight 34401A (the item calibrated), which "
        "gives the tolerance limits of the 1 result marked [2], has not yet been verified "
        "against the manufacturer's published table; their tolerance limits, and so their "
        "statements of conformity, are provisional.")
    assert len(notes) == 2


def test_a_note_names_no_internal_reference() -> None:
    content = example_content()
    for caveat in (CALIBRATOR, DMM, "5522A 1-year specification, provisional table: "
                                    "shared/reference/specs/5522a.toml", "garbled [U] x.md"):
        text = note_text(caveat, 1, 3, content.item, content.equipment)
        assert "[U]" not in text and ".md" not in text and ".toml" not in text
        assert "§" not in text and "recollection" not in text
        assert text.startswith("[1] ") and "3 results marked [1]" in text


def test_results_without_caveats_are_unchanged_and_add_no_note() -> None:
    content = example_content()
    marked, notes = marked_caveats(content.results, [()] * len(content.results), content.item,
                                   content.equipment)
    assert notes == () and marked == content.results


def test_the_html_certificate_marks_the_rows_and_prints_the_notes() -> None:
    content = example_content()
    marked, notes = marked_caveats(content.results, [(CALIBRATOR,)] * len(content.results),
                                   content.item, content.equipment)
    page = html_text(dataclasses.replace(content, results=marked, notes=content.notes + notes))
    assert page.count(f"<td>{content.results[0].function} [1]</td>") >= len(content.results)
    assert "[1] The 1-year specification of the Fluke 5522A" in page
