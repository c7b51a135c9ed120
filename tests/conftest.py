"""Shared fixtures. Integration tests run on a real Kafka broker and the real ClickHouse engine (chDB).

The broker is the project's own (deploy/kafka/kafka.sh) on test ports 19092/19093 with its data under
.iprx/test-kafka, started once per session and stopped afterwards if this session started it.
Set IPRX_TEST_BOOTSTRAP_SERVERS to use another cluster instead.

Tests that need a Confluent-compatible schema registry get one from the `schema_registry_url` fixture:
the vendored Karapace of tests/tools/schema-registry on 127.0.0.1:$IPRX_TEST_SCHEMA_REGISTRY_PORT
(default 18081) next to the test broker, or IPRX_TEST_SCHEMA_REGISTRY_URL if set. A registry that
cannot be started fails those tests; IPRX_TEST_SKIP_SCHEMA_REGISTRY=1 skips them instead, saying why.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from iprx.kernel.config import Settings, load_settings
from iprx.pipeline import local_kafka

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    external = os.environ.get("IPRX_TEST_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    port = int(os.environ.get("IPRX_TEST_KAFKA_PORT", "19092"))
    broker = load_settings(
        env={
            "IPRX_DATA_DIR": str(REPO / ".iprx" / "test"),
            "IPRX_KAFKA_LOCAL_PORT": str(port),
            "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(port + 1),
        }
    )
    already_running = local_kafka.run(broker, "status", check=False) == 0
    local_kafka.run(broker, "up")
    yield f"127.0.0.1:{port}"
    if not already_running:
        local_kafka.run(broker, "down", check=False)


REGISTRY_TOOL = REPO / "tests" / "tools" / "schema-registry"


@pytest.fixture(scope="session")
def schema_registry_url(request: pytest.FixtureRequest) -> str:
    """URL of a Confluent-compatible schema registry for this session, started here if need be."""
    external = os.environ.get("IPRX_TEST_SCHEMA_REGISTRY_URL")
    if external:
        yield external
        return
    if os.environ.get("IPRX_TEST_SKIP_SCHEMA_REGISTRY") == "1":
        pytest.skip("IPRX_TEST_SKIP_SCHEMA_REGISTRY=1: the schema registry tests were opted out")
    kafka_bootstrap = request.getfixturevalue("kafka_bootstrap")  # only now: an opt-out needs no broker
    port = os.environ.get("IPRX_TEST_SCHEMA_REGISTRY_PORT", "18081")
    state = REPO / ".iprx" / "test" / f"schema-registry-{port}"
    started = subprocess.run(
        [str(REGISTRY_TOOL / "start.sh"), port, kafka_bootstrap, str(state)],
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        # Fail, not skip: CI must not pass without having run them (opt out explicitly, see above).
        pytest.fail(
            f"could not start the test schema registry ({REGISTRY_TOOL / 'start.sh'} exited "
            f"{started.returncode}):\n{started.stderr.strip()}\n"
            "set IPRX_TEST_SKIP_SCHEMA_REGISTRY=1 to skip the tests that need it",
            pytrace=False,
        )
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(REGISTRY_TOOL / "stop.sh"), str(state)], check=False)


class PipelineEnv:
    """An isolated pipeline on the shared broker: own topic prefix, group ids and chDB store."""

    def __init__(self, bootstrap: str, data_dir: Path) -> None:
        run = uuid.uuid4().hex[:8]
        self.env = {
            "IPRX_DATA_DIR": str(data_dir),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "IPRX_KAFKA_TOPIC_PREFIX": f"test-{run}.",
            "IPRX_WORKER_GROUP_ID": f"test-{run}-worker",
            "IPRX_SINK_GROUP_ID": f"test-{run}-sink",
            "IPRX_SINK_BATCH_TIMEOUT_MS": "200",
            # Tests publish as made-up members; tests/integration/test_members_enforced.py turns this on.
            "IPRX_MEMBERS_ENFORCE": "false",
        }
        self.data_dir = data_dir

    def settings(self, **overrides: str) -> Settings:
        return load_settings(env=self.env | overrides)

    def process_env(self, **overrides: str) -> dict[str, str]:
        return dict(os.environ) | self.env | overrides


@pytest.fixture
def pipeline_env(kafka_bootstrap: str, tmp_path: Path) -> PipelineEnv:
    from iprx.kernel.kafka_admin import create_topics

    env = PipelineEnv(kafka_bootstrap, tmp_path)
    create_topics(env.settings())
    return env
