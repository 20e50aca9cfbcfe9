"""Procedures as data (issue 15): the TOML format checked with exact line numbers, the
worked example of docs/procedures.md run end to end and certified, a spec-referenced
limit that the lab's own file changes, and loud entry points."""

from __future__ import annotations

import importlib.metadata
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrolab.runner import discovery
from metrolab.runner.toml_procedure import ProcedureFileError, check_file, compile_file
from metrolab.store import open_record

from .helpers import cli, lab_34401a

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "thermometer-comparison.toml"

DMM_CHECK = """\
[procedure]
name = "lab-dmm-check"
version = "0.1"
title = "DC voltage check of a multimeter against its specification"

[roles.dut]
kind = "multimeter"

[roles.calibrator]
kind = "calibrator"

[measurement]
indication = { role = "dut" }
source = { role = "calibrator" }

[[uncertainty]]
name = "calibrator"
half_width = "60 uV"

[[point]]
id = "DCV-10V"
function = "DCV"
nominal = "10 V"
range = "10 V"
settle_s = 2
limit = { spec = "34401A", interval = "1 year" }
"""


def write(folder: Path, text: str, name: str = "proc.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def check_lines(path: Path) -> list[str]:
    return check_file(path).lines()


# -- --check ---------------------------------------------------------------------------

def test_the_worked_example_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["procedures", "--check", str(EXAMPLE)], capsys)
    assert (code, err) == (0, "")
    assert "lab-thermometer-comparison 1.0, 3 points" in out


@pytest.mark.parametrize(("edit", "expected"), [
    (('nominal = "10 V"', 'nominal = "ten V"'),
     "23: point[1].nominal: 'ten V' is not a number with a unit"),
    (('kind = "calibrator"', 'kind = "oven"'),
     "10: roles.calibrator.kind: Input should be 'multimeter', 'calibrator', "),
    (('source = { role = "calibrator" }', 'source = { role = "calibratr" }'),
     "14: measurement.source.role: no role 'calibratr' (roles: dut, calibrator)"),
    (('function = "DCV"', 'function = "DCX"'), "22: point[1].function: 'DCX' is not a function"),
    (('settle_s = 2', 'settle_s = -2'), "25: point[1].settle_s: Input should be greater than"),
    (('half_width = "60 uV"', 'half_width = "60 uV"\nexpanded = "1 mV"'),
     "16: uncertainty[1]: give half_width (rectangular, triangular) or expanded"),
    (('version = "0.1"', 'version = "0.1"\nauthor = "me"'),
     "4: procedure.author: is not a known key (a misspelling?)"),
    (('[roles.dut]', '[roles.dut]\nmodels = ["34999Z"]'),
     "7: roles.dut.models: no driver for model '34999Z' as a multimeter"),
    (('[roles.dut]', '[hooks]\nevaluate = "no_such_mod:f"\n\n[roles.dut]'),
     "7: hooks.evaluate: hook 'no_such_mod:f': module 'no_such_mod' cannot be imported"),
    (('range = "10 V"', 'range = "10 V"\n[[point'), "25: not valid TOML"),
])
def test_check_names_the_exact_line(tmp_path: Path, edit: tuple[str, str], expected: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, DMM_CHECK.replace(*edit))
    code, _, err = cli(["procedures", "--check", str(path)], capsys)
    assert code == 1
    assert any(line.startswith(f"{path}:{expected}") for line in err.splitlines()), err


def test_a_duplicate_point_id_is_on_the_second_point(tmp_path: Path) -> None:
    point = DMM_CHECK[DMM_CHECK.index("[[point]]"):]
    path = write(tmp_path, DMM_CHECK + "\n" + point)
    second = DMM_CHECK.count("\n") + 3
    assert f"{path}:{second}: point[2].id: 'DCV-10V' is already a point id" in check_lines(path)


def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["procedures", "--check", str(tmp_path / "none.toml")], capsys)
    assert code == 2 and "none.toml: cannot read it" in err
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    code, _, err = cli(["procedures", "--check", str(tmp_path / "bin.toml")], capsys)
    assert code == 2


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(DMM_CHECK)), junk=st.text(max_size=20))
def test_any_damaged_procedure_is_valid_or_has_numbered_problems(
        tmp_path: Path, cut: int, junk: str) -> None:
    text = DMM_CHECK[:cut] + junk + DMM_CHECK[cut:]
    path = write(tmp_path, text)
    report = check_file(path)
    lines = max(1, len(text.splitlines()) + 1)
    assert all(p.line is None or 1 <= p.line <= lines for p in report.problems)
    if report.problems:
        with pytest.raises(ProcedureFileError):
            compile_file(path)


# -- end to end ----------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_the_worked_example_runs_and_is_certified_by_the_demo(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["demo", "--procedure", str(EXAMPLE), "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert out.rstrip().splitlines()[-1] == "completed: all 3 points passed"
    record = open_record(next(tmp_path.glob("*.h5")))
    assert record.run["procedure"]["name"] == "lab-thermometer-comparison"
    assert [p.point_id for p in record.points] == ["T+000C", "T+050C", "T+100C"]
    assert [p.result["tolerance"]["upper"] for p in record.points] == [0.15, 0.25, 0.35]
    budget = record.points[0].result["budget"]
    assert set(budget["inputs"]) >= {"indication", "reference", "bath_uniformity"}
    assert len(record.points[0].readings) == 8
    assert {p.suffix for p in tmp_path.glob("*-DEMO-PRT-0001-*.*")} >= {".h5", ".html", ".pdf"}


@pytest.mark.timeout(120)
def test_a_spec_referenced_limit_follows_the_lab_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "procedures", DMM_CHECK)
    code, _, err = cli(["run", str(path), "--simulate", "--yes", "--out",
                        str(tmp_path / "packaged")], capsys)
    assert code == 0, err
    packaged = open_record(next((tmp_path / "packaged").glob("*.h5")))
    assert packaged.points[0].result["tolerance"]["upper"] == pytest.approx(4e-4)
    lab_34401a(tmp_path / "specs")
    code, _, err = cli(["run", "lab-dmm-check", "--procedures", str(tmp_path / "procedures"),
                        "--simulate", "--yes", "--specs", str(tmp_path / "specs"), "--out",
                        str(tmp_path / "lab")], capsys)
    assert code == 0, err
    lab = open_record(next((tmp_path / "lab").glob("*.h5")))
    assert lab.points[0].result["tolerance"]["upper"] == pytest.approx(7.5e-4)
    assert any(e["type"] == "specification" and e["data"]["origin"] == "lab"
               for e in lab.events)


def test_a_lab_folder_lists_its_toml_procedures(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, DMM_CHECK)
    code, out, _ = cli(["procedures", "--procedures", str(tmp_path)], capsys)
    assert code == 0 and "lab-dmm-check  version 0.1, 1 points" in out


# -- entry points ---------------------------------------------------------------------

def entry(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name, value, discovery.ENTRY_POINT_GROUP)


def test_a_broken_entry_point_is_a_warning_and_is_listed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    entries = [entry("gone", "no_such_package.procs"),
               entry("not-a-module", "metrolab.units:ureg")]
    with pytest.warns(discovery.BrokenEntryPointWarning) as caught:
        found = discovery.discover_all(entries=entries)
    assert "dmm-34401a-verification" in found.procedures
    assert [(b.name, b.value) for b in found.broken] == [
        ("gone", "no_such_package.procs"), ("not-a-module", "metrolab.units:ureg")]
    assert "ModuleNotFoundError" in found.broken[0].error
    assert "not a procedure module or the path of a TOML procedure" in found.broken[1].error
    assert len(caught) == 2
    monkeypatch.setattr(discovery, "entry_points", lambda group: entries)
    code, out, _ = cli(["procedures"], capsys)
    assert code == 0
    assert "warning: entry point gone = 'no_such_package.procs'" in out.replace("\n", " ")


def test_a_clash_with_a_built_in_names_both_sources(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    clash = write(tmp_path, DMM_CHECK.replace("lab-dmm-check", "dmm-34401a-verification"))
    with pytest.raises(discovery.ProcedureClash,
                       match=r"'dmm-34401a-verification' is given twice: by metrolab's built-in "
                             rf"procedures and by {clash}"):
        discovery.discover(tmp_path)
    code, _, err = cli(["procedures", "--procedures", str(tmp_path)], capsys)
    assert code == 2 and "given twice" in err


def test_an_entry_point_may_give_a_toml_procedure(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    path = write(tmp_path, DMM_CHECK)
    module = types.ModuleType("lab_pkg_for_test")
    module.PROCEDURE = str(path)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lab_pkg_for_test", module)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = discovery.discover_all(entries=[entry("dmm", "lab_pkg_for_test:PROCEDURE")])
    assert found.procedures["lab-dmm-check"].source == "entry point dmm"
    clash = [entry("dmm", "lab_pkg_for_test:PROCEDURE")] * 2
    with pytest.raises(discovery.ProcedureClash, match="by entry point dmm and by entry point"):
        discovery.discover_all(entries=clash)
