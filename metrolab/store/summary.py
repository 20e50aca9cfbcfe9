"""Plain-text summary of a record, as printed by ``metrolab show``."""

from __future__ import annotations

from typing import Any

import pint

from metrolab.store.assemble import to_iso
from metrolab.store.record import Record


def _quantity_text(quantity: pint.Quantity | None, digits: int = 8) -> str:
    if quantity is None:
        return "-"
    return f"{quantity.magnitude:.{digits}g} {quantity.units:~P}"


def _get(mapping: Any, *keys: str) -> str:
    for key in keys:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return "-" if mapping in (None, "") else str(mapping)


def summary_lines(record: Record) -> list[str]:
    """Return the lines of a summary: identity, review, the verified signatures (and the
    log lines claiming a step that does not count), instruments, points, the caveats
    recorded with the points' results (unverified specification data), events count."""
    run = record.run
    lines = [
        f"record      {record.record_id} (certificate {record.certificate_id}, "
        f"schema {record.schema_version})",
        f"status      {run['status']}" + (f": {run['reason']}" if run.get("reason") else ""),
        f"procedure   {_get(run, 'procedure', 'name')} {_get(run, 'procedure', 'version')}",
        f"item        {_get(run, 'item', 'manufacturer')} {_get(run, 'item', 'model')} "
        f"serial {_get(run, 'item', 'serial')}",
        f"customer    {_get(run, 'customer', 'name')}",
        f"operator    {_get(run, 'operator')}   location {_get(run, 'location')}",
        f"performed   {to_iso(run.get('started_at'), '-') if run.get('started_at') else '-'}"
        f" .. {run['ended_at']}",
        f"review      {record.review.state}"
        + (f" by {record.review.who} at {record.review.when}" if record.review.who else "")
        + (f"; superseded by {record.review.superseded_by}"
           if record.review.superseded_by else ""),
        f"sha256      {record.sha256}",
    ]
    lines += [f"signed      {signer.describe()}" for signer in record.signers]
    if not record.signers:
        lines.append("signed      nobody: no step of this record carries a signature")
    lines += [f"ignored     {note}" for note in record.review.ignored]
    if record.amends:
        lines.append(f"amends      {record.amends['record_id']}: {record.amends['reason']}")
        lines += [f"            {c['field']}: {c['old']!r} -> {c['new']!r}"
                  for c in record.amends["changes"]]
    lines.append("instruments")
    for instrument in record.instruments:
        trace = instrument.get("traceability") or {}
        extra = (f" cert {trace.get('certificate_id')} due {trace.get('due_date')}"
                 if trace else "")
        lines.append(f"  {instrument.get('role', '-'):<12} {_get(instrument, 'name'):<12} "
                     f"{_get(instrument, 'identity', 'manufacturer')} "
                     f"{_get(instrument, 'identity', 'model')} "
                     f"sn {_get(instrument, 'identity', 'serial')} "
                     f"fw {_get(instrument, 'identity', 'firmware')}{extra}")
    lines.append(f"points ({len(record.points)})")
    lines.append(f"  {'point':<16} {'phase':<9} {'n':>4} {'value':>20} {'U':>14} decision")
    for point in record.points:
        lines.append(f"  {point.point_id:<16} {point.phase:<9} {len(point.readings):>4} "
                     f"{_quantity_text(point.value):>20} {_quantity_text(point.U, 2):>14} "
                     f"{point.decision.get('statement', '-')}")
    caveats: dict[str, int] = {}
    for point in record.points:
        for caveat in (point.result or {}).get("caveats") or ():
            caveats[str(caveat)] = caveats.get(str(caveat), 0) + 1
    if caveats:
        lines.append("caveats     specification data not verified against the manufacturer's table")
        lines += [f"  {count:>4} points: {caveat}" for caveat, count in caveats.items()]
    lines.append(f"events      {len(record.events)}")
    return lines
