"""The DMM profiles: every packaged one loads and answers what a procedure asks; a bad
profile file is refused with its file, table and line."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrolab.drivers.dmm import (
    DIALECTS,
    ProfileError,
    dmm_profile,
    dmm_profiles,
    profile_for_identity,
    profile_names,
)
from metrolab.drivers.dmm.profile import DmmProfile

from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.scpi import Identity
from metrolab.units import ureg

EXPECTED = {
    "keysight-34401a", "keysight-34410a", "keysight-34411a", "keysight-34460a",
    "keysight-34461a", "keysight-34465a", "keysight-34470a", "keithley-2000",
    "keithley-2010", "keithley-dmm6500", "keithley-dmm7510", "fluke-8845a", "fluke-8846a",
}


def test_every_model_of_the_issue_has_a_profile() -> None:
    assert set(profile_names()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_profile_answers_what_a_procedure_asks(name: str) -> None:
    profile = dmm_profile(name)
    assert profile.dialect in DIALECTS
    identity = Identity.parse(profile.idn)
    assert profile.identity.matches(identity.manufacturer, identity.model)
    assert profile_for_identity(identity.manufacturer, identity.model) is profile
    for function, held in profile.functions.items():
        assert list(held.ranges) == sorted(held.ranges)
        top = max(held.ranges)
        # above a range's over-range limit it overloads; the limit is at least the range
        for range_value in held.ranges:
            assert profile.over_range_limit(function, range_value) >= range_value
        assert profile.range_for(function, top * 1.01) is None
    # every profile can specify a 10 V DC reading (a verification's first point)
    tolerance = profile.spec.tolerance(Function.DCV, 10 * ureg.V, 10 * ureg.V)
    assert 0 * ureg.V < tolerance < 10 * ureg.mV
    assert profile.nplc_choices == tuple(sorted(profile.nplc_choices))
    assert profile.resolution(Function.DCV, 10.0, max(profile.nplc_choices)) <= \
        profile.resolution(Function.DCV, 10.0, min(profile.nplc_choices))


def test_published_numbers_reach_the_profiles() -> None:
    # 8846A Users Manual 1-12 [P]: 10 V 1 year 0.0024 % + 0.0005 % -> 290 µV at 10 V
    fluke = dmm_profile("fluke-8846a")
    assert fluke.spec.tolerance(Function.DCV, 10 * ureg.V, 10 * ureg.V).to("uV").magnitude \
        == pytest.approx(290.0)
    # DMM6500 Calibration Manual p. 2-4 [P]: 10 V at 10 V ± 300 µV; 10.03 kΩ on 10 kΩ
    # ± 0.8123 Ω
    keithley = dmm_profile("keithley-dmm6500")
    assert keithley.spec.tolerance(Function.DCV, 10 * ureg.V, 10 * ureg.V).to("uV").magnitude \
        == pytest.approx(300.0)
    # (the manual rounds the reading term to 0.7523 Ω)
    assert keithley.spec.tolerance(Function.RES4, 1e4 * ureg.ohm, 10.03e3 * ureg.ohm
                                   ).magnitude == pytest.approx(0.8123, abs=1e-4)
    # 2000 datasheet p. 3 [P]: over-range 120 % except 1000 V and 3 A
    k2000 = dmm_profile("keithley-2000")
    assert k2000.over_range_limit(Function.DCV, 10.0) == pytest.approx(12.0)
    assert k2000.over_range_limit(Function.DCV, 1000.0) == pytest.approx(1000.0)
    assert k2000.over_range_limit(Function.DCI, 3.0) == pytest.approx(3.0)
    # DMM6500 datasheet p. 13 [P]: 1 % over-range on the 3 A and 10 A AC ranges
    assert keithley.over_range_limit(Function.ACI, 10.0) == pytest.approx(10.1)


def test_unverified_rows_carry_a_caveat_and_confirmed_rows_none() -> None:
    assert dmm_profile("fluke-8846a").spec.caveat(Function.DCV, 10 * ureg.V, 10 * ureg.V) is None
    caveat = dmm_profile("keithley-2000").spec.caveat(Function.DCV, 10 * ureg.V, 10 * ureg.V)
    assert caveat is not None and "2016" in caveat


def test_quirks_are_data() -> None:
    assert dmm_profile("keithley-2000").quirks.init_continuous_at_power_on
    assert dmm_profile("keithley-dmm6500").quirks.read_returns_last_only
    assert dmm_profile("keithley-dmm6500").quirks.command_language == "SCPI"
    assert dmm_profile("keysight-34401a").quirks.absent_common_commands == ("*WAI",)
    assert dmm_profile("fluke-8846a").interfaces.lan_port == 3490
    assert dmm_profile("fluke-8846a").remote_over_serial


def test_unknown_names_and_identities_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(UserInputError, match="keysight-34401a"):
        dmm_profile("keysight-3458a")
    with pytest.raises(UserInputError, match="Keithley DMM6500"):
        profile_for_identity("ACME", "X1")
    with pytest.raises(UserInputError, match=r"Fluke 8845A: ACI: 0.0001 A is not a range"):
        dmm_profile("fluke-8845a").over_range_limit(Function.ACI, 1e-4)


GOOD = (Path(__file__).parents[3] / "drivers/keysight/profiles/34461a.toml").read_text()


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (tmp_path / "specs").mkdir(exist_ok=True)
    (tmp_path / "specs" / "34461a.toml").write_text(
        (Path(__file__).parents[3] / "drivers/keysight/specs/34461a.toml").read_text())
    path = folder / "x.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_copied_profile_loads_from_a_lab_folder(tmp_path: Path) -> None:
    profile = DmmProfile.load(write(tmp_path, GOOD))
    assert profile.model == "34461A" and profile.spec.model == "34461A"


@pytest.mark.parametrize(("edit", "message"), [
    (('dialect = "keysight-truevolt"', 'dialect = "tsp"'), "dialect 'tsp'"),
    (("ranges = [0.1, 1, 10, 100, 1000]", "ranges = [1, 0.1]"), r"line \d+: \[functions.DCV\]"),
    (("over_range = [0.2, 0.2, 0.2, 0.2, 0.0]", "over_range = [0.2]"), "one per range"),
    (('buffer = "memory"', 'buffer = "ring"'), r"\[trigger\] buffer 'ring'"),
    (("display_chars = 40", "display_chars = 40\nteleport = true"), "unknown quirks"),
    (('spec = "34461a.toml"', 'spec = "none.toml"'), "no such file"),
    (("[functions.DCV]", "[functions.VOLTS]"), "unknown function 'VOLTS'"),
])
def test_bad_profiles_name_file_table_and_line(tmp_path: Path, edit: tuple[str, str],
                                               message: str) -> None:
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProfileError, match=message) as caught:
        DmmProfile.load(path)
    assert str(path) in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_hostile_profile_text_is_refused_with_a_profile_error(
        tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = write(tmp_path_factory.mktemp("hostile"), text)
    with pytest.raises(ProfileError, match="DMM profile"):
        DmmProfile.load(path)


def test_every_profile_is_distinct_data() -> None:
    profiles = dmm_profiles()
    assert len({p.idn for p in profiles}) == len(profiles)
