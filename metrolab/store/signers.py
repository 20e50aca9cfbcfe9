"""Who signed an audit entry, checked against the laboratory's register of keys.

Without a register a signature is checked against the public key the entry carries:
that proves the entry was not changed after signing, not who signed it. With a
register, every entry that seals, registers, amends, reviews or approves a record must
be signed by a key the register holds, by its holder, before the key's revocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from metrolab.store.signing import KeyRegister, fingerprint, signature_valid, signed_bytes

#: actions that must carry a registered signature when a register is given
SIGNED_ACTIONS = ("sealed", "registered", "amended", "reviewed", "approved")


@dataclass(frozen=True, slots=True)
class Signer:
    """A verified signature on one audit entry.

    ``role`` comes from the register ("" when no register was given: then ``registered``
    is False and only the signature's match with its own public key was checked).
    ``time`` is the entry's ISO 8601 time; ``entry_hash`` its hash in the log;
    ``content_sha256`` the record content it signs; ``signature`` base64 Ed25519.
    """

    action: str
    name: str
    role: str
    fingerprint: str
    time: str
    seq: int
    entry_hash: str
    content_sha256: str
    signature: str
    registered: bool

    def describe(self) -> str:
        """Return one line: who signed what, with role and key fingerprint."""
        role = f", {self.role}" if self.role else ""
        checked = "" if self.registered else ", key not checked against a register"
        return (f"{self.action} by {self.name}{role} at {self.time} "
                f"(key {self.fingerprint[:16]}{checked})")


def where(entry: dict[str, Any]) -> str:
    """Return how a message names an entry: ``line N (action of record)``."""
    return f"line {entry.get('seq')} ({entry.get('action')} of {entry.get('record_id')})"


def check_entry(entry: dict[str, Any], register: KeyRegister | None
                ) -> tuple[Signer | None, str | None]:
    """Return (the entry's verified :class:`Signer` or None, what is wrong or None).

    An unsigned entry gives (None, None) without a register and (None, problem) with
    one when its action is in :data:`SIGNED_ACTIONS`.
    """
    action, who = str(entry.get("action")), str(entry.get("who") or "")
    signature, block = entry.get("signature"), entry.get("signer")
    if signature is None:
        if register is not None and action in SIGNED_ACTIONS:
            return None, (f"{where(entry)} is not signed, and the register "
                          f"{register.path} requires a registered key's signature")
        return None, None
    if not isinstance(block, dict) or not isinstance(signature, str):
        return None, f"{where(entry)} has a signature but no signer block"
    public, key_print = str(block.get("public_key")), str(block.get("fingerprint"))
    try:
        if fingerprint(public) != key_print:
            return None, f"{where(entry)}: the signer's fingerprint is not that of its key"
    except ValueError as exc:
        return None, f"{where(entry)}: the signer's key is unreadable ({exc})"
    if not signature_valid(public, signed_bytes(entry), signature):
        return None, (f"{where(entry)}: the signature does not verify: the entry was changed "
                      "after it was signed, or re-signed without the key it names")
    role, registered = "", False
    if register is not None:
        holder = register.find(key_print)
        if holder is None:
            return None, (f"{where(entry)} is signed as {who!r} by a key the register does "
                          f"not hold (fingerprint {key_print[:16]})")
        if not holder.same_person(who):
            return None, (f"{where(entry)} names {who!r} but is signed with the key of "
                          f"{holder.name}")
        try:
            moment = datetime.fromisoformat(str(entry.get("time")))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        except ValueError:
            return None, f"{where(entry)}: its time {entry.get('time')!r} is not ISO 8601"
        if not holder.valid_at(moment) and holder.revoked is not None:
            return None, (f"{where(entry)} was signed by {holder.name} at {entry.get('time')}, "
                          f"after the key was revoked on {holder.revoked.isoformat()}"
                          f"{f' ({holder.revocation_reason})' if holder.revocation_reason else ''}")
        role, registered = holder.role, True
    return Signer(action, who, role, key_print, str(entry.get("time")), int(entry.get("seq", 0)),
                  str(entry.get("hash")), str(entry.get("content_sha256", "")), signature,
                  registered), None
