"""The technician's path at the command line: dry runs, resources, listings (issue 13).

Every bad input is one line on stderr with exit code 2; listings read at 80 columns.
"""

from __future__ import annotations

import io
import re
import socket

import pytest
from rich.console import Console

from metrolab.runner.cli import procedure_listing
from metrolab.runner.discovery import discover
from metrolab.testing.cli import run_cli

DMM = "dmm-34401a-verification"
TEMPERATURE = "temperature-sensor-calibration"


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(("args", "fragment"), [
    ([TEMPERATURE, "--dut", "TCPIP0::127.0.0.1::1::SOCKET"],
     "has no role 'dut' (--dut); its roles are: thermometer, hygrometer"),
    ([DMM, "--standard", "calibrator"], "--standard 'calibrator': expected NAME=VALUE"),
    ([DMM, "--standard", "bath=ASRL/dev/ttyS0::INSTR"], "has no role 'bath'"),
    ([DMM, "--points", "NOPE-*"], "no point of dmm-34401a-verification matches NOPE-*"),
])
def test_a_dry_run_checks_the_roles_and_points_it_is_given(
        args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", *args, "--dry-run"], capsys)
    assert code == 2 and "point 1/" not in out
    assert fragment in one_line(err)


def test_dry_run_prompt_keys_are_short_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", DMM, "--dry-run"], capsys)
    assert code == 0
    keys = re.findall(r"ask operator \[([^\]]+)\]", out)
    assert {k for k in keys if k.startswith("connect-")} == {
        "connect-short", "connect-amps", "connect-volts", "connect-ohms-2-wire",
        "connect-ohms-4-wire"}
    assert max(len(k) for k in keys) <= 40


@pytest.mark.parametrize("args", [
    ["--simulate", "--dut", "TCPIP0::127.0.0.1::1::SOCKET"],
    ["--simulate", "--register", "register.toml"],
    ["--seed", "3"],
    ["--dut-error", "DCV 10V gain=+60ppm"],
])
def test_simulation_options_are_refused_where_they_do_not_apply(
        args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", DMM, *args, "--yes"], capsys)
    assert code == 2
    assert "--simulate" in one_line(err)


def test_a_bad_resource_string_is_refused_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["idn", "garbage"], capsys)
    assert code == 2
    assert "'garbage' is not a resource string" in one_line(err)


def test_a_refused_connection_is_reported_as_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = run_cli(["idn", f"TCPIP0::127.0.0.1::{port}::SOCKET"], capsys)
    assert code == 1
    line = one_line(err)
    assert "connection refused" in line and "does not answer" not in line


@pytest.mark.parametrize("name", sorted(discover()))
def test_procedures_listing_reads_at_80_columns_and_names_every_role(name: str) -> None:
    procedure = discover()[name]
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(procedure_listing(name, procedure))
    text = console.export_text()
    assert "…" not in text and all(len(line) <= 80 for line in text.splitlines())
    assert procedure.metadata.title in " ".join(text.split())
    for role in procedure.metadata.instruments:
        assert re.search(rf"^\s+{role}\s", text, re.M), role
    if "dut" not in procedure.metadata.instruments:
        assert "--item MAKER,MODEL,SERIAL" in text


def test_list_turns_pyvisa_py_warnings_into_one_note(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from metrolab.instrument import visa

    class Manager:
        def list_resources(self, query: str) -> tuple[str, ...]:
            warnings.warn("TCPIP::hislip resource discovery requires the zeroconf package to "
                          "be installed... try 'pip install zeroconf'", stacklevel=1)
            warnings.warn("TCPIP::INSTR discovery is limited; try 'pip install psutil'",
                          stacklevel=1)
            return ("ASRL/dev/ttyS0::INSTR",)

    monkeypatch.setattr(visa, "resource_manager", lambda backend: Manager())
    code, out, err = run_cli(["list"], capsys)
    assert code == 0 and out == "ASRL/dev/ttyS0::INSTR\n"
    assert err == ("note: searched without the optional psutil, zeroconf (install for HiSLIP "
                   "and all-interface discovery)\n")


@pytest.mark.parametrize(("option", "fragment"), [
    (["--received", "2026-13-01"], "--received '2026-13-01': give the date the item was "
                                   "received as YYYY-MM-DD"),
    (["--condition", " "], "--condition: describe the item's condition on receipt"),
])
def test_a_bad_date_of_receipt_or_condition_is_one_line(
        option: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", DMM, "--dry-run", *option], capsys)
    assert code == 2 and fragment in one_line(err)
