"""Test helpers for the trust controls: a member registry with fresh Ed25519 keys (kernel/signatures.py),
and a registry and a write probe for the broker ACL tests (kernel/access.py)."""

from __future__ import annotations

from pathlib import Path

from iprx.kernel.config import KafkaSettings
from iprx.kernel.kafka_clients import kafka_python_options
from iprx.kernel.signatures import generate_key
from iprx.stream_processors.signals import SIGNAL_PUBLISHER
from kafka import KafkaProducer
from kafka.errors import KafkaError, TopicAuthorizationFailedError


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


# Two members and the exchange, each with its own Kafka principal: for the broker ACL tests.
ACL_REGISTRY = """version = "acl-test"
[[member]]
publisher_id = "CN/GOV/GACC/seizures"
name = "Customs"
principals = ["User:gacc"]
families = ["seizure"]
[[member]]
publisher_id = "CN/PROV/440000/copyright"
name = "Guangdong copyright administration"
principals = ["User:ncac"]
families = ["inspection", "case"]
[[member]]
publisher_id = "CN/GOV/IPRX/stream-processors"
name = "The exchange"
principals = ["User:iprx-worker"]
families = []
"""


def try_write(kafka: KafkaSettings, topic: str) -> str:
    """'ok' if the client of ``kafka`` could write to ``topic``, 'refused' if the broker's ACLs refused it."""
    producer = KafkaProducer(**kafka_python_options(kafka), acks="all", max_block_ms=20_000)
    try:
        producer.send(topic, b"probe").get(timeout=20)
        return "ok"
    except TopicAuthorizationFailedError:
        return "refused"
    except KafkaError as exc:
        # A principal allowed to write nowhere is refused already when its idempotent producer starts.
        return "refused" if "ClusterAuthorizationFailed" in str(exc) else f"{type(exc).__name__}: {exc}"
    finally:
        producer.close(timeout=5)
