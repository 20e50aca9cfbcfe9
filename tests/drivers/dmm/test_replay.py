"""Protocol replay of the family driver on every profile: each dialect sends exactly the
commands of its manual's command forms, nothing is left over.

Command forms: 34401A User's Guide ch. 4 and the Truevolt command reference
(``CONF:VOLT:DC``, ``VOLT:DC:NPLC``, ``SAMP:COUN``, ``READ?``, ``FORM:DATA REAL,64``);
8845A/8846A Programmers Manual (the same forms); Keithley 2000 User's Manual ch. 5
(``:SENS:FUNC 'VOLT:DC'``, ``:SENS:VOLT:DC:RANG``, ``:INIT:CONT OFF``, ``:READ?``);
DMM6500 Reference Manual SCPI command set (``:SENS:FUNC "VOLT:DC"``, ``:SENS:COUN``,
``:READ? "defbuffer1"``, ``:TRAC:DATA? 1, 3, "defbuffer1", READ``).
"""

import numpy as np
import pytest
from metrolab.drivers.dmm import dmm_profile, profile_names
from metrolab.drivers.dmm.driver import ScpiDmm

from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.blocks import encode_block
from metrolab.instrument.errors import OverloadError
from metrolab.testing.replay import ReplayTransport
from metrolab.units import ureg

KEYSIGHT_ERR = ("SYST:ERR?", '+0,"No error"')
KEITHLEY_ERR = ("SYST:ERR?", '0,"No error"')


def configure_script(name: str) -> list[tuple[str, str | None]]:
    """The commands of ``configure(DCV, 10 V, 10 PLC)`` in the profile's dialect."""
    dialect = dmm_profile(name).dialect
    if dialect == "keithley-2000":
        return [(":INIT:CONT OFF", None), (":SENS:FUNC 'VOLT:DC'", None),
                (":SENS:VOLT:DC:RANG 10", None), (":SENS:VOLT:DC:NPLC 10", None),
                (":TRIG:SOUR IMM", None), (":TRIG:COUN 1", None), (":SAMP:COUN 1", None),
                KEITHLEY_ERR]
    if dialect == "keithley-dmm6500":
        return [(':SENS:FUNC "VOLT:DC"', None), (":SENS:VOLT:DC:RANG 10", None),
                (":SENS:VOLT:DC:NPLC 10", None), (":SENS:COUN 1", None), KEITHLEY_ERR]
    return [("CONF:VOLT:DC 10", None), ("VOLT:DC:NPLC 10", None), ("TRIG:SOUR IMM", None),
            ("TRIG:COUN 1", None), ("SAMP:COUN 1", None), KEYSIGHT_ERR]


def burst_script(name: str, values: list[float]) -> list[tuple[str, str | bytes | None]]:
    """The commands of ``read_many(len(values))`` after ``configure``."""
    profile = dmm_profile(name)
    text = ",".join(f"{v:+.8E}" for v in values)
    n = len(values)
    if profile.dialect == "keithley-2000":
        return [(f":SAMP:COUN {n}", None), KEITHLEY_ERR, (":READ?", text)]
    if profile.dialect == "keithley-dmm6500":
        return [(f":SENS:COUN {n}", None), KEITHLEY_ERR, (':TRAC:CLE "defbuffer1"', None),
                (':READ? "defbuffer1"', f"{values[-1]:+.8E}"),
                (f':TRAC:DATA? 1, {n}, "defbuffer1", READ', text)]
    if profile.quirks.binary_byte_order == "NORM":
        block = encode_block(np.array(values).astype(">f8").tobytes())
        return [("FORM:DATA REAL,64", None), ("FORM:BORD NORM", None), KEYSIGHT_ERR,
                (f"SAMP:COUN {n}", None), KEYSIGHT_ERR, ("READ?", block)]
    return [(f"SAMP:COUN {n}", None), KEYSIGHT_ERR, ("READ?", text)]


def read_query(name: str) -> str:
    dialect = dmm_profile(name).dialect
    return {"keithley-2000": ":READ?", "keithley-dmm6500": ':READ? "defbuffer1"'}.get(
        dialect, "READ?")


@pytest.mark.parametrize("name", profile_names())
def test_configure_read_and_read_many_in_the_models_own_command_forms(name: str) -> None:
    values = [10.0000012, 9.9999987, 10.0000003]
    script = [*configure_script(name), (read_query(name), "+1.00000012E+01"),
              *burst_script(name, values)]
    with ReplayTransport(script) as transport:
        dmm = ScpiDmm.for_profile(name)(transport)
        dmm.configure(Function.DCV, 10 * ureg.V, 10)
        assert dmm.read() == 10.0000012 * ureg.V
        readings = dmm.read_many(3)
        assert readings.units == ureg.V
        assert np.allclose(readings.magnitude, values, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", profile_names())
def test_an_overload_is_raised_in_every_dialect(name: str) -> None:
    script = [*configure_script(name), (read_query(name), "+9.90000000E+37")]
    with ReplayTransport(script) as transport:
        dmm = ScpiDmm.for_profile(name)(transport)
        dmm.configure(Function.DCV, 10 * ureg.V, 10)
        with pytest.raises(OverloadError):
            dmm.read()


def test_autorange_and_ac_in_the_keithley_forms() -> None:
    script = [(":INIT:CONT OFF", None), (":SENS:FUNC 'VOLT:AC'", None),
              (":SENS:VOLT:AC:RANG:AUTO ON", None), (":TRIG:SOUR IMM", None),
              (":TRIG:COUN 1", None), (":SAMP:COUN 1", None), KEITHLEY_ERR,
              (':SENS:FUNC "FRES"', None), (":SENS:FRES:RANG 100", None),
              (":SENS:FRES:NPLC 0.5", None), (":SENS:COUN 1", None), KEITHLEY_ERR]
    with ReplayTransport(script) as transport:
        ScpiDmm.for_profile("keithley-2000")(transport).configure(Function.ACV, None)
        dmm6500 = ScpiDmm.for_profile("keithley-dmm6500")(transport)
        dmm6500.configure(Function.RES4, 60 * ureg.ohm, 0.5)  # NPLC set anywhere


def test_trigger_fetch_in_the_keithley_2000_forms() -> None:
    script = [*configure_script("keithley-2000"), (":TRIG:SOUR BUS", None),
              (":TRIG:COUN 2", None), (":TRIG:DEL 0.5", None), KEITHLEY_ERR,
              (":INIT", None), ("*TRG", None), ("*TRG", None),
              (":FETC?", "+1.0E+01,+1.0E+01")]
    with ReplayTransport(script) as transport:
        dmm = ScpiDmm.for_profile("keithley-2000")(transport)
        dmm.configure(Function.DCV, 10 * ureg.V)
        dmm.configure_trigger("BUS", 2, delay_s=0.5)
        dmm.initiate()
        dmm.send_trigger()
        dmm.send_trigger()
        assert dmm.fetch(2).magnitude.tolist() == [10.0, 10.0]


def test_dmm6500_trigger_model_is_a_simple_loop_and_other_sources_are_refused() -> None:
    script = [(':TRIG:LOAD "SimpleLoop", 5, 0.01', None), KEITHLEY_ERR]
    with ReplayTransport(script) as transport:
        dmm = ScpiDmm.for_profile("keithley-dmm6500")(transport)
        dmm.configure_trigger("IMM", 5, delay_s=0.01)
        with pytest.raises(UserInputError, match="SimpleLoop"):
            dmm.configure_trigger("BUS", 1)


def test_settings_a_model_lacks_are_refused_before_anything_is_sent() -> None:
    with ReplayTransport([]) as transport:
        fluke = ScpiDmm.for_profile("fluke-8845a")(transport)
        with pytest.raises(UserInputError, match="beyond the highest RES4 range"):
            fluke.configure(Function.RES4, 1e9 * ureg.ohm)  # 1 GΩ is the 8846A's only
        with pytest.raises(UserInputError, match=r"NPLC 0\.5 not available; use one of"):
            fluke.configure(Function.DCV, 10 * ureg.V, 0.5)
        k2000 = ScpiDmm.for_profile("keithley-2000")(transport)
        with pytest.raises(UserInputError, match=r"NPLC 20 not available; use 0\.01 to 10"):
            k2000.configure(Function.DCV, 10 * ureg.V, 20)
        with pytest.raises(UserInputError, match=r"sample count 2000 outside 1\.\.1024"):
            k2000.set_sample_count(2000)
        with pytest.raises(UserInputError, match="trigger source 'TIM'"):
            ScpiDmm.for_profile("keysight-34461a")(transport).configure_trigger("TIM")


@pytest.mark.parametrize(("name", "nplc", "expected_uv"), [
    ("keithley-2000", 10, 10.0), ("keithley-2000", 0.05, 1000.0), ("fluke-8846a", 0.2, 100.0),
    ("keysight-34470a", 100, 0.1), ("keithley-dmm6500", 12, 10.0),
])
def test_resolution_comes_from_the_profiles_integration_table(name: str, nplc: float,
                                                               expected_uv: float) -> None:
    dmm = ScpiDmm.for_profile(name)(ReplayTransport([]))
    got = dmm.resolution(Function.DCV, 10 * ureg.V, nplc).to("uV").magnitude
    assert got == pytest.approx(expected_uv)


def test_the_34401a_and_34465a_classes_are_the_family_driver_on_their_profiles() -> None:
    from metrolab.drivers.keysight import Keysight34401A, Keysight34465A

    assert issubclass(Keysight34401A, ScpiDmm) and Keysight34401A.MODEL.name == "keysight-34401a"
    assert Keysight34465A.MODEL is dmm_profile("keysight-34465a")
    assert ScpiDmm.for_profile("fluke-8846a") is ScpiDmm.for_profile(dmm_profile("fluke-8846a"))
