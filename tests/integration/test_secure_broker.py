"""`iprx kafka up --secure`: the project's own broker with TLS from a local CA, SCRAM users and the member
registry's ACLs. Plain connections get nowhere, TLS ones authenticate, and the broker refuses what a
principal's role does not allow."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import tomllib

import pytest
from iprx.kernel.config import load_settings
from iprx.kernel.kafka_admin import KafkaUnavailable, admin_client

from tests.local_http import free_low_ports
from tests.trust import ACL_REGISTRY, try_write

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    directory = tmp_path_factory.mktemp("secure-kafka")
    port, controller_port = free_low_ports(2)
    (directory / "members.toml").write_text(ACL_REGISTRY)
    env = dict(os.environ) | {
        "IPRX_DATA_DIR": str(directory),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "IPRX_KAFKA_LOCAL_PORT": str(port),
        "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(controller_port),
        "IPRX_MEMBERS_FILE": str(directory / "members.toml"),
    }

    def iprx(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "iprx", *args], env=env, capture_output=True, text=True, timeout=300
        )

    up = iprx("kafka", "up", "--secure")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        secured = directory / "kafka" / "secure"
        users = tomllib.loads((secured / "users.toml").read_text())
        assert up.stdout.count(users["admin"]) == 0 and up.stderr.count(users["admin"]) == 0  # never printed
        assert (secured / "users.toml").stat().st_mode & 0o777 == 0o600
        yield port, secured, users, env
    finally:
        iprx("kafka", "down")


def client_env(secured, users, port: int, user: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "IPRX_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "IPRX_KAFKA_SASL_USERNAME": user,
        "IPRX_KAFKA_SASL_PASSWORD": users[user],
        "IPRX_KAFKA_SSL_CAFILE": str(secured / "ca.pem"),
    }


def test_the_listener_speaks_tls_with_a_certificate_of_the_local_ca_for_127_0_0_1(secure):
    port, secured, _, _ = secure
    context = ssl.create_default_context(cafile=str(secured / "ca.pem"))  # verifies the chain and the IP
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    untrusting = ssl.create_default_context()  # the system's CAs do not know the local one
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, pytest.raises(ssl.SSLError):
        untrusting.wrap_socket(raw, server_hostname="127.0.0.1")


def test_a_plaintext_client_gets_nowhere(secure):
    port, _, _, _ = secure
    plain = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}"})
    with pytest.raises(KafkaUnavailable):
        admin_client(plain, timeout_s=5)


def write(secure, user: str, topic: str) -> str:
    port, secured, users, _ = secure
    return try_write(load_settings(env=client_env(secured, users, port, user)).kafka, f"iprx.{topic}")


@pytest.mark.parametrize(
    ("user", "topic", "expected"),
    [
        ("gacc", "seizure", "ok"),
        ("ncac", "inspection", "ok"),
        ("ncac", "seizure", "refused"),  # a member outside its families, refused by the broker itself
        ("gacc", "signals", "refused"),
        ("iprx-sink", "seizure", "refused"),
    ],
)
def test_the_registry_acls_are_in_force(secure, user, topic, expected):
    assert write(secure, user, topic) == expected


def test_the_pipeline_runs_on_the_secure_broker_each_process_as_its_own_principal(secure, tmp_path):
    """Publisher as gacc, worker as iprx-worker, sink as iprx-sink: TLS and SCRAM for every client library
    (kafka-python and aiokafka), and the registry's ACLs are all they need."""
    from decimal import Decimal

    from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
    from iprx.producers import Publisher
    from iprx.simulation.synthetic import seizures
    from iprx.sinks.clickhouse.store import Store

    port, secured, users, env = secure
    base = {"IPRX_DATA_DIR": str(tmp_path), "IPRX_MEMBERS_FILE": env["IPRX_MEMBERS_FILE"]}
    as_admin = load_settings(env=base | client_env(secured, users, port, "admin"))
    record = next(seizures(90, 1))
    record["estimated_value_cny"] = Decimal("2500000.00")
    with Publisher(load_settings(env=base | client_env(secured, users, port, "gacc"))) as publisher:
        publisher.publish("seizure", record)
    children = [
        Child(name, [name], tmp_path, dict(os.environ) | base | client_env(secured, users, port, f"iprx-{name}"))
        for name in ("worker", "sink")
    ]
    try:
        wait_until_caught_up(as_admin, pipeline_groups(as_admin), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()
    with Store(as_admin, "test") as store:
        q = store.client.query
        assert q("SELECT seizure_id FROM iprx.seizures").result_rows == [(record["seizure_id"],)]
        assert q("SELECT count() FROM iprx.signals WHERE rule_id = 'seizure.significant'").result_rows == [(1,)]
