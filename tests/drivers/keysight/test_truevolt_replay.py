"""Protocol replay of the Truevolt Operating and Service Guide's examples for the command
groups beyond measuring, against the simulated 34465A in-process and over TCP (pyvisa-py
on 127.0.0.1): each command with the reply the guide shows (its form where the guide's
numbers are typical ones)."""

import re
from collections.abc import Callable

import pytest
from metrolab.drivers.keysight.simulator import Keysight34465ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource, serve_tcp
from metrolab.instrument.visa import resource_manager

pytest.importorskip("thermocouple_its90")

NR3 = r"[+-]\d\.\d{8}E[+-]\d{2}"
#: (command, expected reply: None for none, a regex for a typical reply)
Step = tuple[str, str | None]
EXAMPLES: dict[str, list[Step]] = {
    # [SENSe:]DATA2 subsystem: peak-to-peak as the secondary of DC volts
    "secondary": [
        ("CONF:VOLT:DC 10,0.001", None),
        ('VOLT:DC:SEC "PTP"', None),
        ("VOLT:DC:SEC?", '"PTP"'),
        ("READ?;DATA2?", rf"{NR3};{NR3},{NR3},{NR3}"),
        ("DATA2:CLE", None),
        ("DATA2?", r"\+9\.91000000E\+37"),
    ],
    # CALCulate:TRANsform:HISTogram subsystem: 100 bins of 1000 DCV readings
    "histogram": [
        ("CONF:VOLT:DC 10,0.001", None),
        ("SAMP:COUN 1000", None),
        ("CALC:TRAN:HIST:RANG:AUTO ON", None),
        ("CALC:TRAN:HIST:POIN 100", None),
        ("CALC:TRAN:HIST:STAT ON", None),
        ("INIT", None),
        ("*WAI", None),
        ("CALC:TRAN:HIST:ALL?", rf"{NR3},{NR3},\+1000(,\+\d+){{102}}"),
    ],
    # SAMPle:COUNt:PRETrigger: 5000 of 10 000 samples before a 0.75 V level trigger
    "pretrigger": [
        ("CONF:VOLT:AC", None),
        ("VOLT:AC:RANG 100", None),
        ("SAMP:COUN 10000", None),
        ("SAMP:COUN:PRET 5000", None),
        ("TRIG:SOUR INT", None),
        ("TRIG:LEV 0.75", None),
        ("INIT", None),
        ("SAMP:COUN:PRET?", r"\+5000"),
        ("TRIG:SOUR?", "INT"),
    ],
    # SYSTem:DATE / TIME
    "date": [
        ("SYST:DATE 2014,7,15", None),
        ("SYST:DATE?", r"\+2014,\+7,\+15"),
        ("SYST:TIME 20,15,30.5", None),
        ("SYST:TIME?", r"\+20,\+15,\+30\.500"),
    ],
    # MMEMory: a folder, a state file in it and the catalog of the folder
    "mmemory": [
        ('MMEM:CDIR "INT:\\"', None),
        ('MMEM:MDIR "INT:\\MyFolder"', None),
        ('MMEM:STOR:STAT "INT:\\MyFolder\\MyState"', None),
        ('MMEM:CAT? "INT:\\MyFolder"', r'\+\d+,\+\d+,"MyState\.sta,STAT,\d+"'),
        ('MMEM:STAT:VAL? "INT:\\MyFolder\\MyState.sta"', "1"),
        ('MMEM:LOAD:STAT "INT:\\MyFolder\\MyState.sta"', None),
    ],
    # LXI, SYSTem:LOCK, HCOPy format, license catalog, thermocouple configuration
    "system": [
        ("LXI:IDEN ON", None),
        ("LXI:IDEN?", "1"),
        ("SYST:LOCK:REQ?", "1"),
        ("SYST:LOCK:OWN?", "LAN"),
        ("SYST:LOCK:REL", None),
        ("HCOP:SDUM:DATA:FORM BMP", None),
        ("HCOP:SDUM:DATA:FORM?", "BMP"),
        ("SYST:LIC:CAT?", '"DIG","MEM"'),
        ("CONF:TEMP TC,K", None),
        ("CONF?", r'"TEMP TC,K,[+-]\d\.\d{6}E[+-]\d{2}"'),
        ("TEMP:TRAN:TC:RJUN:TYPE?", "INT"),
    ],
}


def replay(ask: Callable[[str], str | None], steps: list[Step]) -> None:
    for command, expected in steps:
        reply = ask(command)
        if expected is None:
            assert reply is None, command
        else:
            assert reply is not None and re.fullmatch(expected, reply), (command, reply)


def simulator() -> Keysight34465ASimulator:
    source = ManualSource()
    source.apply(Function.DCV, 5.0)
    return Keysight34465ASimulator(seed=1, clock=VirtualClock(), source=source,
                                   options=("DIG", "MEM"))


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_guide_examples_in_process(example: str) -> None:
    sim = simulator()

    def ask(command: str) -> str | None:
        reply = sim.handle(command)
        assert sim.pop_error() == (0, "No error"), command
        assert not isinstance(reply, bytes)
        return reply

    replay(ask, EXAMPLES[example])


def test_guide_examples_over_tcp() -> None:
    sim = simulator()
    with serve_tcp(sim) as server:
        resource = resource_manager("@py").open_resource(
            server.resource, read_termination="\n", write_termination="\n", timeout=5000)
        try:
            def ask(command: str) -> str | None:
                if "?" in command:
                    return str(resource.query(command))
                resource.write(command)
                assert resource.query("SYST:ERR?").startswith("+0"), command
                return None

            for example in sorted(EXAMPLES):
                replay(ask, EXAMPLES[example])
        finally:
            resource.close()
