"""Who the item is: the nameplate serial and asset number, not only what *IDN? says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from metrolab.runner.discovery import find_procedure
from metrolab.runner.errors import RegisterError, UserInputError
from metrolab.runner.instruments import OpenInstrument
from metrolab.runner.item import item_identity
from metrolab.runner.operator import Operator
from metrolab.runner.register import Register

DMM = find_procedure("dmm-34401a-verification")
SENSOR = find_procedure("temperature-sensor-calibration")
IDN = {"manufacturer": "HEWLETT-PACKARD", "model": "34401A", "serial": "0",
       "firmware": "11-5-2"}
REGISTER = '''
[[standard]]
id = "CAL-1"
role = "calibrator"
manufacturer = "FLUKE"
model = "5522A"
serial = "1972905"
certificate_id = "C-1"
calibration_date = 2026-01-01
due_date = 2027-01-01

[[item]]
manufacturer = "HEWLETT-PACKARD"
model = "34401A"
idn_serial = "0"
serial = "US36012345"
asset = "DMM-0042"
'''


def dut() -> dict[str, OpenInstrument]:
    return {"dut": OpenInstrument("dut", "dut", object(), "TCPIP0::h::5025::SOCKET", dict(IDN))}


def register(tmp_path: Path, text: str = REGISTER) -> Register:
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    return Register.load(path)


def unattended() -> Operator:
    return Operator(yes=True, interactive=False)


def test_the_register_gives_the_nameplate_serial_and_asset(tmp_path: Path) -> None:
    item = item_identity(DMM, {}, dut(), register(tmp_path), unattended())
    assert (item["serial"], item["asset"], item["idn_serial"], item["serial_source"]) == (
        "US36012345", "DMM-0042", "0", "register")


def test_item_option_wins_over_the_register(tmp_path: Path) -> None:
    item = item_identity(DMM, {"serial": "MY123", "asset": "A-7"}, dut(), register(tmp_path),
                         unattended())
    assert (item["serial"], item["asset"], item["serial_source"]) == ("MY123", "A-7", "--item")


def test_the_operator_is_asked_when_nothing_says_it(tmp_path: Path) -> None:
    asked: list[str] = []

    def answer(question: str, default: str) -> str:
        asked.append(question)
        return "US99" if "Serial" in question else "ASSET-1"

    operator = Operator(interactive=True, ask_text=answer)
    item = item_identity(DMM, {}, dut(), None, operator)
    assert (item["serial"], item["asset"], item["serial_source"]) == ("US99", "ASSET-1",
                                                                      "operator")
    assert "*IDN? says '0'" in asked[0]


def test_an_unattended_run_keeps_the_idn_serial_and_says_so() -> None:
    item = item_identity(DMM, {}, dut(), None, unattended())
    assert (item["serial"], item["serial_source"]) == ("0", "*IDN?")


def test_item_naming_another_model_than_the_dut_is_refused() -> None:
    with pytest.raises(UserInputError, match=r"names a 34465A.*answers \*IDN\? as a 34401A"):
        item_identity(DMM, {"model": "34465A", "serial": "X"}, dut(), None, unattended())


def test_a_sensor_needs_its_identity_from_somewhere() -> None:
    with pytest.raises(UserInputError, match="give --item MANUFACTURER,MODEL,SERIAL"):
        item_identity(SENSOR, {}, {}, None, unattended())
    given: dict[str, Any] = {"manufacturer": "ACME", "model": "Pt100", "serial": "S-9"}
    assert item_identity(SENSOR, given, {}, None, unattended())["serial"] == "S-9"


def test_a_malformed_item_entry_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"\[\[item\]\] #1: unknown key 'colour'"):
        register(tmp_path, REGISTER + 'colour = "grey"\n')


def test_the_answers_file_may_give_the_item() -> None:
    from metrolab.runner.errors import AnswersFileError
    from metrolab.runner.operator import Answers

    answers = Answers.from_mapping({"item": {"serial": "US1", "asset": "A-1"}})
    assert answers.item == {"serial": "US1", "asset": "A-1"}
    with pytest.raises(AnswersFileError, match=r"\[item\] may hold only text"):
        Answers.from_mapping({"item": {"colour": "grey"}})


def test_the_date_of_receipt_and_condition_go_into_the_item(tmp_path: Path) -> None:
    given = {"received": "2026-02-27", "condition": "scratched front panel"}
    item = item_identity(DMM, given, dut(), register(tmp_path), unattended())
    assert (item["received"], item["condition"]) == ("2026-02-27", "scratched front panel")
    sensor = item_identity(find_procedure("temperature-sensor-calibration"),
                           {"manufacturer": "ACME", "model": "Pt100", "serial": "S-9", **given},
                           {}, None, unattended())
    assert (sensor["received"], sensor["condition"]) == ("2026-02-27", "scratched front panel")


def test_a_registered_hygrometer_gets_traceability_and_an_unregistered_one_none(
        tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from metrolab.runner.traceability import traceability

    hygrometer = {"manufacturer": "VAISALA", "model": "HMT330", "serial": "J1234567"}
    listed = REGISTER + '''
[[standard]]
id = "HYG-1"
role = "hygrometer"
manufacturer = "VAISALA"
model = "HMT330"
serial = "J1234567"
certificate_id = "H-1"
calibration_date = 2026-01-01
due_date = 2027-01-01
'''
    instruments = {"hygrometer": OpenInstrument("hygrometer", "environment", object(),
                                                "ASRL/dev/pts/3::INSTR", hygrometer)}
    on = datetime(2026, 3, 1, tzinfo=UTC)
    blocks = traceability(instruments, register(tmp_path, listed), on, {})
    assert blocks["hygrometer"]["certificate_id"] == "H-1"
    assert traceability(instruments, register(tmp_path), on, {}) == {}
