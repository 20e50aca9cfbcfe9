"""Command-line tools of the instrument layer: ``metrolab sim``, ``metrolab idn``,
``metrolab list``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from metrolab.errors import MetrolabError, UserInputError


@click.group()
def sim() -> None:
    """Serve simulated instruments over real transports (TCP on 127.0.0.1, pseudo-terminals)."""


@contextmanager
def _stop_on_signal() -> Iterator[threading.Event]:
    """Yield an event set by Ctrl-C (SIGINT) or SIGTERM; handlers are installed before the
    caller announces anything, so an early signal still ends the command cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(stop: threading.Event) -> None:
    """Block until ``stop`` is set (polling lets Python run its signal handlers)."""
    while not stop.wait(0.5):
        pass


@sim.command("serve")
@click.argument("instrument")
@click.option(
    "--port", default=0, show_default=True, help="TCP port (0 = pick a free one); TCP only."
)
@click.option("--seed", default=0, show_default=True, help="Seed of the simulator's noise.")
def serve_command(instrument: str, port: int, seed: int) -> None:
    """Serve one simulated INSTRUMENT until Ctrl-C; the first line printed is its resource.

    INSTRUMENT is one of the registered simulators, e.g. keysight-34401a.
    """
    from metrolab.clock import WallClock
    from metrolab.instrument.simulation import create_simulator, serve

    if not 0 <= port <= 65535:
        raise UserInputError(f"--port {port}: use 0 (any free port) or 1-65535")
    simulator = create_simulator(instrument, seed=seed, clock=WallClock())
    if port and simulator.SERVE_OVER == "pty":
        raise UserInputError(
            f"--port {port}: {instrument} is a serial instrument, served on a pseudo-terminal"
        )
    try:
        server = serve(simulator, port)
    except OSError as exc:
        raise MetrolabError(f"cannot serve {instrument} on port {port}: {exc.strerror}") from exc
    with _stop_on_signal() as stop, server:
        click.echo(server.resource)
        _wait(stop)


@sim.command("bench")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file describing the bench (every key of docs/bench.md).",
)
def bench_command(config_path: Path | None) -> None:
    """Serve the coupled simulated bench until Ctrl-C; print NAME RESOURCE per instrument."""
    from metrolab.clock import WallClock
    from metrolab.drivers.bench import SimulatedBench

    if config_path is None:
        bench = SimulatedBench(clock=WallClock())
    else:
        bench = SimulatedBench.from_config_file(config_path, WallClock())
    with _stop_on_signal() as stop, bench.serve() as resources:
        for name, resource in resources.items():
            click.echo(f"{name} {resource}")
        _wait(stop)


@click.command("idn")
@click.argument("resource")
@click.option("--timeout", default=5.0, show_default=True, help="Seconds to wait for a reply.")
@click.option("--backend", default=None, help="VISA library (default @py) or 'serial'.")
def idn(resource: str, timeout: float, backend: str | None) -> None:
    """Print the parsed identity (*IDN?) of the instrument at RESOURCE."""
    from metrolab.instrument.identify import identify

    identity = identify(resource, timeout_s=timeout, backend=backend)
    click.echo(f"manufacturer: {identity.manufacturer}")
    click.echo(f"model:        {identity.model}")
    click.echo(f"serial:       {identity.serial}")
    click.echo(f"firmware:     {identity.firmware}")


@click.command("list")
@click.option("--backend", default="@py", show_default=True, help="VISA library to ask.")
@click.option(
    "--query", default="?*::INSTR", show_default=True, help="VISA resource pattern to match."
)
def list_resources(backend: str, query: str) -> None:
    """List the VISA resources the VISA library finds (one per line).

    pyvisa-py also probes the local network for LXI instruments, which can take
    a while.
    """
    import re
    import warnings

    from metrolab.instrument.visa import resource_manager

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = resource_manager(backend).list_resources(query)
        except Exception as exc:  # the library's own failure types vary per backend
            raise MetrolabError(f"listing VISA resources with {backend} failed: {exc}") from exc
    # pyvisa-py warns, with a traceback-like line each, about optional packages it lacks
    missing = sorted({m for w in caught for m in re.findall(r"pip install (\w+)", str(w.message))})
    if missing:
        click.echo(f"note: searched without the optional {', '.join(missing)} (install for "
                   "HiSLIP and all-interface discovery)", err=True)
    if not found:
        click.echo("no VISA resources found", err=True)
    for resource in found:
        click.echo(resource)
