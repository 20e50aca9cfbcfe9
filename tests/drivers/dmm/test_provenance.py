"""The share of each profile's specification rows confirmed against a manufacturer's
document (the table in docs/instruments.md is this one)."""

import pytest
from metrolab.drivers.dmm import dmm_profile, profile_names
from metrolab.drivers.dmm.provenance import spec_provenance, tag_of

#: profile: (rows, [P], [S], [D], [U], confirmed)
EXPECTED = {
    "fluke-8845a": (13, 13, 0, 0, 0, 13),
    "fluke-8846a": (31, 31, 0, 0, 0, 31),
    "keithley-2000": (23, 0, 0, 0, 23, 0),
    "keithley-2010": (23, 0, 0, 0, 23, 0),
    "keithley-dmm6500": (31, 26, 5, 0, 0, 31),
    "keithley-dmm7510": (31, 0, 0, 0, 31, 0),
    "keysight-34401a": (30, 0, 5, 18, 7, 5),
    "keysight-34410a": (1, 0, 0, 0, 1, 0),
    "keysight-34411a": (1, 0, 0, 0, 1, 0),
    "keysight-34460a": (1, 0, 0, 0, 1, 0),
    "keysight-34461a": (5, 0, 5, 0, 0, 5),
    "keysight-34465a": (5, 0, 5, 0, 0, 0),  # the 34461A's rows as a provisional stand-in
    "keysight-34470a": (1, 0, 0, 0, 1, 0),
}


def test_every_profile_is_counted() -> None:
    assert set(EXPECTED) == set(profile_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_confirmed_share_of_each_profile(name: str) -> None:
    found = spec_provenance(dmm_profile(name))
    rows, _read, _secondary, _derived, unverified, confirmed = EXPECTED[name]
    assert (found.rows, found.read, found.secondary, found.derived, found.unverified,
            found.confirmed) == EXPECTED[name]
    assert found.confirmed_share == pytest.approx(confirmed / rows)
    # a row the spec calls unverified is never counted as confirmed
    assert sum(not row.verified for row in dmm_profile(name).spec.rows) <= unverified


@pytest.mark.parametrize(("source", "tag"), [
    ("[U] recalled, equal to the 2016's [P]", "U"), ("datasheet 5968-0162EN [S], matches", "S"),
    ("[V] read verbatim", "P"), ("no tag at all", "U"), ("[M] memory", "U"),
])
def test_tags(source: str, tag: str) -> None:
    assert tag_of(source) == tag
