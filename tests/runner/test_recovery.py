"""Recovery after an instrument fault, shared by the calibration runner and the
acquisition engine: the lost instrument is reopened by role (every one when the fault
names none of them), failures are journalled and do not stop the others."""

from __future__ import annotations

from typing import Any

from metrolab.instrument.errors import InstrumentError, InstrumentTimeout
from metrolab.runner.recovery import clear_transports, reopen_lost


class _Transport:
    def __init__(self, fails: bool) -> None:
        self.fails, self.cleared = fails, 0

    def clear(self) -> None:
        self.cleared += 1
        if self.fails:
            raise InstrumentError("bus hung", instrument="dmm")


class _Driver:
    def __init__(self, name: str, *, clear_fails: bool = False) -> None:
        self.name, self.transport = name, _Transport(clear_fails)


def _journal() -> tuple[list[tuple[str, str, dict[str, Any]]], Any]:
    events: list[tuple[str, str, dict[str, Any]]] = []
    return events, lambda kind, message, data: events.append((kind, message, data))


def test_only_the_named_instrument_is_reopened() -> None:
    instruments: dict[str, Any] = {"dut": _Driver("34401A"), "calibrator": _Driver("5522A")}
    events, event = _journal()
    fresh = _Driver("5522A")
    assert reopen_lost(instruments, lambda role: fresh,
                       InstrumentTimeout("no reply", instrument="5522A"), event)
    assert instruments["calibrator"] is fresh and instruments["dut"].name == "34401A"
    assert events == [("note", "calibrator: connection reopened after it was lost",
                       {"role": "calibrator"})]


def test_an_unnamed_fault_reopens_all_and_a_failure_is_journalled_not_raised() -> None:
    old = {"dut": _Driver("34401A"), "calibrator": _Driver("5522A")}
    instruments: dict[str, Any] = dict(old)
    events, event = _journal()

    def reconnect(role: str) -> Any:
        if role == "dut":
            raise InstrumentError("refused", instrument="34401A")
        return _Driver("5522A")

    assert reopen_lost(instruments, reconnect, InstrumentError("gone", instrument="?"), event)
    assert instruments["dut"] is old["dut"] and instruments["calibrator"] is not old["calibrator"]
    assert [(kind, data) for kind, _, data in events] == [
        ("fault", {"role": "dut", "error": "InstrumentError"}),
        ("note", {"role": "calibrator"})]
    # nothing reopened at all: False
    events.clear()
    assert not reopen_lost({"dut": _Driver("x")}, reconnect, InstrumentError("gone"), event)


def test_every_transport_is_cleared_even_after_one_fails() -> None:
    instruments = {"dut": _Driver("34401A", clear_fails=True), "calibrator": _Driver("5522A"),
                   "monitor": object()}
    events, event = _journal()
    clear_transports(instruments, event)
    assert [d.transport.cleared for d in (instruments["dut"], instruments["calibrator"])] == [1, 1]
    assert events == [("fault", "dut: clearing the transport failed: dmm: bus hung",
                       {"role": "dut", "error": "InstrumentError"})]
