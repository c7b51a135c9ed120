"""A sink that cannot become a stable group member is noticed, rejoins, is logged, measured, stopped, and heals
on restart.

The stall is real: a member of the sink's group (a kafka-python consumer here) that stops polling holds
every rebalance open until its rebalance timeout, so a sink joining meanwhile stays unassigned with
the group's lag stuck, as in the hang of issue 13, item 5. Rejoining as a new member cannot help
against that cause, so the sink tries it every REJOIN_S and then exits 3 at STALL_S.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from iprx.kernel import topics
from iprx.kernel.kafka_admin import group_lag
from iprx.kernel.kafka_clients import kafka_python_options
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store
from iprx.sinks.watchdog import EXIT_STALLED
from kafka import KafkaConsumer

from tests.local_http import free_low_ports, scrape

pytestmark = pytest.mark.integration
COUNT = 500
STALL_S = 12
REJOIN_S = 4


def unhealthy_seconds(port: int) -> float:
    return scrape(port)[("iprx_sink_consumer_unhealthy_seconds", ())]


def test_unassigned_sink_is_noticed_and_exits_3_then_a_restart_lands_everything(pipeline_env):
    settings = pipeline_env.settings()
    names = [settings.topic(t.name) for t in topics.ALL]
    with Publisher(settings) as publisher:
        for record in seizures(7, COUNT):
            publisher.publish("seizure", record)
    blocker = KafkaConsumer(
        **kafka_python_options(settings.kafka),
        group_id=settings.sink.group_id,
        client_id="test-blocker",
        enable_auto_commit=False,
        session_timeout_ms=60_000,
        heartbeat_interval_ms=3_000,
        max_poll_interval_ms=120_000,  # its rebalance timeout: how long the group waits for it to rejoin
    )
    blocker.subscribe(names)
    deadline = time.monotonic() + 60
    while not blocker.assignment() and time.monotonic() < deadline:
        blocker.poll(timeout_ms=200, max_records=1)
    assert blocker.assignment(), "the blocking member should own the partitions"
    blocker.pause(*blocker.assignment())  # it stops polling from here on, without leaving

    (port,) = free_low_ports(1)
    env = pipeline_env.process_env(
        IPRX_SINK_STALL_TIMEOUT_S=str(STALL_S), IPRX_SINK_REJOIN_AFTER_S=str(REJOIN_S), IPRX_SINK_METRICS_PORT=str(port)
    )
    sink = Child("sink-stalled", ["sink"], pipeline_env.data_dir, env)
    try:
        worst, rejoins = 0.0, 0.0
        while sink.proc.poll() is None and time.monotonic() < deadline + 60:
            with contextlib.suppress(OSError):  # not serving yet, or already gone
                worst = max(worst, unhealthy_seconds(port))
                rejoins = scrape(port)[("iprx_sink_rejoins_total", ())]
            time.sleep(0.5)
        assert sink.proc.wait(timeout=60) == EXIT_STALLED
    finally:
        sink.stop()
    log = sink.log_path.read_text()
    assert log.count("stalled: not a stable group member for") == 1, log[-3000:]
    # Rejoins at 4 and 8 s (a third at 12 s races the watchdog), each through a new client that subscribed.
    assert 2 <= log.count("leaving the group and joining it again as a new member") <= 3, log[-3000:]
    assert rejoins >= 2
    assert worst >= STALL_S / 2  # the gauge showed it coming
    assert sum(group_lag(settings, settings.sink.group_id, names).values()) == COUNT  # nothing landed

    blocker.close(autocommit=False)  # the cause goes away; the supervisor's restart heals the sink
    sink = Child("sink-restarted", ["sink"], pipeline_env.data_dir, pipeline_env.process_env())
    try:
        wait_until_caught_up(settings, [(settings.sink.group_id, names)], [sink], timeout_s=120)
    finally:
        sink.stop()
    with Store(settings, "test") as store:
        assert store.client.query("SELECT count() FROM iprx.seizures").result_rows[0][0] == COUNT
