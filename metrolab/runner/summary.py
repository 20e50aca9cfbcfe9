"""The end-of-run summary: one table row per measured point, and where the files are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def engineering(value: float | None, unit: str, resolution: float = 0.0) -> str:
    """Return ``value`` (in ``unit``) with the SI prefix that suits it (``-860 Ω``, ``600 µV``).

    Three significant digits. A value smaller than half of ``resolution`` (same unit:
    what the row can tell apart, a hundredth of its U say) is printed as ``0``, so
    rounding noise never shows as ``-212 yV``. None prints as an empty cell.
    """
    if value is None:
        return ""
    if value == 0 or abs(value) < resolution / 2:
        return f"0 {unit}"
    if unit not in _PREFIXABLE:
        return f"{value:.3g} {unit}"
    return f"{Quantity(value, unit).to_compact():.3g~P}"


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
        expanded = decision.get("U") if isinstance(decision.get("U"), int | float) else None
        resolution = abs(expanded or tolerance["upper"] or 0.0) / 100
        row = [result["point_id"]] + ([result["phase"].replace("as_", "")] if phases else [])
        table.add_row(
            *row,
            engineering(result["nominal"]["value"], result["nominal"]["unit"]),
            engineering(error["value"], error["unit"], resolution),
            engineering(tolerance["upper"], tolerance["unit"]),
            engineering(expanded, error["unit"]),
            "" if not isinstance(tur, int | float) else f"{tur:.1f}",
            f"[{_STYLE.get(statement, 'white')}]{statement}[/]",
        )
    return table


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What a run did with its points: planned, measured, failed, not measured."""

    planned: int
    measured: int
    passed: int
    failed: tuple[str, ...]

    @property
    def not_measured(self) -> int:
        """Return how many planned points have no result."""
        return max(self.planned - self.measured, 0)

    def text(self) -> str:
        """Return one line: ``36 points planned: 30 measured (29 passed, 1 failed: X), 6 not
        measured``."""
        failed = f"{len(self.failed)} failed" + (f": {', '.join(self.failed)}"
                                                 if self.failed else "")
        others = self.measured - self.passed - len(self.failed)
        conditional = f", {others} conditional pass" if others else ""
        return (f"{self.planned} points planned: {self.measured} measured ({self.passed} "
                f"passed{conditional}, {failed}), {self.not_measured} not measured")


def run_counts(results: Sequence[Mapping[str, Any]], planned: int) -> RunCounts:
    """Return the :class:`RunCounts` of the ``point_result`` data of a run of ``planned``
    points (a planned count below the results measured, from an old caller, is raised)."""
    statements = [str((r.get("decision") or {}).get("statement", "")) for r in results]
    failed = tuple(r["point_id"] for r, s in zip(results, statements, strict=True)
                   if s in ("fail", "conditional_fail"))
    return RunCounts(max(planned, len(results)), len(results),
                     sum(s == "pass" for s in statements), failed)


def print_result(result: RunResult, console: Console, extra: Mapping[str, Path] | None = None
                 ) -> None:
    """Print the summary table of ``result``, what was measured, the files, and the outcome.

    The last line says how the run ended: ``completed`` with its verdict, or ``INCOMPLETE``
    with the reason (a caller exits non-zero for an incomplete run).
    """
    results = point_results(result.journal)
    console.print(results_table(results, f"{result.run_id}: {result.status.status}"))
    counts = run_counts(results, result.planned)
    console.print(counts.text())
    caveats = sorted({str(c) for r in results for c in r.get("caveats") or ()})
    if caveats:
        console.print(
            f"[yellow]{len(caveats)} specification table(s) used here are not verified "
            "against the manufacturer's published data (the certificate says so):[/]"
        )
        for caveat in caveats:
            console.print(f"  - {caveat}", soft_wrap=True, markup=False)
    console.print(f"journal: {result.journal}", soft_wrap=True)
    console.print(f"record:  {result.record}", soft_wrap=True)
    for name, path in (extra or {}).items():
        console.print(f"{name}: {path}", soft_wrap=True)
    if result.status.status != "completed":
        console.print(f"[bold red]INCOMPLETE[/]: the run was {result.status.status} "
                      f"({result.status.reason}); {counts.not_measured} of {counts.planned} "
                      "points were not measured; no certificate can be issued", soft_wrap=True)
    elif counts.failed:
        console.print(f"completed: {len(counts.failed)} of {counts.measured} points failed")
    else:
        console.print(f"completed: all {counts.measured} points passed")
