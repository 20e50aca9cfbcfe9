"""The ``metrolab demo`` command."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from metrolab.runner.errors import RunAborted

#: the procedure of ``--dut``/``--calibrator`` when ``--procedure`` is not given
PROFILES_PROCEDURE = "dmm-verification"


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for the register, journal, record, certificate.")
@click.option("--procedure", default=None,
              help="Installed procedure, or a TOML procedure file, to run "
                    "(`metrolab procedures` lists them); default "
                   "dmm-34401a-verification, or dmm-verification with --dut/--calibrator.")
@click.option("--dut", "dut_profile", metavar="PROFILE",
              help="Simulated DMM profile in the DUT's place, e.g. keithley-dmm6500.")
@click.option("--calibrator", "calibrator_profile", metavar="PROFILE",
              help="Simulated calibrator profile, e.g. fluke-5520a (default fluke-5522a).")
@click.option("--dut-error", "dut_errors", multiple=True, metavar="SPEC",
              help='Inject a DUT error, e.g. "DCV 10V gain=+60ppm" (repeat).')
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the simulated bench's noise.")
@click.option("--impact", is_flag=True,
              help="Instead: a simulated fleet, a standard found out of tolerance, and "
                   "the impact on every record that used it (docs/lab.md).")
@click.option("--specs", "specs_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="The lab's own specification tables (repeat; first wins).")
def demo(out_dir: Path, procedure: str | None, dut_profile: str | None,
         calibrator_profile: str | None, dut_errors: tuple[str, ...], seed: int,
         impact: bool, specs_dirs: tuple[Path, ...]) -> None:
    """Run PROCEDURE on simulated instruments, unattended, record to certificate."""
    if impact:
        from metrolab.lab.demo import run_impact_demo

        run_impact_demo(out_dir / "impact-demo" if out_dir == Path("demo-output") else out_dir,
                        seed=seed, console=Console())
        return
    from metrolab.demo.run import PROCEDURE, DemoOptions, checked_profiles, run_demo
    from metrolab.runner.lab import lab_folders

    dut, calibrator = checked_profiles(dut_profile, calibrator_profile)
    chosen = procedure or (PROFILES_PROCEDURE if dut or calibrator else PROCEDURE)
    specs = lab_folders(None, specs_dirs).specs
    options = DemoOptions(chosen, seed, dut_errors, specs_dirs=specs, dut_profile=dut,
                          calibrator_profile=calibrator)
    result = run_demo(out_dir, options, Console()).run
    if result.status.status != "completed":
        raise RunAborted(f"the demo run did not complete ({result.status.reason}); its record "
                         f"is sealed as aborted and no certificate was issued: {result.record}")
