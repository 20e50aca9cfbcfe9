"""Keys and signatures: who sealed, reviewed and approved a record, provably.

Each person who seals, reviews or approves holds an Ed25519 key pair (``cryptography``).
``metrolab keys new NAME --role ROLE`` writes it into the user's key folder
(:func:`key_dir`): ``<slug>.key``, the private key (PEM, PKCS#8, owner-only 0600), and
``<slug>.pub.toml``, the holder's ``[[signer]]`` table to paste into the laboratory's
register. The register (the TOML file that also holds the standards) is the list of
keys the laboratory trusts::

    [[signer]]
    name = "Rita Reviewer"
    role = "reviewer"
    public_key = "ed25519:<base64 of the 32 raw bytes>"
    fingerprint = "<SHA-256 of the raw public key, hex>"   # optional; checked when given
    revoked = 2026-05-01                                   # optional: date (or date-time)
    revocation_reason = "key lost"                         # optional

An audit-log entry is signed over the canonical JSON of the entry without its ``hash``
and ``signature`` fields: its action, record, file, content hash, time, sequence number
and ``prev`` link, and the ``signer`` block (fingerprint and public key). A signature
therefore binds the person to the record's content and to the log's history before it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from metrolab.store.durable import canonical_json
from metrolab.store.errors import KeyRegisterError, SigningKeyError
from metrolab.tomlfile import read_toml

#: environment variable naming the folder of the user's keys (default: :func:`key_dir`)
KEY_DIR_ENV = "METROLAB_KEY_DIR"
PREFIX = "ed25519:"
PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub.toml"
#: the keys of a register's ``[[signer]]`` table
SIGNER_FIELDS = ("name", "role", "public_key", "fingerprint", "revoked", "revocation_reason")


def key_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder of the user's keys: ``directory``, else ``$METROLAB_KEY_DIR``,
    else ``keys`` in the user's metrolab config folder (``click.get_app_dir``)."""
    if directory is not None:
        return Path(directory)
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV])
    import click

    return Path(click.get_app_dir("metrolab")) / "keys"


def slug(name: str) -> str:
    """Return the file stem of ``name``'s key: lower case, runs of other characters as '-'."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.strip().casefold()).strip("-")
    if not stem:
        raise SigningKeyError(f"key name {name!r}: give a name with letters or digits")
    return stem


def public_key_text(key: Ed25519PublicKey) -> str:
    """Return a public key as register text: ``ed25519:`` + base64 of its 32 raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode()


def _raw_public(text: str) -> bytes:
    """Return the 32 raw bytes of a public key written as ``ed25519:<base64>``."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise ValueError(f"public key {text!r} does not start with {PREFIX!r}")
    try:
        raw = base64.b64decode(text[len(PREFIX):], validate=True)
    except binascii.Error as exc:
        raise ValueError(f"public key {text!r} is not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"public key {text!r} has {len(raw)} bytes, not 32")
    return raw


def fingerprint(public_key: str) -> str:
    """Return the fingerprint of a public key (``ed25519:...`` text): SHA-256 hex of its
    32 raw bytes. Raises ValueError for text that is not such a key."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()


@dataclass(frozen=True)
class SigningKey:
    """A private key in memory, with its holder's ``name``, public key and fingerprint."""

    name: str
    public_key: str
    fingerprint: str
    private: Ed25519PrivateKey = field(repr=False, compare=False)
    path: Path | None = None

    @classmethod
    def from_private(cls, name: str, private: Ed25519PrivateKey,
                     path: Path | None = None) -> SigningKey:
        """Return the key of ``name`` around an Ed25519 private key."""
        public = public_key_text(private.public_key())
        return cls(name, public, fingerprint(public), private, path)

    def sign(self, data: bytes) -> str:
        """Return the Ed25519 signature of ``data`` as base64 text (64 bytes)."""
        return base64.b64encode(self.private.sign(data)).decode()

    def signer_block(self) -> dict[str, str]:
        """Return the ``signer`` block an audit entry carries: fingerprint and public key."""
        return {"fingerprint": self.fingerprint, "public_key": self.public_key}


def signature_valid(public_key: str, data: bytes, signature: str) -> bool:
    """Return True when ``signature`` (base64) is ``public_key``'s signature of ``data``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_raw_public(public_key))
        key.verify(base64.b64decode(signature, validate=True), data)
    except (ValueError, TypeError, binascii.Error, InvalidSignature):
        return False
    return True


@dataclass(frozen=True)
class KeyFiles:
    """A key pair written by :func:`create_key`: its files, public key and fingerprint."""

    name: str
    role: str
    private_path: Path
    public_path: Path
    public_key: str
    fingerprint: str

    def register_table(self) -> str:
        """Return the ``[[signer]]`` TOML table that registers this key."""
        return dumps_signers([KeyHolder(self.name, self.role, self.public_key,
                                        self.fingerprint)])


def create_key(name: str, role: str, directory: str | os.PathLike[str] | None = None) -> KeyFiles:
    """Create a key pair for ``name`` (holder) in ``role``; return its :class:`KeyFiles`.

    The private key is written owner-only (0600) into :func:`key_dir` (made 0700 if it is
    new); an existing key is never overwritten. Raises :class:`SigningKeyError`.
    """
    if not name.strip() or not role.strip():
        raise SigningKeyError("keys new: give the holder's name and role")
    folder = key_dir(directory)
    stem = slug(name)
    private_path, public_path = folder / (stem + PRIVATE_SUFFIX), folder / (stem + PUBLIC_SUFFIX)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    key = SigningKey.from_private(name.strip(), private)
    files = KeyFiles(name.strip(), role.strip(), private_path, public_path, key.public_key,
                     key.fingerprint)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SigningKeyError(f"a key for {name!r} already exists at {private_path}; a key is "
                              "never overwritten (mark a lost key revoked in the register, "
                              "then create one under another name)") from exc
    except OSError as exc:
        raise SigningKeyError(f"cannot create key {private_path}: {exc.strerror or exc}; "
                              f"check the folder (or set {KEY_DIR_ENV})") from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # the umask may have taken bits away, never added any
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    public_path.write_text(f"# metrolab public key of {files.name}: paste this table into the "
                           "laboratory's register\n" + files.register_table(), encoding="utf-8")
    return files


def load_signing_key(name_or_path: str | os.PathLike[str],
                     directory: str | os.PathLike[str] | None = None) -> SigningKey:
    """Return the signing key named ``name_or_path`` in :func:`key_dir`, or at that path.

    The holder's name is the one in the ``.pub.toml`` beside the key (else the name
    given). Raises :class:`SigningKeyError` when the key is missing, unreadable, not an
    Ed25519 PEM key, or readable by others than its owner (POSIX).
    """
    given = Path(name_or_path)
    text = str(name_or_path)
    if given.suffix == PRIVATE_SUFFIX or "/" in text or os.sep in text:
        path = given
    else:
        path = key_dir(directory) / (slug(str(name_or_path)) + PRIVATE_SUFFIX)
    if not path.is_file():
        raise SigningKeyError(f"no key {path}: create it with `metrolab keys new "
                              f"{text!r} --role ROLE` and have its [[signer]] table "
                              "entered in the laboratory's register")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise SigningKeyError(f"key {path} can be read by other users "
                              f"(mode {path.stat().st_mode & 0o777:o}); make it owner-only "
                              f"(chmod 600 {path}) or mark it lost in the register")
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read key {path}: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"key {path} is not an Ed25519 key")
    name = text if path is not given else path.name.removesuffix(PRIVATE_SUFFIX)
    public_path = path.with_name(path.name.removesuffix(PRIVATE_SUFFIX) + PUBLIC_SUFFIX)
    if public_path.is_file():
        tables = read_toml(public_path, "public key file", SigningKeyError).get("signer") or [{}]
        name = str(tables[0].get("name") or name)
    return SigningKey.from_private(name, private, path)


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """One ``[[signer]]`` of the register: a person, their role and public key.

    ``revoked`` is the moment (UTC) from which the key's signatures fail (a lost or
    withdrawn key); None while it is valid.
    """

    name: str
    role: str
    public_key: str
    fingerprint: str
    revoked: datetime | None = None
    revocation_reason: str = ""

    def valid_at(self, moment: datetime) -> bool:
        """Return True when a signature made at ``moment`` is before any revocation."""
        return self.revoked is None or moment < self.revoked

    def same_person(self, name: str) -> bool:
        """Return True when ``name`` is this holder's name (case and blanks ignored)."""
        return " ".join(name.split()).casefold() == " ".join(self.name.split()).casefold()


@dataclass(frozen=True)
class KeyRegister:
    """The public keys a laboratory trusts (the register's ``[[signer]]`` tables)."""

    holders: tuple[KeyHolder, ...]
    path: Path | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyRegister:
        """Read the ``[[signer]]`` tables of the register at ``path``; return them.

        Raises :class:`KeyRegisterError` naming the file and table when the file is not
        TOML, has no ``[[signer]]`` table, or a table is malformed.
        """
        path = Path(path)
        data = read_toml(path, "register", KeyRegisterError)
        register = cls.from_tables(path, data.get("signer", []))
        if not register.holders:
            raise KeyRegisterError(f"register {path} holds no [[signer]] tables, so no "
                                   "signature can be checked against it; add the public keys "
                                   "(`metrolab keys new` prints each table)")
        return register

    @classmethod
    def from_tables(cls, path: Path | None, tables: Any) -> KeyRegister:
        """Return the register of ``[[signer]]`` ``tables`` read from the file ``path``."""
        if not isinstance(tables, list):
            raise KeyRegisterError(f"register {path}: signer must be [[signer]] tables")
        holders = tuple(_holder(path, number, table) for number, table in enumerate(tables, 1))
        prints = [holder.fingerprint for holder in holders]
        twice = sorted({p for p in prints if prints.count(p) > 1})
        if twice:
            raise KeyRegisterError(f"register {path}: the key {twice[0]} is registered twice")
        return cls(holders, path)

    def find(self, key_fingerprint: str) -> KeyHolder | None:
        """Return the holder of the key with that fingerprint, or None."""
        return next((h for h in self.holders if h.fingerprint == key_fingerprint), None)


def _holder(path: Path | None, number: int, table: Any) -> KeyHolder:
    where = f"register {path}, [[signer]] #{number}"
    if not isinstance(table, dict):
        raise KeyRegisterError(f"{where}: not a table")
    unknown = sorted(set(table) - set(SIGNER_FIELDS))
    if unknown:
        raise KeyRegisterError(f"{where}: unknown key {unknown[0]!r} (allowed: "
                               f"{', '.join(SIGNER_FIELDS)})")
    for key in ("name", "role", "public_key"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise KeyRegisterError(f"{where}: {key} must be non-empty text")
    try:
        actual = fingerprint(table["public_key"])
    except ValueError as exc:
        raise KeyRegisterError(f"{where}: {exc}; copy it from the .pub.toml that "
                               "`metrolab keys new` wrote") from exc
    stated = str(table.get("fingerprint", actual)).lower()
    if stated != actual:
        raise KeyRegisterError(f"{where}: fingerprint {stated} does not belong to public_key "
                               f"(its fingerprint is {actual})")
    revoked = table.get("revoked")
    if revoked is not None and not isinstance(revoked, date):
        raise KeyRegisterError(f"{where}: revoked = {revoked!r} is not a TOML date "
                               "(YYYY-MM-DD) or date-time")
    return KeyHolder(table["name"].strip(), table["role"].strip(), table["public_key"], actual,
                     _moment(revoked), str(table.get("revocation_reason", "")))


def _moment(value: date | None) -> datetime | None:
    """Return a TOML date (midnight UTC) or date-time (UTC if naive) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def dumps_signers(holders: Iterable[KeyHolder]) -> str:
    """Return the ``[[signer]]`` TOML tables of ``holders`` (read by :meth:`KeyRegister.load`)."""
    lines: list[str] = []
    for holder in holders:
        lines += ["[[signer]]", f"name = {_toml_string(holder.name)}",
                  f"role = {_toml_string(holder.role)}",
                  f"public_key = {_toml_string(holder.public_key)}",
                  f"fingerprint = {_toml_string(holder.fingerprint)}"]
        if holder.revoked is not None:
            lines.append(f"revoked = {holder.revoked.isoformat()}")
            lines.append(f"revocation_reason = {_toml_string(holder.revocation_reason)}")
        lines.append("")
    return "\n".join(lines)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def signed_bytes(entry: Mapping[str, Any]) -> bytes:
    """Return what an audit entry's signature covers: its canonical JSON (UTF-8) without
    the ``hash`` and ``signature`` fields."""
    body = {key: value for key, value in entry.items() if key not in ("hash", "signature")}
    return canonical_json(body).encode()
