"""Signing keys and the register of keys: created owner-only, read strictly, and agreeing
with a published Ed25519 example and an independent implementation (libsodium)."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from metrolab.store.errors import KeyRegisterError, SigningKeyError
from metrolab.store.signing import (
    KeyRegister,
    SigningKey,
    create_key,
    fingerprint,
    load_signing_key,
    signature_valid,
)

#: the ``cli`` fixture (conftest): ``metrolab ARGS`` -> (exit code, stdout, stderr)
Cli = Callable[[list[str]], tuple[int, str, str]]

# RFC 8032 section 7.1, TEST 1: the secret key, its public key and the signature of the
# empty message
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8"
                     "821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_signatures_are_those_of_rfc_8032() -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_SECRET))
    key = SigningKey.from_private("RFC 8032", private)
    assert key.public_key == "ed25519:" + base64.b64encode(bytes.fromhex(RFC8032_PUBLIC)).decode()
    assert key.fingerprint == hashlib.sha256(bytes.fromhex(RFC8032_PUBLIC)).hexdigest()
    assert base64.b64decode(key.sign(b"")).hex() == RFC8032_SIGNATURE
    assert signature_valid(key.public_key, b"", key.sign(b""))
    assert not signature_valid(key.public_key, b"x", key.sign(b""))
    assert not signature_valid("ed25519:AAAA", b"", key.sign(b""))
    assert not signature_valid(key.public_key, b"", "not base64!")


def test_libsodium_agrees_with_our_signatures(tmp_path: Path) -> None:
    nacl_signing = pytest.importorskip("nacl.signing")
    key = load_signing_key(create_key("Rita Reviewer", "reviewer", tmp_path).private_path)
    message = b'{"action":"reviewed"}'
    verify_key = nacl_signing.VerifyKey(base64.b64decode(key.public_key[len("ed25519:"):]))
    verify_key.verify(message, base64.b64decode(key.sign(message)))  # raises if it is wrong
    theirs = nacl_signing.SigningKey.generate()
    public = "ed25519:" + base64.b64encode(bytes(theirs.verify_key)).decode()
    signature = base64.b64encode(theirs.sign(message).signature).decode()
    assert signature_valid(public, message, signature)
    assert not signature_valid(public, message + b" ", signature)


def test_keys_new_writes_an_owner_only_key_and_prints_its_table(tmp_path: Path, cli: Cli,
                                                                monkeypatch: Any) -> None:
    folder = tmp_path / "keys"
    monkeypatch.setenv("METROLAB_KEY_DIR", str(folder))
    code, out, err = cli(["keys", "new", "Rita Reviewer", "--role", "reviewer"])
    assert (code, err) == (0, "")
    private = folder / "rita-reviewer.key"
    if os.name == "posix":
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    key = load_signing_key("Rita Reviewer")
    assert key.name == "Rita Reviewer" and key.path == private
    assert f"fingerprint: {key.fingerprint}" in out and f"public key:  {key.public_key}" in out
    table = out[out.index("[[signer]]"):]
    register = tmp_path / "register.toml"
    register.write_text(table)
    holder = KeyRegister.load(register).holders[0]
    assert (holder.name, holder.role, holder.fingerprint) == ("Rita Reviewer", "reviewer",
                                                              key.fingerprint)
    assert (folder / "rita-reviewer.pub.toml").read_text().endswith(table)
    code, _, err = cli(["keys", "new", "Rita Reviewer", "--role", "reviewer"])
    assert code == 2 and "already exists" in err and "never overwritten" in err
    assert load_signing_key("Rita Reviewer").fingerprint == key.fingerprint


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    files = create_key("Abe Approver", "approver", tmp_path)
    files.private_path.chmod(0o644)
    with pytest.raises(SigningKeyError, match=r"can be read by other users.*chmod 600"):
        load_signing_key("Abe Approver", tmp_path)


def test_a_missing_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="metrolab keys new 'Nobody' --role ROLE"):
        load_signing_key("Nobody", tmp_path)
    with pytest.raises(SigningKeyError, match="letters or digits"):
        load_signing_key("!!", tmp_path)


def _table(**fields: str) -> str:
    return "[[signer]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items())


def test_the_register_of_keys_is_read_strictly(tmp_path: Path) -> None:
    key = create_key("Abe Approver", "approver", tmp_path / "keys")
    good = {"name": '"Abe Approver"', "role": '"approver"', "public_key": f'"{key.public_key}"'}
    register = tmp_path / "register.toml"
    cases = [
        ("", "holds no \\[\\[signer\\]\\] tables"),
        (_table(**{**good, "role": '""'}), "#1: role must be non-empty text"),
        (_table(**{**good, "public_key": '"ed25519:AAAA"'}), "#1: public key .* has 3 bytes"),
        (_table(**good, fingerprint='"00"'), "fingerprint 00 does not belong to public_key"),
        (_table(**good, revoked='"soon"'), "revoked = 'soon' is not a TOML date"),
        (_table(**good, colour='"blue"'), "unknown key 'colour'"),
        (_table(**good) + _table(**good), "the key .* is registered twice"),
        ("[[signer]\n", "not valid TOML"),
    ]
    for text, message in cases:
        register.write_text(text)
        with pytest.raises(KeyRegisterError, match=message):
            KeyRegister.load(register)
    register.write_text(_table(**good, revoked="2026-05-01T12:00:00",
                               revocation_reason='"lost"'))
    holder = KeyRegister.load(register).holders[0]
    assert holder.revoked is not None and holder.revoked.isoformat() == "2026-05-01T12:00:00+00:00"
    assert holder.fingerprint == fingerprint(key.public_key)


def test_verify_with_a_register_without_keys_is_bad_input(records: Any, cli: Cli,
                                                          tmp_path: Path) -> None:
    register = tmp_path / "standards-only.toml"
    register.write_text('[laboratory]\nname = "Cal Lab"\n')
    code, _, err = cli(["verify", str(records.a), "--register", str(register)])
    assert code == 2 and "holds no [[signer]] tables" in err


def test_the_register_comes_from_the_environment(records: Any, cli: Cli, keys: Any,
                                                 monkeypatch: Any) -> None:
    monkeypatch.setenv("METROLAB_REGISTER", str(keys.register_path))
    code, out, _ = cli(["verify", str(records.a)])
    assert code == 0 and "approved by Abe Approver, approver" in out
