"""`iprx monitoring up` runs the real Prometheus against a running sink and worker: the targets are up under
their consumer groups, the recording rules evaluate over their metrics (the worker's lag from Faust's own
offset gauges), every Grafana panel's query returns data, and `iprx monitoring down` stops it by PID."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import pytest
from iprx.pipeline import dashboards
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.pipeline.watermark import settle
from iprx.producers import Publisher
from iprx.simulation import minimum_count, simulate
from iprx.simulation.synthetic import seizures

from tests.integration.test_rules_pipeline import publish, publish_garbage
from tests.local_http import free_low_ports

pytestmark = pytest.mark.integration
COUNT = 50


def query(port: int, promql: str) -> list[dict]:
    """The instant vector Prometheus's HTTP API returns for ``promql``."""
    address = f"http://127.0.0.1:{port}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    body = json.loads(urllib.request.urlopen(address, timeout=5).read())
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_for(port: int, promql: str, timeout_s: float = 60.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while not (result := query(port, promql)):
        assert time.monotonic() < deadline, f"no result for {promql} within {timeout_s:.0f}s"
        time.sleep(0.5)
    return result


def iprx(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iprx", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def finite(result: list[dict]) -> bool:
    return any(math.isfinite(float(sample["value"][1])) for sample in result)


def test_monitoring_up_scrapes_sink_and_worker_and_evaluates_the_rules(pipeline_env):
    settings = pipeline_env.settings()
    with Publisher(settings) as publisher:
        for record in seizures(11, COUNT):
            publisher.publish("seizure", record)
    publish(settings, simulate(3, minimum_count(), datetime.now(UTC)).planned)  # every family and rule
    publish_garbage(settings)  # a dead letter
    sink_port, worker_port, free_prometheus_port = free_low_ports(3)
    prometheus_port = int(os.environ.get("IPRX_TEST_PROMETHEUS_PORT") or free_prometheus_port)
    env = pipeline_env.process_env(
        IPRX_SINK_METRICS_PORT=str(sink_port),
        IPRX_WORKER_METRICS_PORT=str(worker_port),
        IPRX_MONITORING_PORT=str(prometheus_port),
        IPRX_MONITORING_SCRAPE_INTERVAL_S="1",
    )
    children = [Child(name, [name], pipeline_env.data_dir, env) for name in ("worker", "sink")]
    try:
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
        started = iprx(env, "monitoring", "up")
        assert started.returncode == 0, started.stderr
        pid = int((pipeline_env.data_dir / "prometheus" / "prometheus.pid").read_text())
        try:
            assert iprx(env, "monitoring", "status").returncode == 0
            (target,) = wait_for(prometheus_port, 'up{job="iprx-sink"} == 1')
            assert target["metric"]["instance"] == f"127.0.0.1:{sink_port}"
            assert target["metric"]["group"] == settings.sink.group_id
            # Recording rules over the sink's own series: rows landed per table, and lag per consumer group.
            (rows,) = wait_for(prometheus_port, 'table:iprx_sink_rows_inserted:rate5m{table="seizures"}')
            assert float(rows["value"][1]) >= 0
            (lag,) = wait_for(prometheus_port, f'group:iprx_consumer_lag:sum{{group="{settings.sink.group_id}"}}')
            assert float(lag["value"][1]) == 0  # it has caught up
            (worker,) = wait_for(prometheus_port, 'up{job="iprx-worker"} == 1')
            assert worker["metric"]["group"] == settings.worker.group_id
            (lag,) = wait_for(prometheus_port, f'group:iprx_consumer_lag:sum{{group="{settings.worker.group_id}"}}')
            assert float(lag["value"][1]) == 0
            (events,) = wait_for(prometheus_port, 'family:iprx_worker_events:rate5m{family="seizure"}')
            assert float(events["value"][1]) >= 0
            # The member's freshness against its cadence from the registry, from the worker's own series.
            member = '{publisher="CN/GOV/GACC/seizures"}'
            (cadence,) = wait_for(prometheus_port, f"publisher:iprx_member_expected_cadence_seconds:max{member}")
            assert float(cadence["value"][1]) == 24 * 3600
            (silence,) = wait_for(prometheus_port, f"publisher:iprx_worker_publisher_silence_seconds:min{member}")
            assert 0 <= float(silence["value"][1]) < 600  # it has just published: not silent
            # `iprx produce` is not running: its job is configured and down.
            (publisher,) = wait_for(prometheus_port, 'up{job="iprx-publisher"} == 0')
            # Every Grafana panel has data: more events while Prometheus watches, so that rates and the
            # sink's batch latency have samples in their windows, then each panel's query.
            with Publisher(settings) as publisher:
                for record in seizures(12, COUNT):
                    publisher.publish("seizure", record)
            settle(settings, children=children, timeout_s=180)
            time.sleep(3)  # three scrapes after the last batch
            empty = []
            for promql in dashboards.queries():
                deadline = time.monotonic() + 30
                while not finite(query(prometheus_port, promql)) and time.monotonic() < deadline:
                    time.sleep(1)
                if not finite(query(prometheus_port, promql)):
                    empty.append(promql)
            assert empty == [], f"dead panels: {empty}"
            # `iprx status` reads each rule's event time from the same worker's metrics endpoint.
            shown = iprx(env, "status", "--json")
            assert shown.returncode == 0, shown.stderr
            status = json.loads(shown.stdout)
            assert status["event_time_source"] == f"http://127.0.0.1:{worker_port}/metrics"
            assert {m["metric"]["rule"] for m in query(prometheus_port, "iprx_worker_event_time_seconds")} == set(
                status["event_time"]
            )
            assert len(status["event_time"]) == 6  # every stateful rule had events and a watermark
        finally:
            stopped = iprx(env, "monitoring", "down")
        assert stopped.returncode == 0, stopped.stderr
        assert f"pid {pid}" in stopped.stdout
        assert iprx(env, "monitoring", "status").returncode == 3
        assert not running(pid)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", prometheus_port), timeout=2).close()
    finally:
        for child in children:
            child.stop()


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (the orphaned Prometheus is reaped by init, or not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}
    except OSError:
        return False
