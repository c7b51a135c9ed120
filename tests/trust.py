"""A member registry with fresh Ed25519 keys for tests that require signatures (kernel/signatures.py)."""

from __future__ import annotations

from pathlib import Path

from iprx.kernel.signatures import generate_key
from iprx.stream_processors.signals import SIGNAL_PUBLISHER


def signed_registry(directory: Path, members: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, Path]]:
    """Write a registry of ``members`` (publisher id -> families) plus the exchange itself, each with a new
    key ``<n>-key``; return the settings that enforce membership and signatures with it (the worker
    signing as the exchange) and each member's private key file."""
    keys: dict[str, Path] = {}
    entries = ['version = "test"']
    for n, (publisher_id, families) in enumerate({SIGNAL_PUBLISHER: [], **members}.items()):
        keys[publisher_id] = directory / f"member-{n}.pem"
        public = generate_key(keys[publisher_id])
        entries.append(
            f'[[member]]\npublisher_id = "{publisher_id}"\nname = "member {n}"\nfamilies = {families!r}\n'
            f'[[member.keys]]\nkey_id = "{n}-key"\npublic_key = "{public}"\nvalid_from = 2020-01-01T00:00:00Z'
        )
    path = directory / "members.toml"
    path.write_text("\n".join(entries).replace("'", '"') + "\n", encoding="utf-8")
    env = {
        "IPRX_MEMBERS_ENFORCE": "true",
        "IPRX_MEMBERS_REQUIRE_SIGNATURES": "true",
        "IPRX_MEMBERS_FILE": str(path),
        "IPRX_WORKER_SIGNING_KEY_FILE": str(keys[SIGNAL_PUBLISHER]),
        "IPRX_WORKER_SIGNING_KEY_ID": "0-key",
    }
    return env, keys


def key_id(keys: dict[str, Path], publisher_id: str) -> str:
    """The key id ``signed_registry`` gave ``publisher_id``'s key."""
    return f"{list(keys).index(publisher_id)}-key"
