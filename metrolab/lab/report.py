"""The impact report a quality manager acts on: HTML, CSV and JSON, and amendment drafts.

The HTML page lists the changed decisions first (recalls highlighted), then the records
that could not be re-evaluated and why, then the re-evaluated points whose decision
stands. The CSV has one row per re-evaluated point and one per record or point that
could not be re-evaluated. The JSON is :meth:`ImpactReport.to_json`. Amendment drafts
(one TOML file per approved record whose certificate must be recalled) hold the reason
and the changed points, and the ``metrolab amend`` command a signer completes.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pint

from metrolab.lab.impact import ImpactReport
from metrolab.store import durable
from metrolab.units import Quantity

CSV_COLUMNS = ("record_id", "certificate_id", "status", "recommendation", "item_model",
               "item_serial", "customer", "started_at", "point_id", "phase", "function",
               "nominal", "nominal_unit", "change", "old_decision", "new_decision",
               "old_error", "new_error", "old_U", "new_U", "old_risk", "new_risk", "unit",
               "method", "correction", "reason")


@dataclass(frozen=True)
class ReportFiles:
    """The files written: HTML, CSV, JSON, and the amendment drafts (may be empty)."""

    html: Path
    csv: Path
    json: Path
    drafts: tuple[Path, ...] = ()


def shown(value: float | None, unit: str) -> str:
    """Return ``value`` in ``unit`` with an SI prefix and 4 significant digits ("-" if None)."""
    if value is None or not math.isfinite(value):
        return "-"
    try:
        quantity = Quantity(value, unit or "").to_compact()
    except (pint.PintError, ValueError):
        return f"{value:.4g} {unit}"
    return f"{quantity.magnitude:.4g} {quantity.units:~P}".strip()


def percent(value: float | None) -> str:
    """Return a probability as a percentage ("-" if None)."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100 * value:.3g} %"


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("metrolab.lab", ""), autoescape=True,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("impact.html.j2")


def html_text(data: dict[str, Any]) -> str:
    """Return the report page for ``ImpactReport.to_json()`` data (UTF-8 text)."""
    changed = [(a, p) for a in data["affected"] for p in a["changed"]]
    unchanged = [(a, p) for a in data["affected"] for p in a["unchanged"]]
    return _template().render(r=data, changed=changed, unchanged=unchanged, shown=shown,
                              percent=percent)


def csv_text(data: dict[str, Any]) -> str:
    """Return the report as CSV text: a row per re-evaluated or unevaluable point/record."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()

    def base(record: dict[str, Any]) -> dict[str, Any]:
        return {"record_id": record["record_id"], "certificate_id": record["certificate_id"],
                "status": record["status"], "recommendation": record.get("recommendation", ""),
                "item_model": record["item"]["model"], "item_serial": record["item"]["serial"],
                "customer": record["customer"], "started_at": record["started_at"]}

    for record in data["affected"]:
        for point in record["changed"] + record["unchanged"]:
            writer.writerow({**base(record), "point_id": point["point_id"],
                             "phase": point["phase"], "function": point["function"],
                             "nominal": point["nominal"], "nominal_unit": point["nominal_unit"],
                             "change": point["change"], "old_decision": point["old"]["decision"],
                             "new_decision": point["new"]["decision"],
                             "old_error": point["old"]["error"], "new_error": point["new"]["error"],
                             "old_U": point["old"]["U"], "new_U": point["new"]["U"],
                             "old_risk": point["old"]["risk"], "new_risk": point["new"]["risk"],
                             "unit": point["unit"], "method": point["method"],
                             "correction": point["correction"], "reason": ""})
    for record in data["unevaluable"]:
        if not record["points"]:
            writer.writerow({**base(record), "change": "not re-evaluated",
                             "reason": record["reason"]})
        for point in record["points"]:
            writer.writerow({**base(record), "point_id": point["point_id"],
                             "phase": point["phase"], "change": "not re-evaluated",
                             "reason": point["reason"]})
    return out.getvalue()


def _toml_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def draft_text(record: dict[str, Any], data: dict[str, Any]) -> str:
    """Return the amendment draft (TOML) for one affected record of the report data."""
    changed = "; ".join(f"{p['point_id']} ({p['phase']}) {p['change']}"
                        for p in record["changed"])
    reason = (f"Standard {data['standard']} was found out of tolerance ({data['source']}: "
              f"{', '.join(data['corrections'])}); re-evaluated with the corrected value: "
              f"{changed}. The conformity statements of certificate "
              f"{record['certificate_id']} no longer hold for these points.")
    note = {"standard": data["standard"], "corrections": data["corrections"],
            "changed_points": [p["point_id"] for p in record["changed"]]}
    lines = [
        "# Amendment draft: complete, check and sign with `metrolab amend` (nothing here is",
        "# signed or sealed; the sealed record is unchanged until someone amends it).",
        f"record = {_toml_text(record['file'])}",
        f"record_id = {_toml_text(record['record_id'])}",
        f"certificate_id = {_toml_text(record['certificate_id'])}",
        f"customer = {_toml_text(record['customer'])}",
        f"reason = {_toml_text(reason)}",
        "command = " + _toml_text(
            f"metrolab amend {record['file']} --by NAME --reason "
            f"{json.dumps(reason, ensure_ascii=False)} "
            f"--set impact_assessment='{json.dumps(note, ensure_ascii=False)}'"),
        "",
    ]
    for point in record["changed"]:
        lines += ["[[changed]]",
                  f"point_id = {_toml_text(point['point_id'])}",
                  f"phase = {_toml_text(point['phase'])}",
                  f"old_decision = {_toml_text(point['old']['decision'])}",
                  f"new_decision = {_toml_text(point['new']['decision'])}",
                  f"unit = {_toml_text(point['unit'])}",
                  f"old_error = {point['old']['error']!r}",
                  f"new_error = {point['new']['error']!r}",
                  f"new_U = {point['new']['U']!r}", ""]
    return "\n".join(lines)


def write_report(report: ImpactReport, out: Path, *, drafts: bool = False) -> ReportFiles:
    """Write the report files into ``out`` (created if needed); return their paths.

    Each file is written whole and renamed into place. With ``drafts`` an amendment
    draft is written into ``out/amendment-drafts`` for every approved record whose
    certificate must be recalled.
    """
    durable.prepare_folder(out, "impact report folder (--out)")
    data = report.to_json()
    stem = f"impact-{_safe(report.request.standard)}-{report.generated_at:%Y%m%dT%H%M%SZ}"
    paths = {kind: out / f"{stem}.{kind}" for kind in ("html", "csv", "json")}
    durable.write_file(paths["html"], html_text(data).encode(), overwrite=True)
    durable.write_file(paths["csv"], csv_text(data).encode(), overwrite=True)
    durable.write_file(paths["json"], (json.dumps(data, indent=2, ensure_ascii=False)
                                       + "\n").encode(), overwrite=True)
    written: list[Path] = []
    if drafts:
        folder = out / "amendment-drafts"
        for record in data["affected"]:
            if record["recommendation"] != "recall":
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{_safe(record['record_id'])}.amendment.toml"
            durable.write_file(path, draft_text(record, data).encode(), overwrite=True)
            written.append(path)
    return ReportFiles(paths["html"], paths["csv"], paths["json"], tuple(written))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
