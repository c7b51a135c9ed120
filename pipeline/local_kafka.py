"""Drives deploy/kafka/kafka.sh: the real Apache Kafka broker run on this machine without Docker."""

from __future__ import annotations

import os
import subprocess
from importlib.resources import files
from pathlib import Path

from iprx.kernel.config import Settings

SCRIPT = Path(str(files("iprx.deploy"))) / "kafka" / "kafka.sh"  # package data: works from a wheel too


class LocalKafkaError(RuntimeError):
    pass


def is_local(settings: Settings) -> bool:
    """True if the configured bootstrap servers are the broker that `iprx kafka up` runs."""
    port = settings.kafka.local_port
    return settings.kafka.bootstrap_servers.strip() in {f"127.0.0.1:{port}", f"localhost:{port}"}


def run(settings: Settings, action: str, check: bool = True) -> int:
    """Run ``kafka.sh ACTION`` (up, down, status, reset) with this configuration's ports and data dir."""
    if not SCRIPT.is_file():
        raise LocalKafkaError(f"{SCRIPT} not found: this installation of ipr-exchange lacks its deploy files")
    env = os.environ | {
        "IPRX_KAFKA_DATA": str(Path(settings.data_dir) / "kafka"),
        "IPRX_KAFKA_PORT": str(settings.kafka.local_port),
        "IPRX_KAFKA_CONTROLLER_PORT": str(settings.kafka.local_controller_port),
    }
    code = subprocess.call(["bash", str(SCRIPT), action], env=env)
    if check and code != 0:
        raise LocalKafkaError(f"`kafka.sh {action}` failed (exit {code}); see the lines above")
    return code
