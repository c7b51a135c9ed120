"""The worker's /metrics: the pipeline's own counters and Faust's sensors, from a real run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from iprx.kernel import topics
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.stream_processors.ruleset import load_ruleset

from tests.local_http import free_port, scrape

pytestmark = pytest.mark.integration


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
