"""Broker ACLs from the member registry (`iprx acl apply`, kernel/access.py) on a real broker with an authorizer:
each principal may do what its role needs and every other attempt is refused by the broker itself.

The broker is tests/sasl_broker.py's SASL/SCRAM one with Kafka's StandardAuthorizer and
``allow.everyone.if.no.acl.found=false``; the ACLs are created through the admin API as the super user.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from iprx.kernel.config import load_settings
from iprx.kernel.kafka_clients import kafka_python_options
from kafka import KafkaConsumer
from kafka.errors import KafkaError

from tests.local_http import free_low_ports
from tests.sasl_broker import ADMIN, MECHANISM, SaslBroker
from tests.trust import ACL_REGISTRY, try_write

pytestmark = pytest.mark.integration
USERS = {"gacc": "gacc-secret", "ncac": "ncac-secret", "iprx-worker": "worker-secret", "iprx-sink": "sink-secret"}


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """A broker with an authorizer, the catalogue's topics, and the registry's ACLs applied as admin."""
    directory = tmp_path_factory.mktemp("acl-kafka")
    port, controller_port = free_low_ports(2)
    broker = SaslBroker(directory, port, controller_port, users=USERS, authorizer=True)
    broker.start()
    registry = directory / "members.toml"
    registry.write_text(ACL_REGISTRY)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "IPRX_KAFKA_SASL_MECHANISM": MECHANISM,
        "IPRX_MEMBERS_FILE": str(registry),
        "IPRX_DATA_DIR": str(directory / "data"),
    }
    admin = env | {"IPRX_KAFKA_SASL_USERNAME": ADMIN[0], "IPRX_KAFKA_SASL_PASSWORD": ADMIN[1]}
    try:
        for args in (["topics", "create"], ["acl", "apply"]):
            done = subprocess.run(
                [sys.executable, "-m", "iprx", *args],
                env=dict(os.environ) | admin,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
        assert "grants in place" in done.stdout and " of " in done.stdout
        yield env
    finally:
        broker.stop()


def options(env: dict[str, str], user: str) -> dict:
    settings = load_settings(env=env | {"IPRX_KAFKA_SASL_USERNAME": user, "IPRX_KAFKA_SASL_PASSWORD": USERS[user]})
    return kafka_python_options(settings.kafka)


def write(env: dict[str, str], user: str, topic: str) -> str:
    """'ok' if ``user`` could write to ``topic``, else 'refused'."""
    return try_write(
        load_settings(env=env | {"IPRX_KAFKA_SASL_USERNAME": user, "IPRX_KAFKA_SASL_PASSWORD": USERS[user]}).kafka,
        f"iprx.{topic}",
    )


@pytest.mark.parametrize(
    ("user", "topic", "expected"),
    [
        ("gacc", "seizure", "ok"),  # its own family
        ("ncac", "inspection", "ok"),
        ("ncac", "seizure", "refused"),  # a copyright administration publishing customs seizures
        ("gacc", "inspection", "refused"),
        ("gacc", "signals", "refused"),  # a member forging signals
        ("ncac", "cooperation.outbound", "refused"),
        ("gacc", "deadletter", "ok"),  # publishers dead-letter what they refuse
        ("iprx-worker", "signals", "ok"),
        ("iprx-worker", "seizure", "refused"),  # the exchange does not publish members' events
        ("iprx-sink", "seizure", "refused"),  # the sink only reads
    ],
)
def test_each_principal_may_write_only_what_its_role_needs(secured, user, topic, expected):
    assert write(secured, user, topic) == expected


def test_only_the_sink_and_the_worker_read_and_only_with_their_own_groups(secured):
    def read(user: str, group: str) -> str:
        consumer = KafkaConsumer(
            "iprx.seizure", **options(secured, user), group_id=group, auto_offset_reset="earliest",
            enable_auto_commit=False, consumer_timeout_ms=8_000,
        )  # fmt: skip
        try:
            return "ok" if list(consumer) else "nothing read"
        except KafkaError as exc:
            return type(exc).__name__
        finally:
            consumer.close()

    write(secured, "gacc", "seizure")
    assert read("iprx-sink", "iprx-sink") == "ok"
    assert read("iprx-worker", "iprx-worker") == "ok"
    assert read("gacc", "iprx-sink") == "GroupAuthorizationFailedError"  # a member reading others' events
    assert read("gacc", "gacc") == "GroupAuthorizationFailedError"
    assert read("iprx-sink", "someone-elses-group") == "GroupAuthorizationFailedError"
