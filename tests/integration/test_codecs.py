"""Every Kafka codec reaches both consumers, and a record batch nobody can read does not stop the sink."""

from __future__ import annotations

import asyncio
import os
import struct
from decimal import Decimal
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from iprx.kernel import topics
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store
from kafka import KafkaConsumer, KafkaProducer

from tests.conftest import REPO

pytestmark = pytest.mark.integration
CODECS = ("gzip", "snappy", "lz4", "zstd")
SCHEMA = "iprx.seizure.SeizureRecorded"


def encoded_seizures(seed: int, count: int) -> list[tuple[dict, bytes]]:
    codec = SingleObjectCodec()
    out = []
    for record in seizures(seed, count):
        record["header"]["published_at"] = record["header"]["occurred_at"]
        out.append((record, codec.encode(SCHEMA, record)))
    return out


async def produce_compressed(bootstrap: str, topic: str, by_codec: dict[str, list[bytes]]) -> None:
    """Write each codec's values as batches compressed with it, by aiokafka's producer (cramjam), whose
    codecs do not depend on what the sink's kafka-python has installed."""
    for codec, values in by_codec.items():
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec, linger_ms=50)
        await producer.start()
        try:
            for value in values:
                await producer.send(topic, value)
            await producer.flush()
        finally:
            await producer.stop()


def test_every_codec_is_landed_by_the_sink_and_processed_by_the_worker(pipeline_env):
    settings = pipeline_env.settings()
    published = {codec: encoded_seizures(seed, 25) for seed, codec in enumerate(CODECS, start=40)}
    asyncio.run(
        produce_compressed(
            settings.kafka.bootstrap_servers,
            settings.topic("seizure"),
            {codec: [value for _, value in pairs] for codec, pairs in published.items()},
        )
    )
    children = [Child(name, [name], pipeline_env.data_dir, pipeline_env.process_env()) for name in ("worker", "sink")]
    try:
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()

    records = [record for pairs in published.values() for record, _ in pairs]
    significant = [r["seizure_id"] for r in records if r["estimated_value_cny"] >= Decimal("1000000")]
    assert significant, "the seeded records must contain significant seizures"
    with Store(settings, "test") as store:
        q = store.client.query
        landed = q("SELECT toString(event_id) FROM iprx.seizures").result_rows
        assert sorted(e for (e,) in landed) == sorted(r["header"]["event_id"] for r in records)
        raised = q("SELECT subject_id FROM iprx.signals WHERE rule_id = 'seizure.significant'").result_rows
        assert sorted(s for (s,) in raised) == sorted(significant)
        assert q("SELECT count() FROM iprx.dead_letters").result_rows == [(0,)]


def segment_batches(segment: Path) -> list[tuple[int, int, int]]:
    """(position, first offset, last offset) of each record batch in a Kafka log segment."""
    data = segment.read_bytes()
    batches, pos = [], 0
    while pos + 12 <= len(data):
        base, length = struct.unpack_from(">qi", data, pos)
        if length <= 0:
            break
        (last_delta,) = struct.unpack_from(">i", data, pos + 23)  # after epoch, magic, crc, attributes
        batches.append((pos, base, base + last_delta))
        pos += 12 + length
    return batches


def write_with_corrupt_second_batch(settings, topic: str, groups: list[list[tuple[dict, bytes]]]) -> None:
    """Write each group as one record batch to partition 0, then flip the last byte of the second batch
    on the broker's disk: the broker serves it as it is, and its CRC no longer matches, as after a disk
    or network fault."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all", linger_ms=50)
    for group in groups:
        for _, value in group:
            producer.send(topic, value, partition=0)
        producer.flush()
    producer.close()
    segment = REPO / ".iprx" / "test" / "kafka" / "kraft-combined-logs" / f"{topic}-0" / f"{0:020d}.log"
    assert segment.exists(), segment
    batches = segment_batches(segment)
    first = 0
    expected = []
    for group in groups:
        expected.append((first, first + len(group) - 1))
        first += len(group)
    assert [(lo, hi) for _, lo, hi in batches] == expected
    end = batches[2][0] if len(batches) > 2 else segment.stat().st_size
    with open(segment, "r+b") as f:
        f.seek(end - 1)
        byte = f.read(1)
        f.seek(end - 1)
        f.write(bytes([byte[0] ^ 0xFF]))
        f.flush()
        os.fsync(f.fileno())


def read_topic(settings, topic: str) -> list[tuple[str, dict]]:
    """Every record of ``topic``, decoded."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    try:
        codec = SingleObjectCodec()
        return [codec.decode(message.value) for message in consumer]
    finally:
        consumer.close()


needs_local_broker = pytest.mark.skipif(
    bool(os.environ.get("IPRX_TEST_BOOTSTRAP_SERVERS")), reason="needs the local test broker's files"
)


@needs_local_broker
def test_a_corrupt_batch_becomes_dead_letters_and_the_sink_goes_on(pipeline_env):
    settings = pipeline_env.settings()
    topic = settings.topic("seizure")
    before, poisoned, after = encoded_seizures(50, 3), encoded_seizures(51, 4), encoded_seizures(52, 2)
    write_with_corrupt_second_batch(settings, topic, [before, poisoned, after])

    sink = Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env())
    try:
        wait_until_caught_up(settings, pipeline_groups(settings)[1:], [sink], timeout_s=120)
    finally:
        sink.stop()

    with Store(settings, "test") as store:
        q = store.client.query
        landed = q("SELECT toString(event_id), _offset FROM iprx.seizures ORDER BY _offset").result_rows
        assert landed == [(r["header"]["event_id"], i) for i, (r, _) in enumerate(before)] + [
            (r["header"]["event_id"], 7 + i) for i, (r, _) in enumerate(after)
        ]
        dead = q(
            "SELECT source_topic, source_partition, source_offset, error_type, stage FROM iprx.dead_letters FINAL"
            " ORDER BY source_offset"
        ).result_rows
        assert dead == [(topic, 0, offset, "decode.unreadable_batch", "sink.decode") for offset in range(3, 7)]
        reasons = q("SELECT reason FROM iprx.dead_letters").result_rows
        assert all("CorruptRecordError" in reason for (reason,) in reasons)


def significant(pairs: list[tuple[dict, bytes]]) -> list[tuple[dict, bytes]]:
    """``pairs`` re-encoded with a value over the seizure.significant threshold, so each raises a signal."""
    codec = SingleObjectCodec()
    out = []
    for record, _ in pairs:
        record = {**record, "estimated_value_cny": Decimal("5000000.00")}
        out.append((record, codec.encode(SCHEMA, record)))
    return out


@needs_local_broker
@pytest.mark.parametrize("last", [False, True], ids=["records-after-it", "last-in-partition"])
def test_a_corrupt_batch_becomes_dead_letters_and_the_worker_goes_on(pipeline_env, last):
    settings = pipeline_env.settings()
    topic = settings.topic("seizure")
    sizes = ((60, 3), (61, 4)) if last else ((60, 3), (61, 4), (62, 2))
    groups = [significant(encoded_seizures(seed, n)) for seed, n in sizes]
    write_with_corrupt_second_batch(settings, topic, groups)

    worker = Child("worker", ["worker"], pipeline_env.data_dir, pipeline_env.process_env())
    try:
        # The worker group's lag reaches 0 only if its committed offset passed the corrupt batch.
        wait_until_caught_up(settings, pipeline_groups(settings)[:1], [worker], timeout_s=180)
        worker.check_alive()
    finally:
        worker.stop()
    assert worker.proc.returncode == 0, worker.tail()

    raised = [
        r["subject_id"]
        for name, r in read_topic(settings, settings.topic(topics.SIGNALS.name))
        if r["rule_id"] == "seizure.significant"
    ]
    readable = [r["seizure_id"] for group in groups[:1] + groups[2:] for r, _ in group]
    assert sorted(set(raised)) == sorted(readable)
    dead = [
        (r["source_topic"], r["source_partition"], r["source_offset"], r["error_type"], r["stage"])
        for name, r in read_topic(settings, settings.topic(topics.DEAD_LETTER.name))
    ]
    expected = [(topic, 0, offset, "decode.unreadable_batch", "worker.decode") for offset in range(3, 7)]
    assert sorted(set(dead)) == expected
