"""Where `iprx schemas verify` gets its messages: a file holding one value, or the tail of a topic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from iprx.cli.verify import Sample
from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import kafka_python_options


def file_sample(path: Path) -> Sample:
    """The whole file is one message value, exactly as sent (e.g. `kcat -C -e -c 1 -f '%s'`)."""
    return Sample(str(path), path.read_bytes())


def find_topic(settings: Settings, name: str) -> topics.TopicSpec:
    """The catalogue topic named ``name``, logical (``seizure``) or with the configured prefix."""
    for spec in topics.ALL:
        if name in (spec.name, settings.topic(spec.name)):
            return spec
    known = ", ".join(settings.topic(t.name) for t in topics.ALL)
    raise LookupError(f"{name!r} is not a topic of the catalogue; expected one of {known}")


def topic_samples(settings: Settings, spec: topics.TopicSpec, last: int, timeout_s: float = 10.0) -> Iterator[Sample]:
    """The last ``last`` records of every partition of ``spec`` (read only: no group, no commit)."""
    from kafka import KafkaConsumer, TopicPartition

    name = settings.topic(spec.name)
    consumer = KafkaConsumer(
        **kafka_python_options(settings.kafka), enable_auto_commit=False, consumer_timeout_ms=int(timeout_s * 1000)
    )
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
        if not partitions:
            raise LookupError(f"topic {name} does not exist on {settings.kafka.bootstrap_servers}")
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        wanted = {tp: max(starts[tp], ends[tp] - last) for tp in partitions if ends[tp] > starts[tp]}
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        remaining = {tp: ends[tp] for tp in wanted}
        for message in consumer:
            tp = TopicPartition(message.topic, message.partition)
            if message.offset < remaining.get(tp, -1):
                yield Sample(
                    f"{name}[{message.partition}]@{message.offset}",
                    message.value,
                    spec,
                    message.key,
                    list(message.headers or []),
                )
            if message.offset >= remaining.get(tp, 0) - 1:
                remaining.pop(tp, None)
            if not remaining:
                break
    finally:
        consumer.close()
