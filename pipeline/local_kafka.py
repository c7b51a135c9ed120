"""Drives deploy/kafka/kafka.sh: the real Apache Kafka broker run on this machine without Docker."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from iprx.kernel.config import Settings

SCRIPT = Path(str(files("iprx.deploy"))) / "kafka" / "kafka.sh"  # package data: works from a wheel too
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


class LocalKafkaError(RuntimeError):
    pass


def is_local(settings: Settings) -> bool:
    """True if the configured bootstrap servers are the broker that `iprx kafka up` runs."""
    port = settings.kafka.local_port
    return settings.kafka.bootstrap_servers.strip() in {f"127.0.0.1:{port}", f"localhost:{port}"}


def ephemeral_range(path: Path = EPHEMERAL_RANGE) -> tuple[int, int] | None:
    """The ports the kernel hands out to outgoing connections (Linux), or None where that is unknown."""
    try:
        low, high = (int(n) for n in path.read_text().split())
    except (OSError, ValueError):
        return None
    return low, high


def ephemeral_port_warning(settings: Settings, path: Path = EPHEMERAL_RANGE) -> str | None:
    """Why the broker's ports are a risk, if they are: inside the ephemeral range a client's own outgoing
    (reconnect) socket can take the port while the broker is down, and the broker then cannot start."""
    span = ephemeral_range(path)
    if span is None:
        return None
    low, high = span
    inside = [p for p in (settings.kafka.local_port, settings.kafka.local_controller_port) if low <= p <= high]
    if not inside:
        return None
    suggestion = (9092, 9093)  # the defaults
    if any(low <= p <= high for p in suggestion):
        suggestion = (low - 2, low - 1)
    return (
        f"warning: port(s) {', '.join(map(str, inside))} lie in this machine's ephemeral port range {low}-{high} "
        f"({path}): a client's own outgoing socket can take one while the broker is down. Choose ports outside "
        f"it, e.g. IPRX_KAFKA_LOCAL_PORT={suggestion[0]} IPRX_KAFKA_LOCAL_CONTROLLER_PORT={suggestion[1]}"
    )


def secure_dir(settings: Settings) -> Path:
    """Where `iprx kafka up --secure` keeps the local CA, the broker's certificate and the SCRAM users."""
    return Path(settings.data_dir) / "kafka" / "secure"


def run(settings: Settings, action: str, check: bool = True, secure: bool = False) -> int:
    """Run ``kafka.sh ACTION`` (up, down, status, reset) with this configuration's ports and data dir.

    ``secure`` (with ``up``): TLS, SCRAM and an authorizer, from :func:`secure_dir` (see
    ``kernel/local_security.py``, which makes what it holds)."""
    if action == "up" and (warning := ephemeral_port_warning(settings)):
        print(warning, file=sys.stderr)
    if not SCRIPT.is_file():
        raise LocalKafkaError(f"{SCRIPT} not found: this installation of ipr-exchange lacks its deploy files")
    env = os.environ | {
        "IPRX_KAFKA_DATA": str(Path(settings.data_dir) / "kafka"),
        "IPRX_KAFKA_PORT": str(settings.kafka.local_port),
        "IPRX_KAFKA_CONTROLLER_PORT": str(settings.kafka.local_controller_port),
        "IPRX_KAFKA_SECURE_DIR": str(secure_dir(settings)) if secure else "",
    }
    code = subprocess.call(["bash", str(SCRIPT), action], env=env)
    if check and code != 0:
        raise LocalKafkaError(f"`kafka.sh {action}` failed (exit {code}); see the lines above")
    return code
