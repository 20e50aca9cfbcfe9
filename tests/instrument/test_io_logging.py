"""I/O logging: every write and read at DEBUG on ``metrolab.io.<resource>``, and
``metrolab --log-io FILE`` writing them to a file."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.instrument import SCPIInstrument
from metrolab.instrument.simulation import serve_tcp
from metrolab.instrument.transport import IO_LOGGER

from .helpers import toy


@pytest.fixture
def io_logger_restored() -> Iterator[logging.Logger]:
    """Yield the ``metrolab.io`` logger; remove what a test added to it afterwards."""
    logger = logging.getLogger(IO_LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
            logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_write_and_read_is_logged_on_the_resource_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        serve_tcp(toy()) as server,
        SCPIInstrument.open(server.resource) as driver,
        caplog.at_level(logging.DEBUG, logger=IO_LOGGER),
    ):
        driver.write("VOLT 2.5")
        assert driver.query("VOLT?") == "+2.50000000E+00"
    records = [(r.name, r.getMessage()) for r in caplog.records]
    name = f"{IO_LOGGER}.{server.resource}"
    assert records == [
        (name, "write 'VOLT 2.5'"),
        (name, "write 'VOLT?'"),
        (name, "read '+2.50000000E+00'"),
    ]


def test_nothing_is_logged_when_debug_is_off(caplog: pytest.LogCaptureFixture) -> None:
    with (
        serve_tcp(toy()) as server,
        SCPIInstrument.open(server.resource) as driver,
        caplog.at_level(logging.INFO, logger=IO_LOGGER),
    ):
        driver.query("*IDN?")
    assert caplog.records == []


def test_log_io_option_writes_the_exchange_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], io_logger_restored: logging.Logger
) -> None:
    log = tmp_path / "io.log"
    with serve_tcp(toy()) as server:
        main(["--log-io", str(log), "idn", server.resource])
    assert "manufacturer: ACME" in capsys.readouterr().out
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"{IO_LOGGER}.{server.resource} write '*IDN?'")
    assert lines[1].endswith(f"{IO_LOGGER}.{server.resource} read 'ACME,TOY,123,1.0'")


def test_log_io_into_a_directory_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], io_logger_restored: logging.Logger
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--log-io", str(tmp_path), "idn", "TCPIP0::127.0.0.1::1::SOCKET"])
    assert done.value.code == 2
    assert "--log-io" in capsys.readouterr().err
