"""Shared fixtures. Integration tests run on a real Kafka broker and the real ClickHouse engine (chDB).

The broker is the project's own (deploy/kafka/kafka.sh) on test ports 19092/19093 with its data under
.iprx/test-kafka, started once per session and stopped afterwards if this session started it.
Set IPRX_TEST_BOOTSTRAP_SERVERS to use another cluster instead.
"""

from __future__ import annotations

import os
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
