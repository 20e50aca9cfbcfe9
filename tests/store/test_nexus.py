"""NeXus conformance: the NeXus community's validator (nexusformat's nxcheck and nxvalidate)
finds nothing to warn about in a sealed record, large or small, and does find what a
broken one lacks."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from metrolab.store import Journal, open_record, seal, verify

pytest.importorskip("nexusformat")

from metrolab.testing.nexus_checks import nexus_report

V1_RECORD = Path(__file__).parent / "data" / "v1" / "V1-2026-0001.h5"


def _objects(path: Path) -> int:
    with h5py.File(path, "r") as handle:
        names: list[str] = []
        handle.visit(names.append)
    return len(names) + 1


def test_a_sealed_record_is_clean_for_nxcheck_and_nxvalidate(record_path: Path) -> None:
    report = nexus_report(record_path)
    assert report.clean, report


def test_the_example_job_is_clean_and_small(tmp_path: Path) -> None:
    from metrolab.testing.certificate_example import write_example_record

    record = write_example_record(tmp_path)
    assert nexus_report(record).clean
    assert _objects(record) < 150  # five points: no object per point any more
    with h5py.File(record, "r") as handle:  # the @default chain ends in a plot
        entry = handle[handle.attrs["default"]]
        plot = entry[entry.attrs["default"]]
        assert plot.attrs["NX_class"] == "NXdata"
        assert plot[plot.attrs["signal"]].shape == (5,)
        assert f"{plot.attrs['signal']}_errors" in plot


def test_the_validator_can_fail(tmp_path: Path, record_path: Path) -> None:
    """Controls: a schema 1.0 record (entry values as attributes, /integrity at the root)
    is not clean, and neither is a record without the start time the definition needs."""
    old = nexus_report(V1_RECORD)
    assert any('"@start_time" is not defined as an attribute in NXentry' in w
               for w in old.warnings)
    assert any("NXcollection is an invalid class in NXroot" in e for e in old.errors)
    broken = tmp_path / "broken.h5"
    shutil.copy(record_path, broken)
    with h5py.File(broken, "r+") as handle:
        del handle["entry/start_time"]
    assert nexus_report(broken).errors == (
        "nxvalidate: Field: /entry/start_time: This required field is not in the NeXus file",)


def test_not_reported_is_left_out_not_nan(tmp_path: Path, sample: SimpleNamespace) -> None:
    """A pressure that no entry reported is no field at all (and says why); one reported
    by some entries has only those rows."""
    path = tmp_path / "env.journal"
    with Journal.create(path, "ENV") as journal:
        for number, pressure in enumerate((None, {"value": 1013.2, "unit": "hPa"}, None)):
            journal.append("environment", {
                "time": 100.0 + number, "temperature": {"value": 23.0, "unit": "degC"},
                "humidity": None, "pressure": pressure})
    record = seal(path)
    with h5py.File(record, "r") as handle:
        environment = handle["entry/environment"]
        assert "humidity" not in environment
        assert environment.attrs["not_reported"].tolist() == [
            "humidity: no environment entry reported it"]
        assert environment["pressure/value"][()].tolist() == [1013.2]
        assert environment["pressure/time"][()].tolist() == [101.0]
        assert "1 of 3" in environment["pressure/description"][()].decode()
        for name in ("temperature", "pressure"):
            assert not np.isnan(environment[f"{name}/value"][()]).any()
    assert open_record(record).environment["pressure"].values.magnitude.tolist() == [1013.2]
    assert nexus_report(record).clean


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_million_readings_record_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "long.journal"
    values = 10.0 + np.random.default_rng(3).normal(0.0, 1e-6, 1_000_000)
    with Journal.create(path, "LONG") as journal:
        journal.append("point_started", {"point_id": "log", "phase": "as_found",
                                         "function": "DCV", "nominal": {"value": 10.0,
                                                                         "unit": "V"}})
        items = values.tolist()
        for first in range(0, len(items), 20_000):
            journal.append_many([("reading", {
                "point_id": "log", "phase": "as_found", "index": first + n,
                "time": 1.7e9 + (first + n) * 0.1, "value": v, "unit": "V"})
                for n, v in enumerate(items[first:first + 20_000])])
    record = seal(path)
    assert verify(record).ok
    assert nexus_report(record).clean
    (point,) = open_record(record).points
    assert point.readings.magnitude.size == 1_000_000
    assert np.array_equal(point.readings.magnitude, values)


def test_an_amendment_is_clean_and_copies_the_record(signed_record: Path, keys: object) -> None:
    from metrolab.store import amend

    amended = amend(signed_record, signer=keys["Rita Reviewer"],  # type: ignore[index]
                    reason="customer renamed", changes={"customer.name": "New Ltd"})
    assert nexus_report(amended).clean
    with h5py.File(signed_record, "r") as old, h5py.File(amended, "r") as new:
        assert new["entry/entry_identifier"][()] == b"R-2026-0001-A1"
        assert new["entry/run/customer_name"][()] == b"New Ltd"
        assert new["entry/amends/identifier_record"][()] == b"R-2026-0001"
        assert np.array_equal(new["entry/readings/volt/value"][()],
                              old["entry/readings/volt/value"][()])
    assert verify(amended).ok


def test_text_fields_never_end_in_a_suffix_nexus_reserves_for_numbers(tmp_path: Path) -> None:
    """NXobject reads FIELDNAME_errors, _set and _weights as numbers and _mask as booleans:
    a journalled text leaf named so (the demo's ``simulation.dut_errors``) is written with
    ``_text`` appended, and nxcheck has nothing to say; the exact data stays in run_json."""
    path = tmp_path / "names.journal"
    run = {"run_id": "NAMES", "procedure": "p", "started_at": 1.7e9,
           "simulation": {"dut_errors": ["DCV 10 V +3 ppm"], "bath_set": "yes",
                          "weights": "none", "mask": "off"}}
    with Journal.create(path, "NAMES") as journal:
        journal.append("run_started", run)
    record = seal(path)
    with h5py.File(record, "r") as handle:
        group = handle["entry/run"]
        assert group["simulation_dut_errors_text"][()].decode() == '["DCV 10 V +3 ppm"]'
        assert "simulation_dut_errors" not in group
        assert {"simulation_bath_set_text", "simulation_weights_text",
                "simulation_mask_text"} <= set(group)
    assert open_record(record).run["simulation"]["dut_errors"] == ["DCV 10 V +3 ppm"]
    assert nexus_report(record).clean, nexus_report(record)
