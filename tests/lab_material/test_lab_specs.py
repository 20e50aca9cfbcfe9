"""A laboratory's own specification tables (issue 15): checked with line numbers,
overriding or extending the packaged tables through every profile, named in the record and
on the certificate with their SHA-256."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrolab.drivers.fluke import calibrator_profile
from metrolab.drivers.hart.readout_profile import readout_profile
from metrolab.drivers.keysight import Keysight34401A

from metrolab.certificates.from_record import content_from_record
from metrolab.instrument import spec_sources
from metrolab.instrument.functions import Function
from metrolab.instrument.spec_schema import SpecFileError
from metrolab.instrument.specs import AccuracySpec
from metrolab.runner.register import Register
from metrolab.store import open_record
from metrolab.units import ureg

from .helpers import PACKAGED_34401A, cli, lab_34401a

GOOD = """\
model = "ACME 100"
interval = "1 year"
source = "ACME datasheet 2024, table 3"

[[spec]]
functions = ["DCV"]
range = 10.0
reading_pct = 0.01
floor = 1e-4
"""


def write(tmp_path: Path, text: str, name: str = "table.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[int | None, str]]:
    with pytest.raises(SpecFileError) as caught:
        AccuracySpec.load(path)
    return [(p.line, p.message) for p in caught.value.problems]


# -- hostile files --------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "line", "words"), [
    (("floor = 1e-4", "floor = -1e-4"), 9, "spec[1].floor: Input should be greater than"),
    (('functions = ["DCV"]', 'functions = ["DCW"]'), 6, "unknown function 'DCW'"),
    (("range = 10.0", "range = 10.0 ]"), 7, "not valid TOML"),
    (("reading_pct = 0.01", "reading_pct = nan"), 8, "finite number"),
    (("reading_pct = 0.01", "reading_pct = 0.01\nreading_ppm = 100"), 5,
     "give the reading term once"),
    (("floor = 1e-4", "flor = 1e-4"), 9, "flor: is not a known key"),
    (('interval = "1 year"\n', ""), None, "interval: is required"),
    (("range = 10.0", 'range = "10 V"'), 7, "spec[1].range: Input should be a valid number"),
])
def test_a_bad_table_is_refused_with_the_line_and_what_is_wrong(
        tmp_path: Path, edit: tuple[str, str], line: int | None, words: str) -> None:
    path = write(tmp_path, GOOD.replace(*edit))
    found = problems(path)
    assert any(where == line and words in message for where, message in found), found


def test_every_problem_of_a_file_is_listed_in_line_order(tmp_path: Path) -> None:
    text = GOOD + '\n[[spec]]\nfunctions = ["ACV"]\nrange = -1\nreading_pct = 0.1\n' \
        '\n[[spec]]\nfunctions = ["ACV"]\nrange = 1\nreading_pct = 0.1\nfrequency_min = 20\n'
    found = problems(write(tmp_path, text))
    assert [line for line, _ in found] == sorted(line for line, _ in found)
    assert (16, "spec[3]: an AC band needs both frequency_min and frequency_max (Hz)") in found
    assert any(line == 13 and "spec[2].range" in m for line, m in found)


def test_a_table_whose_tolerance_is_zero_everywhere_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("reading_pct = 0.01", "reading_pct = 0")
                 .replace("floor = 1e-4", ""))
    assert problems(path) == [(5, "spec[1]: the tolerance at full range is 0: a row needs a "
                                  "positive, finite reading, range or floor term")]


def test_every_packaged_table_passes_the_check() -> None:
    tables = sorted(Path(Keysight34401A.MODEL.spec_file).parents[2].glob("*/specs/*.toml"))
    assert len(tables) > 15
    for table in tables:
        if "hmt330" in table.name:
            from metrolab.drivers.vaisala.spec_hmt330 import Measurand
            AccuracySpec.load(table, functions=Measurand)
        else:
            AccuracySpec.load(table)


_KEYS = ("range", "reading_pct", "floor")
_FIXTURE = [HealthCheck.function_scoped_fixture]


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE)
@given(key=st.sampled_from(_KEYS), value=st.floats(max_value=-1e-300, allow_nan=False,
                                                   allow_infinity=False))
def test_any_negative_term_is_named_on_its_line(tmp_path: Path, key: str, value: float) -> None:
    lines = GOOD.splitlines()
    number = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key} ="))
    lines[number - 1] = f"{key} = {value!r}"
    found = problems(write(tmp_path, "\n".join(lines) + "\n"))
    assert any(line == number and f"spec[1].{key}" in m for line, m in found), found


@settings(max_examples=150, deadline=None, suppress_health_check=_FIXTURE)
@given(text=st.text(max_size=300))
def test_any_text_is_a_table_or_a_named_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    try:
        AccuracySpec.load(path)
    except SpecFileError as exc:
        assert exc.problems and str(path) in str(exc)
        assert all(p.line is None or 1 <= p.line <= max(1, len(text.splitlines()) + 1)
                   for p in exc.problems)


def test_a_bad_lab_file_stops_the_run_before_anything_is_measured(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "specs" if (tmp_path / "specs").mkdir() is None else tmp_path,
          GOOD.replace("floor = 1e-4", "floor = -1"))
    code, _, err = cli(["run", "dmm-34401a-verification", "--simulate", "--yes", "--specs",
                        str(tmp_path / "specs"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert re.search(r"table\.toml:9: spec\[1\]\.floor: Input should be greater than", err)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.journal"))


def test_two_lab_files_for_one_model_and_interval_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(spec_sources.LabSpecsError, match=r"a\.toml and .*b\.toml both give "
                                                          r"the ACME 100 1 year"):
        spec_sources.scan([tmp_path])


def test_a_missing_lab_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(spec_sources.LabSpecsError, match="no such folder"):
        spec_sources.scan([tmp_path / "nowhere"])


# -- override and extension through the profiles ------------------------------------------

def test_a_lab_file_overrides_the_dmm_profile_table_only_while_active(tmp_path: Path) -> None:
    path, sha = lab_34401a(tmp_path)
    ten = 10 * ureg.V
    packaged = Keysight34401A.MODEL.spec.tolerance(Function.DCV, ten, ten)
    with spec_sources.lab_specs([tmp_path]):
        lab = Keysight34401A.MODEL.spec.tolerance(Function.DCV, ten, ten)
        (used,) = spec_sources.take_uses()
        assert spec_sources.take_uses() == []  # each source is given once per run
    assert packaged.to("V").magnitude == pytest.approx(10 * 35e-6 + 10 * 5e-6)
    assert lab.to("V").magnitude == pytest.approx(10 * 70e-6 + 10 * 5e-6)
    assert used == spec_sources.SpecSource("34401A", "1 year", str(path.resolve()), sha, "lab")
    assert Keysight34401A.MODEL.spec.tolerance(Function.DCV, ten, ten) == packaged


def test_a_lab_file_extends_a_calibrator_profile_with_an_interval(tmp_path: Path) -> None:
    profile = calibrator_profile("fluke-5520a")
    text = (Path(profile.path).parent.parent / "specs" / profile.spec_files["1-year"]
            ).read_text(encoding="utf-8")
    text = re.sub(r'^interval = ".*"$', 'interval = "90 day"', text, count=1, flags=re.M)
    write(tmp_path, text, "5520a_90d.toml")
    with pytest.raises(Exception, match="holds no 90-day specification"):
        profile.specification("90-day")
    with spec_sources.lab_specs([tmp_path]):
        table = profile.specification("90-day")
        (used,) = spec_sources.take_uses()
    assert table.interval == "90 day" and used.origin == "lab"


def test_a_lab_file_overrides_a_readout_table(tmp_path: Path) -> None:
    profile = readout_profile("hart-1529")
    packaged = profile.spec.tables
    sensor, table = next(iter(packaged.items()))
    text = Path(profile.spec_files[sensor]).name
    source = (Path(Keysight34401A.MODEL.spec_file).parents[2] / "hart" / "specs" / text)
    write(tmp_path, source.read_text(encoding="utf-8").replace("[U]", "[P] our own"), text)
    with spec_sources.lab_specs([tmp_path]):
        lab = profile.spec.tables[sensor]
    assert lab.rows != table.rows and all(r.source.startswith("[P] our own") for r in lab.rows
                                          if r.source.startswith("[P] our own"))
    assert any(r.verified for r in lab.rows)


def test_the_register_names_the_lab_folders_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "lab" / "specs").mkdir(parents=True)
    (tmp_path / "lab" / "procedures").mkdir()
    register = write(tmp_path, 'specs = "lab/specs"\nprocedures = "lab/procedures"\n'
                     '[[standard]]\nid = "S1"\nrole = "calibrator"\nmanufacturer = "F"\n'
                     'model = "5522A"\nserial = "1"\ncertificate_id = "C"\n'
                     "calibration_date = 2025-01-01\ndue_date = 2026-01-01\n", "register.toml")
    loaded = Register.load(register)
    assert loaded.specs_dir == (tmp_path / "lab" / "specs").resolve()
    assert loaded.procedures_dir == (tmp_path / "lab" / "procedures").resolve()
    register.write_text(register.read_text().replace("lab/specs", "lab/nope"))
    with pytest.raises(Exception, match=r"specs = 'lab/nope': no such folder"):
        Register.load(register)


# -- the run: limit, record and certificate ----------------------------------------------

@pytest.mark.timeout(120)
def test_the_lab_file_changes_the_limit_and_is_named_in_record_and_certificate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, sha = lab_34401a(tmp_path / "specs")
    code, _, err = cli(["run", "dmm-34401a-verification", "--simulate", "--yes", "--points",
                        "DCV-10V", "--specs", str(tmp_path / "specs"), "--out",
                        str(tmp_path / "out")], capsys)
    assert code == 0, err
    (record_path,) = (tmp_path / "out").glob("*.h5")
    record = open_record(record_path)
    (point,) = record.points
    assert point.result["tolerance"]["upper"] == pytest.approx(10 * 70e-6 + 10 * 5e-6)
    sources = {e["data"]["model"]: e["data"] for e in record.events
               if e["type"] == "specification"}
    assert sources["34401A"] == {"model": "34401A", "interval": "1 year", "origin": "lab",
                                 "path": str(path.resolve()), "sha256": sha}
    packaged_5522a = sources["5522A"]
    assert packaged_5522a["origin"] == "packaged"
    assert packaged_5522a["sha256"] == hashlib.sha256(
        Path(packaged_5522a["path"]).read_bytes()).hexdigest()
    notes = content_from_record(record, draft=True).notes
    assert (f"Specification of the 34401A 1 year: the laboratory's file our_34401a.toml, "
            f"SHA-256 {sha}.") in notes
    assert "Specification of the 5522A 1-year: manufacturer's data packaged with metrolab." \
        in notes


@pytest.mark.timeout(120)
def test_without_lab_files_the_packaged_table_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["run", "dmm-34401a-verification", "--simulate", "--yes", "--points",
                        "DCV-10V", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    record = open_record(next(tmp_path.glob("*.h5")))
    assert record.points[0].result["tolerance"]["upper"] == pytest.approx(4e-4)
    origins = {e["data"]["path"]: e["data"]["origin"] for e in record.events
               if e["type"] == "specification"}
    assert origins[str(PACKAGED_34401A)] == "packaged"
