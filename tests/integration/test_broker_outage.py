"""The broker goes away for a while (issue 13, item 11) under a running worker and sink and a waiting simulate.

On its own broker (two free ports below the ephemeral range, stopped and started by PID through
kafka.sh), so that the outage disturbs no other test. Measured: the log lines the worker and the sink
write during the outage (bounded by the repeat limiter: the first line of each kind, then a summary per
minute), that both live through it, and that `iprx simulate` waiting between its phases keeps retrying
and finishes once the broker is back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from iprx.kernel.config import load_settings
from iprx.kernel.kafka_admin import create_topics
from iprx.pipeline import local_kafka
from iprx.pipeline.supervise import Child

from tests.local_http import free_low_ports

pytestmark = pytest.mark.integration
OUTAGE_S = 25
MAX_LINES = 200  # per process during the outage; without the limiter: 3,686 worker lines in a 70 s outage


def lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def wait_for(what: str, found, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not found():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_broker_outage_is_logged_briefly_and_survived(tmp_path, monkeypatch):
    monkeypatch.setenv("IPRX_KAFKA_START_TIMEOUT", "240")  # kafka.sh's; a loaded CI machine starts it slowly
    port, controller_port = free_low_ports(2)
    base = {
        "IPRX_DATA_DIR": str(tmp_path),
        "IPRX_KAFKA_LOCAL_PORT": str(port),
        "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(controller_port),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "IPRX_SINK_BATCH_TIMEOUT_MS": "200",
    }
    running = base | {"IPRX_KAFKA_TOPIC_PREFIX": "run.", "IPRX_WORKER_GROUP_ID": "run-w", "IPRX_SINK_GROUP_ID": "run-s"}
    waiting = base | {"IPRX_KAFKA_TOPIC_PREFIX": "sim.", "IPRX_WORKER_GROUP_ID": "sim-w", "IPRX_SINK_GROUP_ID": "sim-s"}
    broker = load_settings(env=base)
    local_kafka.run(broker, "up")
    children: list[Child] = []
    simulate = None
    try:
        for env in (running, waiting):
            create_topics(load_settings(env=env))
        worker = Child("worker", ["worker"], tmp_path, dict(os.environ) | running)
        sink = Child("sink", ["sink"], tmp_path, dict(os.environ) | running)
        children += [worker, sink]
        wait_for("the sink's partitions", lambda: "partitions assigned" in sink.log_path.read_text(errors="replace"))
        wait_for("the worker", lambda: "Ready" in worker.log_path.read_text(errors="replace"))

        # A simulate whose worker group has no member yet: it waits between its phases through the outage.
        sim_out = tmp_path / "simulate.out"
        with open(sim_out, "wb") as out:
            simulate = subprocess.Popen(
                [sys.executable, "-m", "iprx", "simulate", "--count", "300", "--truth", str(tmp_path / "t.jsonl")],
                env=dict(os.environ) | waiting,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for("simulate's wait", lambda: "waiting for worker group" in sim_out.read_text(errors="replace"))

        before = {c.name: lines(c.log_path) for c in children}
        local_kafka.run(broker, "down")
        down_at = time.monotonic()
        time.sleep(OUTAGE_S)
        local_kafka.run(broker, "up")  # takes a while too: the outage lasts until it answers
        outage_s = time.monotonic() - down_at
        during = {c.name: lines(c.log_path) - before[c.name] for c in children}
        print(f"\nlog lines written during a {outage_s:.0f} s broker outage: {during}")

        for child in children:
            child.check_alive()
        assert simulate.poll() is None, sim_out.read_text()
        children.append(Child("worker-sim", ["worker"], tmp_path, dict(os.environ) | waiting))
        assert simulate.wait(timeout=300) == 0, sim_out.read_text()
    finally:
        if simulate is not None and simulate.poll() is None:
            simulate.kill()
            simulate.wait()
        for child in children:
            child.stop()
        local_kafka.run(broker, "down", check=False)
    said = sim_out.read_text()
    assert "is unreachable; retrying until the deadline" in said and "answers again after" in said, said
    assert all(n <= MAX_LINES for n in during.values()), during
