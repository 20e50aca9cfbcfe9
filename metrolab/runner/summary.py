"""The end-of-run summary: one table row per measured point, and where the files are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from metrolab.runner.lifecycle import RunResult
from metrolab.units import Quantity

#: units shown with an SI prefix (offset units like °C are not)
_PREFIXABLE = {"V", "A", "Ω", "ohm", "K", "Hz"}
_STYLE = {"pass": "green", "conditional_pass": "yellow", "conditional_fail": "yellow",
          "fail": "bold red"}


def point_results(journal: Path) -> list[dict[str, Any]]:
    """Return the data of the last ``point_result`` of every (point, phase), in run order."""
    from metrolab.store import read_journal

    results: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in read_journal(journal):
        if entry.kind == "point_result":
            results[(entry.data["point_id"], entry.data["phase"])] = entry.data
    return list(results.values())


def _number(value: float | None, unit: str) -> str:
    """Return ``value`` with an SI prefix that suits it (``-860 Ω``, ``600 µV``)."""
    if value is None:
        return ""
    quantity = Quantity(value, unit)
    if value == 0 or unit not in _PREFIXABLE:
        return f"{value:.3g} {unit}"
    return f"{quantity.to_compact():.3g~P}"


def results_table(results: Sequence[Mapping[str, Any]], title: str) -> Table:
    """Return a rich table: point, (phase), nominal, error, limit, U, TUR, decision."""
    phases = len({r["phase"] for r in results}) > 1
    table = Table(title=title)
    table.add_column("point", no_wrap=True)
    if phases:
        table.add_column("phase", no_wrap=True)
    for column in ("nominal", "error", "±limit", "U95", "TUR", "result"):
        table.add_column(column, justify="right", no_wrap=True)
    for result in results:
        error = result["error"]
        decision = result.get("decision") or {}
        tolerance = result["tolerance"]
        tur = decision.get("tur")
        statement = str(decision.get("statement", ""))
        expanded = decision.get("U")
        row = [result["point_id"]] + ([result["phase"].replace("as_", "")] if phases else [])
        table.add_row(
            *row,
            _number(result["nominal"]["value"], result["nominal"]["unit"]),
            _number(error["value"], error["unit"]),
            _number(tolerance["upper"], tolerance["unit"]),
            _number(expanded if isinstance(expanded, int | float) else None, error["unit"]),
            "" if not isinstance(tur, int | float) else f"{tur:.1f}",
            f"[{_STYLE.get(statement, 'white')}]{statement}[/]",
        )
    return table


def print_result(result: RunResult, console: Console, extra: Mapping[str, Path] | None = None
                 ) -> None:
    """Print the summary table of ``result`` and the paths of its files."""
    results = point_results(result.journal)
    console.print(results_table(results, f"{result.run_id}: {result.status.status}"))
    failed = [r["point_id"] for r in results if (r.get("decision") or {}).get("statement")
              in ("fail", "conditional_fail")]
    verdict = f"{len(failed)} of {len(results)} points failed: {', '.join(failed)}" if failed \
        else f"all {len(results)} points passed"
    console.print(verdict)
    caveats = sorted({str(c) for r in results for c in r.get("caveats") or ()})
    if caveats:
        console.print(
            f"[yellow]{len(caveats)} specification table(s) used here are not verified "
            "against the manufacturer's published data (the certificate says so):[/]"
        )
        for caveat in caveats:
            console.print(f"  - {caveat}", soft_wrap=True, markup=False)
    console.print(f"journal: {result.journal}")
    console.print(f"record:  {result.record}")
    for name, path in (extra or {}).items():
        console.print(f"{name}: {path}")
