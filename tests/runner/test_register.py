"""The register of standards: reading, lookup by identity, due dates and overrides."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from metrolab.runner.errors import RegisterError, StandardExpired, StandardNotRegistered
from metrolab.runner.register import Register, Standard, dumps_register

CALIBRATOR = Standard(
    id="CAL-01", role="calibrator", manufacturer="FLUKE", model="5522A", serial="1972905",
    certificate_id="C-2025-118", calibration_date=date(2025, 6, 1), due_date=date(2026, 6, 1),
    issuer="Acme Cal", certificate_sha256="ab" * 32, specification="5522A 1-year",
    corrections={"DCV_10V_ppm": -1.5},
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    laboratory = {"name": "Lab", "address": "1 Lab Rd", "accreditation": "17025 #1",
                  "country": "GB"}
    register = Register.load(write(tmp_path, dumps_register([CALIBRATOR], laboratory)))
    assert register.standards == (CALIBRATOR,)
    assert register.laboratory == laboratory


def test_lookup_by_identity_ignores_case_and_blanks(tmp_path: Path) -> None:
    register = Register.load(write(tmp_path, dumps_register([CALIBRATOR])))
    assert register.find("Fluke", " 5522a", "1972905") == CALIBRATOR
    assert register.find("Fluke", "5522A", "999") is None


def test_in_date_standard_gives_traceability_without_override(tmp_path: Path) -> None:
    register = Register.load(write(tmp_path, dumps_register([CALIBRATOR])))
    entry, reason = register.check("calibrator", ("FLUKE", "5522A", "1972905"), date(2026, 6, 1))
    assert reason is None
    block = entry.traceability(reason)
    assert block["certificate_id"] == "C-2025-118"
    assert block["due_date"] == "2026-06-01"
    assert block["override_reason"] is None


def test_missing_standard_is_refused(tmp_path: Path) -> None:
    register = Register.load(write(tmp_path, dumps_register([CALIBRATOR])))
    with pytest.raises(StandardNotRegistered, match=r"serial 42\) is not in"):
        register.check("thermometer", ("HART", "1529", "42"), date(2026, 1, 1))


def test_expired_standard_stops_unless_a_reason_is_given(tmp_path: Path) -> None:
    register = Register.load(write(tmp_path, dumps_register([CALIBRATOR])))
    identity = ("FLUKE", "5522A", "1972905")
    with pytest.raises(StandardExpired, match="due for calibration on 2026-06-01"):
        register.check("calibrator", identity, date(2026, 6, 2))
    with pytest.raises(StandardExpired):
        register.check("calibrator", identity, date(2026, 6, 2), {"CAL-01": "  "})
    entry, reason = register.check("calibrator", identity, date(2026, 6, 2),
                                   {"CAL-01": "booked for recalibration"})
    assert reason == "booked for recalibration"
    assert entry.traceability(reason)["override_reason"] == "booked for recalibration"


@pytest.mark.parametrize(("text", "message"), [
    ("this is = = not toml", "not valid TOML"),
    ("title = 'no standards'", "no \\[\\[standard\\]\\] tables"),
    ("[[standard]]\nid = 'X'\n", "missing role"),
    (dumps_register([CALIBRATOR]).replace("due_date = 2026-06-01", "due_date = 'soon'"),
     "due_date = 'soon' is not a TOML date"),
    (dumps_register([CALIBRATOR, CALIBRATOR]), "duplicate id 'CAL-01'"),
    (dumps_register([CALIBRATOR], {"country": "UK1"}), "'UK1' is not an ISO 3166-1 alpha-2"),
    (dumps_register([CALIBRATOR], {"phone": "1"}), "unknown key 'phone'"),
])
def test_malformed_register_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RegisterError, match=message):
        Register.load(write(tmp_path, text))


def test_certificate_file_hash_is_checked(tmp_path: Path) -> None:
    certificate = tmp_path / "cert.pdf"
    certificate.write_bytes(b"%PDF certificate")
    good = hashlib.sha256(certificate.read_bytes()).hexdigest()
    text = dumps_register([CALIBRATOR]).replace(
        'certificate_sha256 = "' + "ab" * 32 + '"',
        f'certificate_sha256 = "{good}"\ncertificate_file = "cert.pdf"')
    assert Register.load(write(tmp_path, text)).standards[0].certificate_sha256 == good
    certificate.write_bytes(b"%PDF changed")
    with pytest.raises(RegisterError, match="the certificate changed"):
        Register.load(write(tmp_path, text))
