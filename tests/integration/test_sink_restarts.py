"""Issue 13 item 5: restart the sink again and again while events flow; every start must get to work.

Each round starts ``iprx sink``, waits for its partitions, lets it land for a moment and ends it,
alternately by SIGTERM and SIGKILL, while a publisher keeps producing. A start that never gets its
partitions is a hang; the sink rejoins as a new member after 30 s (``sink.rejoin_after_s``), and its
watchdog would end it with exit 3 at STALL_TIMEOUT_S if that did not help. At the end one clean
sink drains the backlog and every event has landed exactly once.

The suite runs a few rounds; set IPRX_SINK_RESTARTS (e.g. 50) to probe by hand (``-s`` prints the counts).
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import threading
import time

import pytest
from iprx.kernel import topics
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store
from iprx.sinks.watchdog import EXIT_STALLED

from tests.clickhouse_events import migrate_without_merges

pytestmark = pytest.mark.integration
RESTARTS = int(os.environ.get("IPRX_SINK_RESTARTS", "4"))
ASSIGNED_WITHIN_S = 60.0  # beyond the watchdog's stall timeout below: a hang shows as exit 3 first
STALL_TIMEOUT_S = 45


def publish_until(settings, stop: threading.Event, published: list[int]) -> None:
    with Publisher(settings) as publisher:
        for record in seizures(99, 1_000_000):
            if stop.is_set():
                return
            publisher.publish("seizure", record)
            published[0] += 1
            time.sleep(0.005)  # about 200 events a second


def test_sink_restarted_under_load_always_gets_its_partitions_and_lands_everything_once(pipeline_env):
    settings = pipeline_env.settings()
    migrate_without_merges(settings)
    env = pipeline_env.process_env(
        IPRX_SINK_BATCH_SIZE="200", IPRX_SINK_SESSION_TIMEOUT_MS="6000", IPRX_SINK_STALL_TIMEOUT_S=str(STALL_TIMEOUT_S)
    )
    stop, published = threading.Event(), [0]
    producer = threading.Thread(target=publish_until, args=(settings, stop, published))
    producer.start()
    rng = random.Random(13)
    to_assignment: list[float] = []
    hangs, stalls = 0, 0
    try:
        for round_ in range(RESTARTS):
            sink = Child(f"sink-{round_}", ["sink"], pipeline_env.data_dir, env)
            started = time.monotonic()
            try:
                while time.monotonic() - started < ASSIGNED_WITHIN_S and sink.proc.poll() is None:
                    if "partitions assigned" in sink.log_path.read_text(errors="replace"):
                        to_assignment.append(time.monotonic() - started)
                        break
                    time.sleep(0.2)
                else:
                    if sink.proc.poll() == EXIT_STALLED:
                        stalls += 1
                    else:
                        hangs += 1
                time.sleep(rng.uniform(0.5, 3.0))
                sink.proc.send_signal(signal.SIGTERM if round_ % 2 else signal.SIGKILL)
            finally:
                sink.stop()
    finally:
        stop.set()
        producer.join()
    print(
        f"\n{RESTARTS} restarts: {len(to_assignment)} assigned, {stalls} stalled (exit 3), {hangs} hung; "
        f"seconds to assignment: median {statistics.median(to_assignment or [0]):.1f}, "
        f"max {max(to_assignment or [0]):.1f}; {published[0]} events published"
    )

    landed = [settings.topic(topics.SEIZURE.name)]
    final = Child("sink-final", ["sink"], pipeline_env.data_dir, env)
    try:
        wait_until_caught_up(settings, [(settings.sink.group_id, landed)], [final], timeout_s=180)
    finally:
        final.stop()
    with Store(settings, "test") as store:
        rows, unique = store.client.query("SELECT count(), uniqExact(event_id) FROM iprx.seizures").result_rows[0]
    assert (rows, unique) == (published[0], published[0])
    assert hangs == 0, "a sink start neither got its partitions nor ended itself"
    assert stalls == 0, "a sink start did not get its partitions even after rejoining the group"
