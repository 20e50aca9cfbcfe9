"""Caveats recorded with point results become one certificate note each."""

from types import SimpleNamespace

from metrolab.certificates.from_record import caveat_notes


def point(point_id: str, *caveats: str) -> SimpleNamespace:
    return SimpleNamespace(point_id=point_id, result={"caveats": list(caveats)})


def test_each_distinct_caveat_is_one_note_listing_its_points() -> None:
    points = [point(f"P{i}", "calibrator row [U]") for i in range(8)]
    points += [point("AC1", "calibrator row [U]", "DMM AC row [U]"), point("X")]
    notes = caveat_notes(points)
    assert len(notes) == 2
    assert "for 9 point(s) (P0, P1, P2, P3, P4, P5 and 3 more): calibrator row [U]." in notes[0]
    assert "for 1 point(s) (AC1): DMM AC row [U]." in notes[1]
    assert all("provisional" in note for note in notes)


def test_points_without_caveats_add_no_note() -> None:
    assert caveat_notes([point("A"), SimpleNamespace(point_id="B", result=None)]) == ()
