"""The worker's /metrics: the pipeline's own counters and Faust's sensors, from a real run."""

from __future__ import annotations

import socket
import urllib.request
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from iprx import topics
from iprx.supervise import Child, wait_until_caught_up
from producers import Publisher
from producers.synthetic import seizures
from stream_processors.ruleset import load_ruleset

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_worker_exposes_its_counters_and_fausts_sensors(pipeline_env):
    settings = pipeline_env.settings()
    records = list(seizures(seed=3, count=40))
    port = free_port()
    worker = Child(
        "worker", ["worker"], pipeline_env.data_dir, pipeline_env.process_env(IPRX_WORKER_METRICS_PORT=str(port))
    )
    try:
        with Publisher(settings) as publisher:
            for record in records:
                publisher.publish("seizure", record)
        group = [(settings.worker.group_id, [settings.topic(topics.SEIZURE.name)])]
        wait_until_caught_up(settings, group, [worker], timeout_s=120)
        metrics = scrape(port)
    finally:
        worker.stop()
    assert metrics[("iprx_worker_events_total", (("family", "seizure"),))] == len(records)
    significant = sum(
        v
        for (name, labels), v in metrics.items()
        if name == "iprx_worker_signals_total" and ("rule", "seizure.significant") in labels
    )
    threshold = Decimal(load_ruleset(None).rules["seizure.significant"]["min_value_cny"])
    assert significant == sum(1 for r in records if r["estimated_value_cny"] >= threshold) > 0
    # the synthetic seizures happened in the past: the newest one consumed is behind the wall clock
    assert metrics[("iprx_worker_event_time_lag_seconds", (("family", "seizure"),))] > 0
    assert metrics[("iprx_faust_messages_received_total", ())] >= len(records)
