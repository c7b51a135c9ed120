"""A wrong SASL password is reported as refused credentials, not as a missing broker, and without a traceback.

Runs against a real broker with a SASL_PLAINTEXT listener and SCRAM-SHA-256 users (tests/sasl_broker.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from iprx.producers.adapters.seizure_csv import write_csv
from iprx.simulation.synthetic import seizures

from tests.local_http import free_low_ports
from tests.sasl_broker import MECHANISM, PASSWORD, USER, SaslBroker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sasl_bootstrap(tmp_path_factory):
    port, controller_port = free_low_ports(2)
    broker = SaslBroker(tmp_path_factory.mktemp("sasl-kafka"), port, controller_port)
    broker.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        broker.stop()


def iprx(bootstrap: str, password: str, data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | {
        "IPRX_DATA_DIR": str(data_dir),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "IPRX_KAFKA_SASL_MECHANISM": MECHANISM,
        "IPRX_KAFKA_SASL_USERNAME": USER,
        "IPRX_KAFKA_SASL_PASSWORD": password,
    }
    return subprocess.run([sys.executable, "-m", "iprx", *args], env=env, capture_output=True, text=True, timeout=180)


def refused(result: subprocess.CompletedProcess[str], bootstrap: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: the Kafka broker at {bootstrap} refused the credentials of user 'iprx'")
    assert "invalid credentials" in result.stderr  # the broker's own reason
    assert "no Kafka broker answered" not in result.stderr and "iprx kafka up" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "wrong-secret" not in result.stderr + result.stdout  # the password is never printed


def test_wrong_password_is_an_authentication_failure_for_admin_and_produce(sasl_bootstrap, tmp_path):
    ok = iprx(sasl_bootstrap, PASSWORD, tmp_path, "topics", "create")
    assert ok.returncode == 0, ok.stderr  # the broker and the right credentials work

    refused(iprx(sasl_bootstrap, "wrong-secret", tmp_path, "topics", "create"), sasl_bootstrap)

    path = tmp_path / "seizures.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(list(seizures(3, 5)), f)
    refused(iprx(sasl_bootstrap, "wrong-secret", tmp_path, "produce", "seizures", str(path)), sasl_bootstrap)
    published = iprx(sasl_bootstrap, PASSWORD, tmp_path, "produce", "seizures", str(path))
    # Exit 1 only means some rows were rejected on their content; what matters here is that it connected.
    assert published.returncode in (0, 1), published.stderr
    assert int(re.search(r"published: (\d+)", published.stdout).group(1)) > 0, published.stdout


@pytest.mark.parametrize("service", ["worker", "sink"])
def test_wrong_password_stops_the_worker_and_the_sink_with_an_authentication_failure(sasl_bootstrap, tmp_path, service):
    refused(iprx(sasl_bootstrap, "wrong-secret", tmp_path, service), sasl_bootstrap)
