"""Event signatures (kernel/signatures.py) as admission checks them: the scheme's exact bytes, missing,
unknown, expired and forged signatures, and key rotation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from iprx.kernel import topics
from iprx.kernel.admission import admit
from iprx.kernel.config import ConfigError
from iprx.kernel.members import load_members
from iprx.kernel.reasons import Reason, Rejected
from iprx.kernel.signatures import KEY_HEADER, SIGNATURE_HEADER, Signer, generate_key, public_key_b64, signed_bytes
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures

codec = SingleObjectCodec()
OLD, NEW, STRANGER = (Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32) for n in (1, 2, 3))
GACC = "CN/GOV/GACC/seizures"
IN_2025, IN_2026 = datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "members.toml"
    path.write_text(
        f"""version = "1"
[[member]]
publisher_id = "{GACC}"
name = "Customs"
families = ["seizure"]
[[member.keys]]
key_id = "gacc-2025"
public_key = "{public_key_b64(OLD)}"
valid_from = 2025-01-01T00:00:00Z
valid_until = 2026-01-01T00:00:00Z
[[member.keys]]
key_id = "gacc-2026"
public_key = "{public_key_b64(NEW)}"
valid_from = 2026-01-01T00:00:00Z
""",
        encoding="utf-8",
    )
    return load_members(path)


def seizure_bytes(published_at: datetime, description: str = "memory cards") -> bytes:
    record = next(seizures(5, 1))
    record["header"].update(publisher=GACC, published_at=published_at, occurred_at=published_at)
    record["seized_at"] = published_at
    record["goods_description"] = description
    return codec.encode("iprx.seizure.SeizureRecorded", record)


def admitted(registry, value: bytes, headers) -> str:
    return admit(codec, topics.SEIZURE, value, IN_2026, members=registry, signed=True, headers=headers)[0]


def refused(registry, value: bytes, headers) -> tuple[Reason, str | None, str]:
    with pytest.raises(Rejected) as err:
        admitted(registry, value, headers)
    return err.value.code, err.value.field, err.value.reason


def test_the_signed_bytes_are_scheme_key_publisher_and_value_joined_by_nul():
    assert signed_bytes("gacc-2026", GACC, b"\xc3\x01value") == b"iprx-sig-1\x00gacc-2026\x00" + GACC.encode() + (
        b"\x00\xc3\x01value"
    )
    [(key_name, key_id), (sig_name, signature)] = Signer("gacc-2026", NEW).headers(GACC, b"v")
    assert (key_name, key_id, sig_name, len(signature)) == (KEY_HEADER, b"gacc-2026", SIGNATURE_HEADER, 64)
    NEW.public_key().verify(signature, signed_bytes("gacc-2026", GACC, b"v"))  # plain Ed25519 (RFC 8032)


def test_a_signed_event_is_admitted_and_an_unsigned_one_refused(registry):
    value = seizure_bytes(IN_2026)
    assert admitted(registry, value, Signer("gacc-2026", NEW).headers(GACC, value)) == "iprx.seizure.SeizureRecorded"
    code, field, reason = refused(registry, value, [("iprx-publisher", GACC.encode())])
    assert (code, field) == (Reason.SIGNATURE_MISSING, SIGNATURE_HEADER) and "is not signed" in reason


def test_a_changed_event_or_another_members_key_does_not_verify(registry):
    value = seizure_bytes(IN_2026, "memory cards")
    headers = Signer("gacc-2026", NEW).headers(GACC, value)
    tampered = seizure_bytes(IN_2026, "memory carts")  # same length, decodes fine
    assert refused(registry, tampered, headers)[:2] == (Reason.SIGNATURE_INVALID, SIGNATURE_HEADER)
    forged = Signer("gacc-2026", STRANGER).headers(GACC, value)  # the right key id, the wrong key
    assert refused(registry, value, forged)[:2] == (Reason.SIGNATURE_INVALID, SIGNATURE_HEADER)
    unknown = Signer("gacc-1999", NEW).headers(GACC, value)
    code, field, reason = refused(registry, value, unknown)
    assert (code, field) == (Reason.SIGNATURE_UNKNOWN_KEY, KEY_HEADER) and "no signing key 'gacc-1999'" in reason


def test_after_a_key_rotation_old_events_verify_with_the_key_valid_when_they_were_published(registry):
    old_event = seizure_bytes(IN_2025)
    assert admitted(registry, old_event, Signer("gacc-2025", OLD).headers(GACC, old_event))
    late = seizure_bytes(IN_2026)  # published after the old key's validity ended
    code, _, reason = refused(registry, late, Signer("gacc-2025", OLD).headers(GACC, late))
    assert code == Reason.SIGNATURE_UNKNOWN_KEY and "valid at 2026-06-01T00:00:00+00:00" in reason
    early = seizure_bytes(IN_2025)  # the new key did not exist yet
    assert refused(registry, early, Signer("gacc-2026", NEW).headers(GACC, early))[0] == Reason.SIGNATURE_UNKNOWN_KEY


def test_generated_keys_load_and_sign(tmp_path: Path):
    path = tmp_path / "k.pem"
    public = generate_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    signer = Signer.from_file("k", path)
    [_, (_, signature)] = signer.headers(GACC, b"v")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(signature, signed_bytes("k", GACC, b"v"))
    with pytest.raises(FileExistsError):
        generate_key(path)
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ConfigError, match="cannot read the signing key"):
        Signer.from_file("k", tmp_path / "bad.pem")
