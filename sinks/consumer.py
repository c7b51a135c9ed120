"""The sink's Kafka consumer: what the runner needs of it, and the real one it uses by default."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, Protocol

from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import connecting, kafka_python_options
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import Fetcher
from kafka.structs import OffsetAndMetadata

# The fetcher method that parses a partition's fetched record batches (CRC checks, decompression).
_TAKE = Fetcher.PartitionRecords.take.__code__


class SinkConsumer(Protocol):
    """The part of kafka-python's ``KafkaConsumer`` that :class:`~iprx.sinks.runner.SinkRunner` calls."""

    def subscribe(self, topics: Iterable[str], listener: ConsumerRebalanceListener) -> None: ...

    def subscription(self) -> set[str] | None: ...

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, list[Any]]: ...

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None: ...

    def assignment(self) -> Collection[TopicPartition]: ...

    def highwater(self, partition: TopicPartition) -> int | None: ...

    def position(self, partition: TopicPartition) -> int: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def paused(self) -> Collection[TopicPartition]: ...

    def close(self, autocommit: bool) -> None: ...


def kafka_consumer(settings: Settings) -> KafkaConsumer:
    """The sink group's consumer: manual commits after landing, committed records only."""
    with connecting(settings.kafka):
        return KafkaConsumer(
            **kafka_python_options(settings.kafka),
            group_id=settings.sink.group_id,
            client_id="iprx-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=settings.sink.batch_size,
            # An outage holds a batch in retry; staying in the group for that long avoids churn.
            max_poll_interval_ms=600_000,
            session_timeout_ms=settings.sink.session_timeout_ms,
            heartbeat_interval_ms=max(settings.sink.session_timeout_ms // 3, 1000),
            metadata_max_age_ms=30_000,  # notice new partitions and topics within 30 s, not 5 minutes
        )


def unreadable_batch(error: BaseException) -> tuple[TopicPartition, int] | None:
    """Partition and offset of the record batch ``poll`` could not read, if that is what ``error`` is.

    kafka-python raises a batch's parse error (a codec it lacks, a bad CRC, corrupt bytes) from ``poll``
    without naming the partition; Java's client raises RecordDeserializationException with both. The
    error passed through the fetcher's ``PartitionRecords.take``, whose object knows the partition and
    the first offset it could not return, so the traceback answers where, and tells a parse error from
    any other failure of ``poll``. Private API of kafka-python (pinned <3.1): if it moves, ``_TAKE``
    fails at import, or tests/unit/test_unreadable_batch.py fails.
    """
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _TAKE:
            records = tb.tb_frame.f_locals["self"]
            return records.topic_partition, records.next_fetch_offset
        tb = tb.tb_next
    return None
