"""Restart stage: how long a worker takes to consume again when a rule's table holds many keys.

The table is filled the way a long-running worker leaves it: its changelog topic holds one record per
key (an exporter with two seizures in its window, as ``seizure.repeat_offender`` stores it). A worker
is then started on that changelog, one seizure is published, and the stage times the interval from the
start of the process to the moment the worker group has committed that seizure: Faust consumes no input
until every table it owns is recovered, so this is the outage a restart costs. It does so for tables in
memory, then for RocksDB tables twice: the first start, then a restart on what the first one stored.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.bench.environment import Stage, wait_for_lag_zero
from iprx.bench.workload import Workload
from iprx.kernel import topics
from iprx.kernel.kafka_admin import ensure_topics, public_topics
from iprx.pipeline.supervise import say
from iprx.producers import Publisher
from iprx.producers.publisher import producer_options
from iprx.stream_processors.rules.occurrences import Occurrence
from iprx.stream_processors.signals import Evidence
from kafka import KafkaProducer

RULE_ID = "seizure.repeat_offender"


def changelog_topic(stage: Stage) -> str:
    """The rule table's changelog topic, with every internal topic of the worker created."""
    from iprx.stream_processors.app import create_app, internal_topics

    app = create_app(stage.settings)
    ensure_topics(stage.settings, public_topics(stage.settings) + internal_topics(app, stage.settings))
    return app.tables[RULE_ID].changelog_topic.get_topic_name()


def table_value(exporter_id: str, at: datetime) -> bytes:
    """The rule's stored state of an exporter with two seizures in its window, as the worker writes it."""
    from iprx.stream_processors.rulebook import Rulebook
    from iprx.stream_processors.ruleset import load_ruleset

    rule = next(r for r in Rulebook.from_ruleset(load_ruleset()).stateful if r.rule_id == RULE_ID)
    seizures = []
    for n in (1, 2):
        event_id = f"00000000-0000-4000-8000-{n:012d}"
        source = Evidence(event_id, "iprx.seizure", 0, n)
        seizures.append(Occurrence(event_id, at - timedelta(days=n), "110000", f"S-{n}", "0101", source))
    state = rule.module.State(exporter_id=exporter_id, seizures=tuple(seizures))
    value = rule.dump(state)
    if rule.load(value) != state:  # the worker must read back what it would have stored
        raise RuntimeError(f"{RULE_ID}: the bench's table value does not decode to its state")
    return json.dumps(value).encode()


def fill_changelog(stage: Stage, topic: str, keys: int) -> float:
    """Write ``keys`` table entries into ``topic``; return the seconds it took."""
    at = datetime.now(UTC) - timedelta(days=3)
    template = table_value("{exporter}", at)
    producer = KafkaProducer(**producer_options(stage.settings), client_id="iprx-bench-changelog")
    started = time.monotonic()
    try:
        for n in range(keys):
            exporter = f"91110000{n:010d}"
            producer.send(
                topic, key=json.dumps(exporter).encode(), value=template.replace(b"{exporter}", exporter.encode())
            )
            if n and n % 200_000 == 0:
                say(f"restart: {n:,}/{keys:,} table entries written")
        producer.flush()
    finally:
        producer.close()
    return time.monotonic() - started


def start_and_probe(stage: Stage, label: str, store: str, seed: int, timeout_s: float) -> dict[str, float]:
    """Start a worker with ``store`` tables, publish one seizure, and time the start to its commit."""
    env = stage.env | {"IPRX_WORKER_STORE": store}
    with_store = Stage(stage.name, stage.data_dir, env, stage.settings)
    started = time.monotonic()
    worker = with_store.start(f"worker-{label}", ["worker"])
    try:
        probe = next(Workload(seed, 100).records())  # the first of 100: dated early in 2026
        with Publisher(stage.settings) as publisher:
            publisher.publish("seizure", probe)
        # Lag 1 (the probe) until the worker group has consumed and committed it.
        wait_for_lag_zero(stage, stage.worker_group, [stage.topic(topics.SEIZURE.name)], 1, [worker], timeout_s)
        seconds = time.monotonic() - started
        rss = worker.peak_rss_mb()
    finally:
        worker.stop(timeout=60)
    say(f"restart: {label}: consuming {seconds:.1f}s after the start, peak RSS {rss:,.0f} MiB")
    return {"consuming_s": seconds, "peak_rss_mb": rss}


def run(stage: Stage, keys: int, timeout_s: float) -> dict[str, Any]:
    """Fill the table's changelog with ``keys`` entries; time worker starts with each kind of table store.

    In memory every start reads the whole changelog. With RocksDB the first start fills the local
    store from the changelog and a restart finds it there.
    """
    topic = changelog_topic(stage)
    say(f"restart: writing {keys:,} entries of the {RULE_ID} table into {topic}")
    fill_s = fill_changelog(stage, topic, keys)
    say(f"restart: written in {fill_s:.1f}s")
    memory = start_and_probe(stage, "memory", "memory://", 1, timeout_s)
    rocksdb_first = start_and_probe(stage, "rocksdb-first", "rocksdb://", 2, timeout_s)
    rocksdb_restart = start_and_probe(stage, "rocksdb-restart", "rocksdb://", 3, timeout_s)
    return {
        "keys": keys,
        "fill_s": fill_s,
        "memory_start_s": memory["consuming_s"],
        "rocksdb_first_start_s": rocksdb_first["consuming_s"],
        "rocksdb_restart_s": rocksdb_restart["consuming_s"],
        "worker_peak_rss_mb": max(memory["peak_rss_mb"], rocksdb_first["peak_rss_mb"], rocksdb_restart["peak_rss_mb"]),
    }
