"""Producer stage: the project's Publisher (validate + Avro encode + send) against raw kafka-python."""

from __future__ import annotations

import time
from typing import Any

from iprx.bench.environment import Stage
from iprx.bench.workload import SCHEMA, Workload
from iprx.kernel import topics
from iprx.pipeline.supervise import say
from iprx.producers import Publisher
from iprx.producers.publisher import producer_options
from kafka import KafkaProducer


def raw_producer(stage: Stage) -> KafkaProducer:
    """kafka-python with exactly the Publisher's acks, idempotence, compression and batching."""
    return KafkaProducer(**producer_options(stage.settings), client_id="iprx-bench-raw")


def publish_with_publisher(stage: Stage, workload: Workload) -> float:
    """Publish the workload through :class:`Publisher` into ``stage``; return events/s."""
    records = workload.records(event_ids=list(workload.event_ids()))  # uuid4 strings: the workload's cost
    with Publisher(stage.settings) as publisher:
        started = time.perf_counter()
        for record in records:
            publisher.publish("seizure", record)
        publisher.flush()
        elapsed = time.perf_counter() - started
    return workload.count / elapsed


def send_raw(stage: Stage, messages: Any, count: int) -> float:
    """Send ``count`` pre-encoded ``(key, value)`` pairs with the Publisher's headers; return events/s."""
    topic = stage.topic(topics.SEIZURE.name)
    headers = [
        ("iprx-schema", SCHEMA.encode()),
        ("iprx-publisher", stage.settings.publisher.publisher_id.encode()),
        ("iprx-event-type", b"seizure.recorded"),
    ]
    producer = raw_producer(stage)
    try:
        started = time.perf_counter()
        for key, value in messages:
            producer.send(topic, value=value, key=key, headers=headers)
        producer.flush()
        elapsed = time.perf_counter() - started
    finally:
        producer.close()
    return count / elapsed


def run(source: Stage, raw: Stage, workload: Workload) -> dict[str, Any]:
    """Measure both into their own topics; the Publisher's output becomes the later stages' input."""
    say(f"producer: publishing {workload.count:,} events through the Publisher")
    measured = publish_with_publisher(source, workload)
    say(f"producer: {measured:,.0f} events/s; now raw kafka-python with pre-encoded bytes")
    # Pre-encoded: the pool's bytes cycled, no per-event work in the loop (same sizes, same keys).
    encoded, keys = workload.encoded, workload.keys
    size = len(encoded)
    pairs = ((keys[n % size], encoded[n % size]) for n in range(workload.count))
    baseline = send_raw(raw, pairs, workload.count)
    say(f"producer: raw baseline {baseline:,.0f} events/s")
    return {
        "events": workload.count,
        "mean_message_bytes": round(workload.mean_size(), 1),
        "measured_events_per_s": measured,
        "baseline_events_per_s": baseline,
        "ratio": measured / baseline,
    }


def prefill(stage: Stage, workload: Workload) -> None:
    """Fill ``stage``'s seizure topic with the workload quickly (raw sends of patched encoded events)."""
    say(f"pre-filling {stage.topic(topics.SEIZURE.name)} with {workload.count:,} events")
    rate = send_raw(stage, workload.messages(), workload.count)
    say(f"pre-filled at {rate:,.0f} events/s")
