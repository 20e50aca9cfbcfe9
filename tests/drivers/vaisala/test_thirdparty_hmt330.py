"""Other people's HMT330 / PTU300 code, replayed against the simulated transmitter on a pty.

Each test sends the command sequence a public driver sends at connect and poll, framed
the way that driver frames it (its line ends, what it reads after each command), and
checks what that driver checks. The drivers themselves are not installable here (py2-era
or a large framework), so their sequences are replayed with pyserial.
"""

from collections.abc import Iterator

import pytest
import serial
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import LabEnvironment, serve_pty


@pytest.fixture
def port() -> Iterator[serial.SerialBase]:
    clock = VirtualClock(start=0.0)
    environment = LabEnvironment(seed=4, clock=clock)
    environment.set_temperature(22.0)
    environment.set_humidity(45.0)
    # the set-up both drivers ask for on the transmitter's display: echo off, STOP mode
    sim = VaisalaHMT330Simulator(seed=4, clock=clock, environment=environment, echo=False)
    with serve_pty(sim) as server, serial.serial_for_url(server.device, timeout=2.0) as link:
        yield link


def readline(link: serial.SerialBase, eol: bytes) -> str:
    """Read up to ``eol`` as the driver does; return the stripped text."""
    data = link.read_until(eol)
    assert data.endswith(eol), f"no {eol!r} after {data!r}"
    return data.decode("ascii").strip()


def test_esrf_bliss_hmt330_connect_and_measure(port: serial.SerialBase) -> None:
    """ESRF BLISS ``bliss/controllers/vaisala.py`` (class HMT330; marc2332/bliss copy):
    every command is sent with CR LF and its answer read up to CR. At construction it
    sends ``ECHO OFF`` (reads a line), ``SMODE STOP`` (asserts STOP in the next line),
    ``S`` (reads nothing), ``FTIME OFF``, ``FDATE OFF``, ``UNIT M`` (each reads a line) and
    its ``FORM`` (the answer must be OK). ``measure()`` sends ``SEND``, splits the line at
    tabs and each field at its first space into a name and a float."""

    def command(*words: str, reply: bool = True) -> str | None:
        port.write((" ".join(words) + "\r\n").encode("ascii"))
        return readline(port, b"\r") if reply else None

    assert "OFF" in (command("ECHO", "OFF") or "")
    command("SMODE", "STOP", reply=False)
    assert "STOP" in readline(port, b"\r")
    command("S", reply=False)
    for words in (("FTIME", "OFF"), ("FDATE", "OFF"), ("UNIT", "M")):
        assert command(*words)
    assert command("FORM", '"RH=" 3.4 RH #t "T=" 3.4 T #r') == "OK"
    for _ in range(3):
        line = command("SEND") or ""
        result = {}
        for field in line.split("\t"):
            name, value = field.split(" ", 1)
            result[name.replace("=", "").strip().upper()] = float(value)
        assert set(result) == {"RH", "T"}
        assert result["RH"] == pytest.approx(45.0, abs=1.0)
        assert result["T"] == pytest.approx(22.0, abs=0.2)
    assert command("VERS") == "HMT330 / 5.16"
    assert command("ERRS") == "No errors"
    assert command("?") == "HMT330 / 5.16"  # the first line of the settings


def test_msl_equipment_ptu300_units_format_and_reading(port: serial.SerialBase) -> None:
    """MSLNZ msl-equipment ``msl/equipment/resources/vaisala/ptu300.py`` (same command set
    as the HMT330): termination CR LF, answers right-stripped. ``stop_run_mode`` sends
    ``S``; ``set_units`` asks ``UNIT`` and requires ``Output units   : metric``, then sends
    ``UNIT M`` and requires the same; ``set_format`` sends ``FORM f``, accepts ``OK`` and
    checks ``FORM ?`` (``#`` shown as ``\\``) against f; ``get_reading_str`` is ``SEND``;
    ``check_for_errors`` sends ``ERRS`` and wants ``No errors``. (Its ``device_info``
    parses the PTU300's own ``?`` layout and is not part of this replay.)"""

    def query(text: str) -> str:
        port.write(text.encode("ascii") + b"\r\n")
        return readline(port, b"\r\n")

    port.write(b"S\r\n")
    assert query("UNIT") == "Output units   : metric"
    assert query("UNIT M") == "Output units   : metric"
    form = '3.3 T " " 3.3 RH " " SN " " #r #n'
    assert query(f"FORM {form}") == "OK"
    # msl-equipment strips the label as a set of characters, as done here
    shown = query("FORM ?").strip("Output format  :").replace("\\", "#")  # noqa: B005
    assert shown.lower() == form.lower()
    temperature, humidity, serial_number = query("SEND").split()
    assert float(temperature) == pytest.approx(22.0, abs=0.2)
    assert float(humidity) == pytest.approx(45.0, abs=1.0)
    assert serial_number == "J1234567"
    assert query("ERRS") == "No errors"


def test_rs485_poll_sequence(port: serial.SerialBase) -> None:
    """The POLL-mode exchange a bus master sends (AlaminBantan/Rpi-modbus
    ``Sensors/HMP_ascci.py`` for a Vaisala transmitter at address 34: ``open 34``,
    ``send``, read a line, ``close``), after the transmitter is given address 34 and
    POLL mode."""

    def query(text: str) -> str:
        port.write(text.encode("ascii") + b"\r\n")
        return readline(port, b"\r\n")

    assert query("ADDR 34") == "Address        : 34"
    assert query("SMODE POLL") == "Serial mode    : POLL"
    assert query("open 34") == "HMT330: 34 line opened for operator commands"
    assert query("send").startswith("RH=")
    assert query("close") == "line closed"
    assert query("send 34").startswith("RH=")  # the address form works while polled
    port.write(b"send\r\n")  # an unaddressed request is not answered
    port.timeout = 0.3
    assert port.read(1) == b""
