"""Ed25519 signatures on published events, so that who published an event can be proven.

Scheme ``iprx-sig-1``, the same in every language (docs/publishing.md has a Java example):

* signed bytes: ``b"iprx-sig-1" 0x00 key_id 0x00 publisher_id 0x00 value`` where ``key_id`` and
  ``publisher_id`` are UTF-8 and ``value`` is the record value exactly as sent to Kafka (framing with
  the schema fingerprint or id, then the Avro body, which holds the event id, times and
  ``header.publisher``): no part of the event can change without the signature failing;
* Kafka headers: ``iprx-signature-key`` = the key id (UTF-8), ``iprx-signature`` = the 64-byte
  Ed25519 signature (raw bytes); ``iprx-publisher`` = the publisher id, as for every event.

The verifier takes the publisher id from the event's own ``header.publisher`` and the key from the
member registry (``kernel/members.py``): the member's key with that id that was valid at the event's
``header.published_at``, so events keep verifying after the key is rotated.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from iprx.kernel.config import ConfigError
from iprx.kernel.members import Member
from iprx.kernel.reasons import Reason, Rejected

SCHEME = b"iprx-sig-1"
SIGNATURE_HEADER = "iprx-signature"
KEY_HEADER = "iprx-signature-key"
Headers = Sequence[tuple[str, bytes | None]]


def signed_bytes(key_id: str, publisher_id: str, value: bytes) -> bytes:
    """The bytes an event's signature is made over."""
    return b"\x00".join((SCHEME, key_id.encode(), publisher_id.encode(), value))


class Signer:
    """Signs a member's events with its Ed25519 private key ``key_id``."""

    def __init__(self, key_id: str, private_key: Ed25519PrivateKey) -> None:
        self.key_id = key_id
        self._key = private_key

    @classmethod
    def from_file(cls, key_id: str, path: str | Path) -> Signer:
        """Load a PKCS#8 PEM private key, as ``iprx members keygen`` writes it."""
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot read the signing key {path}: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(f"the signing key {path} is not an Ed25519 private key")
        return cls(key_id, key)

    def headers(self, publisher_id: str, value: bytes) -> list[tuple[str, bytes]]:
        """The Kafka headers that carry the signature of ``value`` published as ``publisher_id``."""
        signature = self._key.sign(signed_bytes(self.key_id, publisher_id, value))
        return [(KEY_HEADER, self.key_id.encode()), (SIGNATURE_HEADER, signature)]


def generate_key(path: str | Path) -> str:
    """Write a new Ed25519 private key to ``path`` (PEM, readable by its owner only); return the public
    key as base64, the form the member registry takes."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_key_b64(key)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _header(headers: Headers, name: str) -> bytes | None:
    return next((value for key, value in headers if key == name), None)


def verify(member: Member, value: bytes, headers: Headers, published_at: datetime) -> Rejected | None:
    """Why the signature of ``member``'s event ``value`` does not hold (None if it does)."""
    key_id_raw, signature = _header(headers, KEY_HEADER), _header(headers, SIGNATURE_HEADER)
    if not key_id_raw or not signature:
        return Rejected(Reason.SIGNATURE_MISSING, f"the event of {member.publisher_id} is not signed", SIGNATURE_HEADER)
    key_id = key_id_raw.decode(errors="replace")
    key = member.key(key_id, published_at)
    if key is None:
        reason = (
            f"member {member.publisher_id} has no signing key {key_id!r} valid at {published_at.isoformat()} "
            f"(the event's published_at)"
        )
        return Rejected(Reason.SIGNATURE_UNKNOWN_KEY, reason, KEY_HEADER)
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(
            signature, signed_bytes(key_id, member.publisher_id, value)
        )
    except InvalidSignature:
        reason = f"the signature does not match the event with key {key_id} of {member.publisher_id}"
        return Rejected(Reason.SIGNATURE_INVALID, reason, SIGNATURE_HEADER)
    return None
