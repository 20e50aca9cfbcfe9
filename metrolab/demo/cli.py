"""The ``metrolab demo`` command."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for the register, journal, record, certificate.")
@click.option("--dut-error", "dut_errors", multiple=True, metavar="SPEC",
              help='Inject a DUT error, e.g. "DCV 10V gain=+60ppm" (repeat).')
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the simulated bench's noise.")
def demo(out_dir: Path, dut_errors: tuple[str, ...], seed: int) -> None:
    """Calibrate a simulated 34401A against a simulated 5522A, unattended, end to end."""
    from metrolab.demo.run import run_demo

    run_demo(out_dir, dut_errors, seed, Console())
