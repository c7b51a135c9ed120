"""The Publisher's delivery accounting and partitioner, against kafka-python's own futures and partitioner."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from iprx.kernel.config import load_settings
from iprx.producers import Publisher, metrics, publisher
from iprx.producers.partitioner import CACHE_LIMIT, KeyedPartitioner
from iprx.simulation.synthetic import seizures
from kafka.errors import KafkaTimeoutError
from kafka.future import Future
from kafka.partitioner import DefaultPartitioner
from prometheus_client import CollectorRegistry


class Cluster:
    """The part of kafka-python's ClusterMetadata a partitioner reads."""

    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


def test_keyed_partitioner_chooses_what_kafka_pythons_default_does_and_follows_a_partition_change():
    rng = random.Random(7)
    keys = [rng.randbytes(rng.randint(0, 40)) for _ in range(500)]
    ours, theirs = KeyedPartitioner(), DefaultPartitioner()
    for count in (1, 3, 6, 12, 6):  # the cache answers the second 6, after 12 replaced it
        cluster = Cluster(count)
        for key in keys * 2:
            assert ours.partition("t", key, key, None, None, cluster) == theirs.partition(
                "t", key, key, None, None, cluster
            )
    assert ours.partition("t", None, None, b"v", b"v", Cluster(6)) in range(6)  # no key: any partition


def test_keyed_partitioner_forgets_its_keys_past_the_limit():
    ours, cluster = KeyedPartitioner(), Cluster(6)
    for n in range(CACHE_LIMIT + 1):
        ours.partition("t", None, n.to_bytes(4, "big"), None, None, cluster)
    assert len(ours._chosen) == 1


class Producer:
    """A KafkaProducer whose sends the test answers, in any order, with kafka-python's futures."""

    def __init__(self, **options: object) -> None:
        self.options = options
        self.futures: list[Future] = []

    def send(self, topic: str, value: bytes, key: bytes, headers: list) -> Future:
        self.futures.append(Future())
        return self.futures[-1]

    def flush(self, timeout: float | None = None) -> None:
        for future in self.futures:
            if not future.is_done:
                future.success(None)

    def close(self) -> None:
        pass


@pytest.fixture
def publisher_with(monkeypatch):
    monkeypatch.setattr(publisher, "KafkaProducer", Producer)
    registry = CollectorRegistry()
    made = Publisher(load_settings(env={}), metrics=metrics.create(registry))
    return made, made._producer, lambda name, **labels: registry.get_sample_value(name, labels)


def test_deliveries_are_counted_oldest_first_and_a_failure_names_its_event(publisher_with):
    made, producer, value = publisher_with
    assert isinstance(producer.options["partitioner"], KeyedPartitioner)
    assert producer.options["batch_size"] == 262_144
    records = list(seizures(3, 5, span=timedelta(days=30)))
    for record in records[:3]:
        made.publish("seizure", record)
    producer.futures[1].success(None)  # answered out of order: waits for the oldest
    producer.futures[2].failure(KafkaTimeoutError("expired in the accumulator"))
    made.publish("seizure", records[3])
    assert made.report.delivered == 0 and not made.report.failed
    producer.futures[0].success(None)
    made.publish("seizure", records[4])  # publishing accounts for what has been answered
    assert made.report.delivered == 2
    assert made.report.failed == [(records[2]["header"]["event_id"], "KafkaTimeoutError: expired in the accumulator")]
    with pytest.raises(publisher.PublishError, match="1 record"):
        made.flush()
    assert made.report.delivered == 4
    assert value("iprx_producer_records_published_total", family="seizure") == 4
    assert value("iprx_producer_send_seconds_count", family="seizure") == 4
    assert value("iprx_producer_delivery_failures_total", family="seizure") == 1
