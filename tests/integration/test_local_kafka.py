"""`iprx kafka up | status | down` on its own broker (two free ports): reuse, health, clean stop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.local_http import free_ports

pytestmark = pytest.mark.integration


def iprx(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iprx", *args], env=env, capture_output=True, text=True, timeout=120)


def test_up_twice_reuses_the_broker_and_down_leaves_no_process(tmp_path):
    port, controller_port = free_ports(2)  # not a fixed pair: another broker may hold it on a shared machine
    env = dict(os.environ) | {
        "IPRX_DATA_DIR": str(tmp_path),
        "IPRX_KAFKA_LOCAL_PORT": str(port),
        "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(controller_port),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
    }
    pid_file = tmp_path / "kafka" / "kafka.pid"
    try:
        first = iprx(env, "kafka", "up")
        assert first.returncode == 0, first.stderr
        pid = int(pid_file.read_text())
        assert Path(f"/proc/{pid}").exists()

        again = iprx(env, "kafka", "up")
        assert again.returncode == 0, again.stderr
        assert int(pid_file.read_text()) == pid  # reused, not a second broker

        status = iprx(env, "kafka", "status")
        assert status.returncode == 0
        assert f"pid {pid}" in status.stdout and f"127.0.0.1:{port}" in status.stdout

        topics = iprx(env, "topics", "create")  # a real client request against it
        assert topics.returncode == 0, topics.stderr
        assert "iprx.seizure: created" in topics.stdout
        assert "iprx.seizure: exists" in iprx(env, "topics", "create").stdout
    finally:
        down = iprx(env, "kafka", "down")
    assert down.returncode == 0, down.stderr
    assert not pid_file.exists()
    state = Path(f"/proc/{pid}/stat")
    # Gone, or at most a zombie waiting to be reaped by init: no running broker either way.
    assert not state.exists() or state.read_text().split()[2] == "Z"
    assert iprx(env, "kafka", "status").returncode == 3


def test_unreachable_cluster_is_one_clear_line(tmp_path):
    env = dict(os.environ) | {"IPRX_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}
    result = iprx(env, "topics", "create")
    assert result.returncode == 2
    assert result.stderr.startswith("error: no Kafka broker answered at 127.0.0.1:9")
    assert "Traceback" not in result.stderr
