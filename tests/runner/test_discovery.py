"""Procedures from the built-ins, a folder and the ``metrolab.procedures`` entry points."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from metrolab.runner import discovery
from metrolab.runner.errors import ProcedureDefinitionError, ProcedureNotFound
from metrolab.runner.procedure import InstrumentRole, Metadata, TestPoint
from metrolab.units import Quantity


def lab_module(name: str) -> types.ModuleType:
    module = types.ModuleType(f"lab.{name}")
    module.METADATA = Metadata(name, "2.0", "a lab's own", ("X1",),  # type: ignore[attr-defined]
                               {"dut": InstrumentRole("dut", "x", {"X1": object})})
    module.TEST_POINTS = [TestPoint("P1", "s", "DCV", Quantity(1, "V"))]  # type: ignore[attr-defined]
    module.measure_point = lambda ctx, point: iter(())  # type: ignore[attr-defined]
    return module


class FakeEntryPoint:
    def __init__(self, name: str, loaded: Any) -> None:
        self.name, self.value, self._loaded = name, f"lab.{name}", loaded

    def load(self) -> Any:
        if isinstance(self._loaded, Exception):
            raise self._loaded
        return self._loaded


def test_builtins_folder_and_entry_points_are_found(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "from_folder.py").write_text(
        "from metrolab.runner.procedure import InstrumentRole, Metadata, TestPoint\n"
        "from metrolab.units import Quantity\n"
        "METADATA = Metadata('folder-proc', '1', 't', ('X',), "
        "{'dut': InstrumentRole('dut', 'x', {'X': object})})\n"
        "TEST_POINTS = [TestPoint('A', 's', 'DCV', Quantity(1, 'V'))]\n"
        "def measure_point(ctx, point):\n    yield from ()\n")
    (tmp_path / "helper.py").write_text("VALUE = 1\n")  # not a procedure: ignored
    monkeypatch.setattr(discovery, "entry_points", lambda group: [
        FakeEntryPoint("installed-proc", lab_module("installed-proc"))])
    found = discovery.discover(tmp_path)
    assert found["dmm-34401a-verification"].source == "builtin"
    assert found["temperature-sensor-calibration"].source == "builtin"
    assert found["folder-proc"].source == str(tmp_path / "from_folder.py")
    assert found["installed-proc"].source == "entry point installed-proc"
    assert "helper" not in found


def test_broken_procedures_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.py").write_text("import no_such_module\n")
    with pytest.raises(ProcedureDefinitionError, match=r"broken\.py: importing it failed"):
        discovery.discover(tmp_path)
    monkeypatch.setattr(discovery, "entry_points", lambda group: [
        FakeEntryPoint("bad", ImportError("no module lab"))])
    with pytest.warns(discovery.BrokenEntryPointWarning,
                      match=r"entry point bad = 'lab\.bad' .* ImportError: no module lab"):
        assert "bad" not in discovery.discover()
    module = lab_module("dup")
    module.TEST_POINTS = [TestPoint("P1", "s", "DCV", Quantity(1, "V"))] * 2  # type: ignore[attr-defined]
    with pytest.raises(ProcedureDefinitionError, match="duplicate point_id"):
        discovery.validate(module, "test")


def test_unknown_procedure_lists_the_known_ones() -> None:
    with pytest.raises(ProcedureNotFound, match="known procedures: dmm-34401a-verification"):
        discovery.find_procedure("nope")
    with pytest.raises(ProcedureNotFound, match="no such folder"):
        discovery.discover("/nonexistent/procedures")
