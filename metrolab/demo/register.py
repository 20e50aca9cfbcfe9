"""Stand-in registers for simulated standards: every entry and certificate marked demo.

A register names each standard's calibration certificate and its SHA-256; for simulated
instruments a small text file stands in for the certificate, so the register's hash
check and the record's traceability carry real values while saying plainly that no
real calibration is behind them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from metrolab.runner.register import Standard, dumps_register

#: folder (next to the register) of the stand-in calibration certificates
CERTIFICATES = "demo-certificates"
#: the fictitious laboratory of the demo and of simulated runs
LABORATORY = {"name": "metrolab demonstration laboratory (fictitious)",
              "address": "simulated bench, Demo Street 1, Braunschweig (fictitious)",
              "accreditation": "none (demonstration)", "country": "DE"}


def demo_register(identities: Mapping[str, Mapping[str, str]], today: date, folder: Path) -> str:
    """Return the TOML text of a register holding the bench's standards, in date on ``today``.

    Writes a small stand-in calibration certificate (text, marked demo) per standard
    into ``folder/demo-certificates``; the register names each file and its SHA-256,
    so the register's hash check and the record's traceability use real values. The
    register must be written into ``folder``.
    """
    (folder / CERTIFICATES).mkdir(parents=True, exist_ok=True)
    standards = []
    for role, ident in identities.items():
        certificate_id = f"DEMO-CERT-{ident['model']}-{ident['serial']}"
        calibrated, due = today - timedelta(days=90), today + timedelta(days=275)
        file = f"{CERTIFICATES}/{certificate_id}.txt"
        text = (f"metrolab DEMO calibration certificate {certificate_id}\n"
                f"{ident['manufacturer']} {ident['model']} serial {ident['serial']} ({role})\n"
                f"calibrated {calibrated.isoformat()}, due {due.isoformat()}\n"
                "A simulated instrument: this is not a real calibration.\n").encode()
        (folder / file).write_bytes(text)
        standards.append(Standard(
            id=f"DEMO-{role.upper()}", role=role, manufacturer=ident["manufacturer"],
            model=ident["model"], serial=ident["serial"], certificate_id=certificate_id,
            calibration_date=calibrated, due_date=due,
            issuer="metrolab demo (simulated, not a real calibration)",
            certificate_sha256=hashlib.sha256(text).hexdigest(), certificate_file=file,
            specification="manufacturer 1-year specification",
        ))
    return dumps_register(standards, LABORATORY)
