"""How much of each manual's command summary the simulators understand; the headers
other people's drivers send are all among them."""

import pytest
from metrolab.drivers.keysight.command_summary import coverage, summary_headers
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator, Keysight34465ASimulator

from metrolab.clock import VirtualClock

#: headers the third-party drivers of tests/thirdparty send to a meter that has them
THIRD_PARTY = {
    "34401a": ["CONFigure?", "FUNCtion", "FUNCtion?", "VOLTage:DC:RANGe", "VOLTage:DC:RANGe?",
               "VOLTage:DC:RANGe:AUTO", "VOLTage:DC:RESolution", "VOLTage:DC:NPLCycles",
               "FREQuency:APERture", "DETector:BANDwidth", "ZERO:AUTO", "INPut:IMPedance:AUTO",
               "ROUTe:TERMinals?", "TRIGger:DELay:AUTO", "DISPlay", "DISPlay:TEXT",
               "SYSTem:BEEPer", "SYSTem:REMote", "SYSTem:RWLock", "DATA:POINts?", "*TST?"],
    "34465a": ["VOLTage:DC:APERture", "VOLTage:DC:APERture:ENABled", "VOLTage:DC:ZERO:AUTO",
               "SAMPle:SOURce", "SAMPle:TIMer", "TRIGger:SLOPe", "DISPlay:TEXT:CLEar",
               "SYSTem:LICense:CATalog?", "*OPT?", "ABORt", "R?", "DATA:REMove?",
               "DATA:LAST?", "FORMat:DATA", "SYSTem:LFRequency?"],
}


@pytest.mark.parametrize(
    ("model", "simulator", "least"),
    [("34401a", Keysight34401ASimulator, 163), ("34465a", Keysight34465ASimulator, 509)],
)
def test_the_simulators_know_their_manuals_command_summaries(
    model: str, simulator: type, least: int
) -> None:
    found = coverage(simulator(clock=VirtualClock()), model)
    assert len(found.known) >= least, found.missing
    assert len(found.known) + len(found.missing) == len(summary_headers(model))
    for header in THIRD_PARTY[model]:
        assert header in found.known or simulator(clock=VirtualClock()).commands.lookup(
            header.upper()) is not None, header


def test_the_34401a_misses_only_the_summary_entries_whose_meaning_it_does_not_give() -> None:
    found = coverage(Keysight34401ASimulator(clock=VirtualClock()), "34401a")
    assert found.missing == ("L1", "L2", "L3")
    assert found.fraction == pytest.approx(163 / 166)


def test_summary_alternatives_and_optional_nodes_are_expanded() -> None:
    headers = summary_headers("34465a")
    assert "CONFigure:AC" in headers and "CONFigure:CURRent:DC" in headers
    assert "CONFigure:RATio" in headers
    assert not any("[" in h or "{" in h for h in headers)


def test_the_34465a_knows_every_header_of_the_truevolt_quick_reference() -> None:
    found = coverage(Keysight34465ASimulator(clock=VirtualClock()), "34465a")
    assert found.missing == ()
    assert len(found.known) == 509 and found.fraction == 1.0
