"""Signals do not depend on when events arrive, on the real worker and broker: the simulate ground
truth of a year-old backfill, published family by family in reverse order, with pauses of many
deadline sweeps and a worker restart in between, and closed by `iprx watermark`, lands exactly.

(The in-process twin, tests/unit/test_event_time_determinism.py, covers more deliveries; this one
shows the worker's agents, sweep and watermark path do what the in-process replay assumes.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from iprx.pipeline.supervise import pipeline_groups, wait_until_caught_up
from iprx.schemas import SingleObjectCodec
from iprx.simulation import minimum_count, simulate
from iprx.stream_processors.signals import SIGNAL_SCHEMA
from kafka import KafkaConsumer, TopicPartition

from tests.integration.test_rules_pipeline import assert_exactly, landed_signals, publish, sink, workers
from tests.unit.test_event_time_determinism import published

pytestmark = pytest.mark.integration
PAUSE_S = 5  # five deadline sweeps (test workers sweep every second)


def test_a_year_old_backfill_in_reverse_family_order_with_pauses_and_a_restart(pipeline_env):
    settings = pipeline_env.settings()
    sim = simulate(8, minimum_count() + 60, datetime.now(UTC) - timedelta(days=365))
    groups = published(sim, "reversed-families")
    assert len(groups) == 5  # every family, each on its own
    worker, sink_child = workers(pipeline_env, "worker")[0], sink(pipeline_env)
    children = [worker, sink_child]
    try:
        for n, group in enumerate(groups):
            publish(settings, group)
            wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
            time.sleep(PAUSE_S)  # the sweep runs, idle: a backfill must not be ticked
            if n == 2:
                worker.stop()  # a restart loses the event-time clocks, keeps the tables
                worker = workers(pipeline_env, "worker-restarted")[0]
                children = [worker, sink_child]
        # Before the watermark only what event time has reached may have fired: nothing of the truth
        # is extra, and the deadlines after the last events are still open.
        early = landed_ids_now(pipeline_env)
        run = subprocess.run(
            [sys.executable, "-m", "iprx", "watermark", "--timeout", "180"],
            env=pipeline_env.process_env(),
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "settled at" in run.stdout
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)
    assert_exactly(got, sim.expected)
    assert early < set(got)  # the watermark closed what the data never reached


def landed_ids_now(pipeline_env) -> set[str]:
    """Signal ids on the signals topic (the sink holds the store while it runs)."""
    settings = pipeline_env.settings()
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, consumer_timeout_ms=1000)
    topic = settings.topic("signals")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()])
    consumer.seek_to_beginning()
    codec = SingleObjectCodec()
    ids = {str(codec.decode(m.value, expect=SIGNAL_SCHEMA)[1]["signal_id"]) for m in consumer}
    consumer.close()
    return ids
