"""The simulated Keithley meters do what their manuals say, quirks included: the 2000's
continuous initiation and TRACe buffer, the DMM6500's named buffers, last-reading READ?,
SimpleLoop trigger model, #0 REAL blocks and command-language switch."""

import numpy as np
import pytest
from metrolab.drivers.dmm.factories import create
from metrolab.drivers.dmm.simulator import DmmSimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource


def meter(name: str, volts: float = 5.0) -> tuple[DmmSimulator, ManualSource]:
    sim = create(name, seed=2, clock=VirtualClock())
    source = ManualSource()
    source.apply(Function.DCV, volts)
    sim.source = source
    return sim, source


def ask(sim: DmmSimulator, message: str) -> str:
    reply = sim.handle(message)
    assert isinstance(reply, str), (message, reply)
    return reply


def errors(sim: DmmSimulator) -> list[str]:
    found = []
    while (reply := ask(sim, "SYST:ERR?")) != '0,"No error"':
        found.append(reply)
    return found


def test_the_2000_refuses_read_while_continuous_initiation_is_on_after_power_on() -> None:
    sim, _ = meter("keithley-2000")
    assert ask(sim, ":INIT:CONT?") == "1"
    assert sim.handle(":READ?") is None
    assert errors(sim) == ['-213,"Init ignored"']
    sim.handle("*RST")
    assert ask(sim, ":INIT:CONT?") == "0"
    assert float(ask(sim, ":READ?")) == pytest.approx(5.0, abs=2e-4)
    sim.handle(":SYST:PRES")
    assert ask(sim, ":INIT:CONT?") == "1"
    # CONFigure is a one-shot set-up: continuous initiation off
    assert float(ask(sim, ":MEAS:VOLT:DC?")) == pytest.approx(5.0, abs=2e-4)
    assert errors(sim) == []


def test_the_2000_functions_are_strings_and_settings_live_under_each_function() -> None:
    sim, source = meter("keithley-2000")
    sim.handle("*RST")
    sim.handle(":SENS:FUNC 'VOLT:AC'")
    assert ask(sim, "FUNC?") == '"VOLT:AC"'
    sim.handle(":SENS:FUNC VOLT")
    sim.handle("SENS:FUNC 'TEMP'")
    assert errors(sim) == ['-104,"Data type error"', '-224,"Illegal parameter value"']
    sim.handle(':FUNC "VOLT"')  # [:DC] is optional, double quotes as good as single
    sim.handle(":SENS:VOLT:DC:NPLC 5")
    assert float(ask(sim, "VOLT:NPLC?")) == 5.0  # set anywhere in 0.01 .. 10
    sim.handle(":SENS:VOLT:DC:NPLC 11")
    assert errors(sim) == ['-222,"Data out of range"']
    sim.handle(":SENS:VOLT:DC:RANG 3")
    assert float(ask(sim, ":SENS:VOLT:DC:RANG?")) == 10.0
    sim.handle(":SENS:VOLT:REF 1; REF:STAT ON")
    assert float(ask(sim, ":READ?")) == pytest.approx(4.0, abs=2e-4)
    sim.handle(":SENS:VOLT:REF:STAT OFF")
    source.apply(Function.DCV, 12.5)  # beyond 120 % of 10 V
    assert float(ask(sim, ":READ?")) == 9.9e37
    assert errors(sim) == []


def test_the_2000_averaging_filter_narrows_the_spread() -> None:
    sim, _ = meter("keithley-2000")
    sim.handle("*RST;:SENS:VOLT:DC:RANG 10;:SENS:VOLT:DC:NPLC 0.01;:SAMP:COUN 200")
    raw = np.array(ask(sim, ":READ?").split(","), dtype=float)
    sim.handle(":SENS:VOLT:AVER:COUN 25;:SENS:VOLT:AVER:STAT ON")
    filtered = np.array(ask(sim, ":READ?").split(","), dtype=float)
    assert raw.size == filtered.size == 200
    assert filtered.std() < raw.std() / 3  # 25 conversions: a fifth of the noise


def test_the_2000_trace_buffer_fills_from_the_next_readings_and_signals_full() -> None:
    sim, _ = meter("keithley-2000")
    for message in ("*RST", ":STAT:PRES;*CLS;*SRE 1;:STAT:MEAS:ENAB 512;", ":TRAC:CLEAR;",
                    ":TRAC:POIN 5", ":TRIG:COUN 5", ":TRAC:FEED SENSE;:TRAC:FEED:CONT NEXT;"):
        sim.handle(message)
    assert int(ask(sim, "*STB?")) & 65 == 0
    sim.handle(":INIT")
    assert int(ask(sim, "*STB?")) & 65 == 65  # measurement summary and MSS
    values = np.array(ask(sim, ":TRAC:DATA?").split(","), dtype=float)
    assert values.shape == (5,) and np.allclose(values, 5.0, atol=2e-4)
    assert ask(sim, ":TRAC:FEED:CONT?") == "NEV"
    assert ask(sim, ":STAT:MEAS?") == "512" and ask(sim, ":STAT:MEAS?") == "0"
    assert errors(sim) == []


def test_the_2000_bus_trigger_and_fresh_data() -> None:
    sim, _ = meter("keithley-2000")
    sim.handle("*RST;:TRIG:SOUR BUS;:TRIG:COUN 2")
    assert sim.handle(":READ?") is None  # a BUS-triggered READ? deadlocks
    sim.handle(":INIT")
    sim.handle("*TRG")
    assert float(ask(sim, ":SENS:DATA:FRES?")) == pytest.approx(5.0, abs=2e-4)
    assert sim.handle(":SENS:DATA:FRES?") is None  # nothing new since
    sim.handle("*TRG")
    sim.handle("*TRG")  # nothing armed any more
    assert errors(sim) == ['-214,"Trigger deadlock"', '-230,"Data corrupt or stale"',
                           '-211,"Trigger ignored"']


def test_the_dmm6500_speaks_scpi_only_and_tsp_is_an_undefined_header() -> None:
    sim, _ = meter("keithley-dmm6500")
    assert ask(sim, "*LANG?") == "SCPI"
    sim.handle("*LANG TSP")  # takes effect at the next power-on
    assert ask(sim, "*LANG?") == "SCPI"
    sim.handle("reset()")
    assert errors(sim) == ['-113,"Undefined header"']


def test_the_dmm6500_read_answers_the_last_reading_and_the_buffer_holds_them_all() -> None:
    sim, _ = meter("keithley-dmm6500")
    sim.handle(':SENS:FUNC "VOLT:DC";:SENS:VOLT:RANG 10;:SENS:COUN 5')
    last = ask(sim, ':READ? "defbuffer1"')
    assert "," not in last
    assert ask(sim, ':TRAC:ACT? "defbuffer1"') == "5"
    stored = ask(sim, ':TRAC:DATA? 1, 5, "defbuffer1", READ').split(",")
    assert len(stored) == 5 and stored[-1] == last
    sim.handle(':TRAC:DATA? 1, 6, "defbuffer1"')  # only five are held
    sim.handle('TRAC:MAKE "mine", 100')
    ask(sim, 'READ? "mine"')
    assert ask(sim, 'TRAC:ACT? "mine"') == "5"
    sim.handle('TRAC:DEL "defbuffer1"')  # a default buffer cannot be deleted
    sim.handle('READ? "nobuf"')
    assert [e.split(",")[0] for e in errors(sim)] == ["-222", "-224", "-224"]


def test_the_dmm6500_simple_loop_and_real_blocks() -> None:
    sim, _ = meter("keithley-dmm6500", volts=2.0)
    sim.handle(':TRAC:CLE;:TRIG:LOAD "SimpleLoop", 3, 0.01')
    start = sim.clock.now()
    sim.handle(":INIT")
    assert sim.clock.now() - start >= 0.03
    assert ask(sim, ":TRAC:ACT?") == "3"
    sim.handle("FORM:DATA REAL")
    block = sim.handle(':READ?')
    assert isinstance(block, bytes) and block.startswith(b"#0")  # indefinite length
    assert np.frombuffer(block[2:], "<f8")[0] == pytest.approx(2.0, abs=1e-4)  # SWAPped
    sim.handle("FORM:BORD NORM")
    block = sim.handle(':READ?')
    assert isinstance(block, bytes)
    assert np.frombuffer(block[2:], ">f8")[0] == pytest.approx(2.0, abs=1e-4)
    assert errors(sim) == []


def test_the_dmm7510_is_the_same_command_set_with_its_own_identity() -> None:
    sim, _ = meter("keithley-dmm7510")
    assert ask(sim, "*IDN?").startswith("KEITHLEY INSTRUMENTS,MODEL DMM7510,")
    assert ask(sim, "*LANG?") == "SCPI"
