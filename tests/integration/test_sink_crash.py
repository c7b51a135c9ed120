"""SIGKILL of the sink, at the worst moment and at random moments: every record lands exactly once."""

from __future__ import annotations

import random
import signal
import time

import pytest
from iprx.kernel import topics
from iprx.kernel.kafka_admin import group_lag
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store

from tests.clickhouse_events import migrate_without_merges

pytestmark = pytest.mark.integration
COUNT = 6000


def test_sink_killed_repeatedly_lands_every_record_exactly_once(pipeline_env):
    settings = pipeline_env.settings()
    migrate_without_merges(settings)
    with Publisher(settings) as publisher:
        for record in seizures(31337, COUNT):
            publisher.publish("seizure", record)
    groups = [(settings.sink.group_id, [settings.topic(t.name) for t in (topics.SEIZURE,)])]
    # Small batches: many commits to kill between. A short session: a killed member is noticed quickly.
    small_batches = {"IPRX_SINK_BATCH_SIZE": "200", "IPRX_SINK_SESSION_TIMEOUT_MS": "6000"}

    def lag() -> int:
        return sum(group_lag(settings, settings.sink.group_id, groups[0][1]).values())

    # 1. Killed right after a batch is in ClickHouse and before its offsets are committed, three times.
    for round_ in range(3):
        env = pipeline_env.process_env(**small_batches, IPRX_SINK_KILL_AFTER_BATCHES=str(2 + round_))
        child = Child(f"sink-failpoint-{round_}", ["sink"], pipeline_env.data_dir, env)
        assert child.proc.wait(timeout=120) == -signal.SIGKILL

    # 2. Killed at random moments while it works.
    rng = random.Random(5)
    for round_ in range(3):
        child = Child(
            f"sink-random-{round_}", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**small_batches)
        )
        time.sleep(rng.uniform(2.0, 4.0))
        child.proc.send_signal(signal.SIGKILL)
        child.stop()

    behind = sum(group_lag(settings, settings.sink.group_id, groups[0][1]).values())
    assert 0 < behind < COUNT, "the kills should have left the sink partway through"

    # 3. A clean restart drains the backlog by itself.
    child = Child("sink-final", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**small_batches))
    try:
        wait_until_caught_up(settings, groups, [child], timeout_s=180)
    finally:
        child.stop()

    with Store(settings, "test") as store:
        rows, unique = store.client.query("SELECT count(), uniqExact(event_id) FROM iprx.seizures").result_rows[0]
    assert (rows, unique) == (COUNT, COUNT)  # no FINAL: nothing lost, nothing doubled
