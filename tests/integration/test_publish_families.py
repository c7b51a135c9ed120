"""Every family goes through the publisher to the real broker and reads back intact, on its topic and key."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iprx.producers import FAMILIES, Publisher
from iprx.producers.adapters.event_jsonl import decode_line
from iprx.producers.adapters.event_lines import FILLED_IN
from iprx.producers.publisher import RecordRejected
from iprx.schemas import SingleObjectCodec, default_catalog
from kafka import KafkaConsumer, TopicPartition

from tests.avro_records import records
from tests.event_samples import line

pytestmark = pytest.mark.integration
codec = SingleObjectCodec()


def read_all(bootstrap: str, topic: str) -> list[tuple[bytes, bytes]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=2000)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    out = [(m.key, m.value) for m in consumer]
    consumer.close()
    return out


def family_examples():
    """(family, event type, schema) for every event type every family accepts."""
    return [(f.name, event_type, schema) for f in FAMILIES.values() for event_type, schema in f.schemas.items()]


@pytest.mark.parametrize(("family", "event_type", "schema"), family_examples())
def test_each_event_type_round_trips_through_the_broker(pipeline_env, family, event_type, schema):
    settings_ = pipeline_env.settings()
    parsed = default_catalog().get(schema).parsed
    published: list[dict] = []

    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.data())
    def publish(data):
        record = data.draw(records(parsed))
        record["header"].update(
            event_type=event_type,
            jurisdiction="110000",
            publisher="CN/GOV/TEST/publisher",
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC).replace(microsecond=random.randrange(1000) * 1000),
            published_at=datetime(2026, 1, 2, tzinfo=UTC),
        )
        if family == "seizure":  # the domain checks want real codes, not random text
            record.update(
                hs_code="852349",
                customs_office_code="5300",
                origin_country="CN",
                destination_country="US",
                exporter=None,
                consignee=None,
                declarant=None,
                quantity=abs(record["quantity"]),
                estimated_value_cny=abs(record["estimated_value_cny"]),
            )
        elif family in ("inspection", "case", "cooperation"):  # likewise: valid codes, consistent decisions
            decoded = decode_line(line(event_type), [family], FILLED_IN)
            assert not decoded.errors
            record = decoded.record | {"header": decoded.record["header"] | record["header"]}
        published.append(record)

    publish()
    spec = FAMILIES[family]
    with Publisher(settings_) as publisher:
        for record in published:
            publisher.publish(family, record)
    received = read_all(settings_.kafka.bootstrap_servers, settings_.topic(spec.topic.name))
    assert len(received) == len(published)
    decoded = {}
    for key, value in received:
        name, record = codec.decode(value)
        assert name == schema
        decoded[str(record["header"]["event_id"])] = (key, record)
    for record in published:
        key, got = decoded[str(record["header"]["event_id"])]
        assert key == spec.key(record).encode()
        assert got == record


def test_wrong_event_type_for_a_family_is_rejected_before_sending(pipeline_env):
    record = {"header": {"event_type": "case.opened"}}
    with Publisher(pipeline_env.settings()) as publisher, pytest.raises(RecordRejected, match=r"header\.event_type"):
        publisher.publish("seizure", record)
