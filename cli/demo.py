"""`iprx demo`: from nothing to signals read back from ClickHouse, through the real broker."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path

from iprx.cli.summary import format_summary, summarize
from iprx.kernel.config import Settings
from iprx.kernel.kafka_admin import KafkaUnavailable, create_topics, wait_for_broker
from iprx.pipeline import local_kafka
from iprx.pipeline.supervise import Child, say
from iprx.pipeline.watermark import settle


def ensure_kafka(settings: Settings) -> bool:
    """Make sure a broker answers; start the local one if it is the configured one. True if started."""
    try:
        wait_for_broker(settings, timeout_s=3)
        say(f"Kafka is up at {settings.kafka.bootstrap_servers}")
        return False
    except KafkaUnavailable:
        if not local_kafka.is_local(settings):
            raise
    say("starting the local Kafka broker (deploy/kafka/kafka.sh up)")
    local_kafka.run(settings, "up")
    wait_for_broker(settings, timeout_s=60)
    return True


def publish_batch(settings: Settings, seed: int, count: int) -> int:
    """Publish ``count`` synthetic seizures; return how many reach the significance threshold."""
    from iprx.producers import Publisher
    from iprx.simulation.synthetic import seizures
    from iprx.stream_processors.rules.seizure_significant import Params
    from iprx.stream_processors.ruleset import load_ruleset

    threshold: Decimal = Params.from_ruleset(load_ruleset(settings.worker.ruleset_file or None)).min_value_cny
    significant = 0
    started = time.monotonic()
    with Publisher(settings) as publisher:
        for n, record in enumerate(seizures(seed, count), 1):
            publisher.publish("seizure", record)
            significant += record["estimated_value_cny"] >= threshold
            if n % 1000 == 0 or n == count:
                say(f"published {n}/{count} seizures")
    say(
        f"all {count} seizures acknowledged by Kafka in {time.monotonic() - started:.1f}s "
        f"({significant} at or above {threshold:,.0f} CNY)"
    )
    return significant


def run_demo(settings: Settings, seed: int, count: int, timeout_s: float) -> None:
    from iprx.sinks.clickhouse.migrations import migrate
    from iprx.sinks.clickhouse.store import Store

    started_kafka = ensure_kafka(settings)
    children: list[Child] = []
    try:
        for result in create_topics(settings):
            say(f"topic {result.name}: {'created' if result.created else 'exists'}")
        with Store(settings, "iprx demo") as store:
            for m in migrate(store.client, store.database, cluster=store.cluster):
                say(f"applied ClickHouse migration {m.version:04d}_{m.name}")
        log_dir = Path(settings.data_dir) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if settings.source != "defaults":
            env["IPRX_CONFIG"] = settings.source
        env["IPRX_DATA_DIR"] = settings.data_dir
        children = [Child("worker", ["worker"], log_dir, env), Child("sink", ["sink"], log_dir, env)]
        publish_batch(settings, seed, count)
        settle(settings, children=children, timeout_s=timeout_s)  # what was published is all there is
        say("pipeline settled (watermark processed, consumer lag 0); stopping worker and sink")
        for child in children:
            child.stop()
        with Store(settings, "iprx demo") as store:
            print(format_summary(summarize(store.client, store.database)), flush=True)
    finally:
        for child in children:
            child.stop()
        if started_kafka:
            say("stopping the local Kafka broker this demo started")
            local_kafka.run(settings, "down", check=False)
