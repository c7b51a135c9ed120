"""The sink's Kafka consumer: what the runner needs of it, and the real one it uses by default."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, Protocol

from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import kafka_python_options
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata


class SinkConsumer(Protocol):
    """The part of kafka-python's ``KafkaConsumer`` that :class:`~iprx.sinks.runner.SinkRunner` calls."""

    def subscribe(self, topics: Iterable[str], listener: ConsumerRebalanceListener) -> None: ...

    def subscription(self) -> set[str] | None: ...

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, list[Any]]: ...

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None: ...

    def assignment(self) -> Collection[TopicPartition]: ...

    def highwater(self, partition: TopicPartition) -> int | None: ...

    def position(self, partition: TopicPartition) -> int: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def paused(self) -> Collection[TopicPartition]: ...

    def close(self, autocommit: bool) -> None: ...


def kafka_consumer(settings: Settings) -> KafkaConsumer:
    """The sink group's consumer: manual commits after landing, committed records only."""
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
