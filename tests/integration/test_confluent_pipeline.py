"""The Confluent wire format end to end: publisher, Kafka, worker, sink, ClickHouse, with ids from a real registry."""

from __future__ import annotations

import struct
import subprocess
import sys
from decimal import Decimal

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.producers import Publisher
from iprx.schemas import ConfluentCodec, SchemaRegistryClient
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store
from kafka import KafkaConsumer, TopicPartition

pytestmark = pytest.mark.integration
COUNT = 120


def first_values(topic: str, bootstrap: str, count: int) -> list[bytes]:
    """Up to ``count`` raw values of ``topic`` (any partitions), from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [m.value for _, m in zip(range(count), consumer, strict=False)]
    finally:
        consumer.close()


def test_confluent_framed_seizures_land_and_raise_signals(pipeline_env, schema_registry_url):
    pipeline_env.env |= {"IPRX_SCHEMAS_WIRE_FORMAT": "confluent", "IPRX_SCHEMAS_REGISTRY_URL": schema_registry_url}
    settings = pipeline_env.settings()
    children = [Child(name, [name], pipeline_env.data_dir, pipeline_env.process_env()) for name in ("worker", "sink")]
    try:
        published = []
        with Publisher(settings) as publisher:
            assert publisher.codec.wire_format == "confluent"
            for record in seizures(3031, COUNT):
                publisher.publish("seizure", record)
                published.append(record)
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()

    # What travelled is the Confluent framing with the registry's id for the seizure schema.
    registry = SchemaRegistryClient(schema_registry_url)
    seizure_id = ConfluentCodec(registry).schema_id("iprx.seizure.SeizureRecorded")
    values = first_values(settings.topic("seizure"), settings.kafka.bootstrap_servers, 5)
    assert values and all(v[:1] == b"\x00" and struct.unpack(">I", v[1:5])[0] == seizure_id for v in values)
    signal_values = first_values(settings.topic("signals"), settings.kafka.bootstrap_servers, 1)
    assert signal_values and signal_values[0][:1] == b"\x00"

    # `iprx schemas verify` reads them back through the same registry and accepts them.
    verified = subprocess.run(
        [sys.executable, "-m", "iprx", "schemas", "verify", "--topic", "seizure", "--last", "5"],
        env=pipeline_env.process_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 rejected (confluent wire format)" in verified.stdout
    assert f"registry schema id {seizure_id}" in verified.stdout

    threshold = Decimal("1000000")  # DESIGN.md §4, independent of the rule's own code
    expected = sorted(r["seizure_id"] for r in published if r["estimated_value_cny"] >= threshold)
    assert expected, "the seeded batch must contain significant seizures"
    with Store(settings, "test") as store:
        q = store.client.query
        landed = {r[0] for r in q("SELECT toString(event_id) FROM iprx.seizures").result_rows}
        assert landed == {r["header"]["event_id"] for r in published}
        raised = q("SELECT subject_id FROM iprx.signals WHERE rule_id = 'seizure.significant'").result_rows
        assert sorted(r[0] for r in raised) == expected
        assert q("SELECT count() FROM iprx.dead_letters").result_rows[0][0] == 0
