"""The Faust application: agents move events between Kafka and the rulebook, nothing more."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import faust

from iprx import dead_letters, topics
from iprx.config import Settings
from iprx.kafka_clients import faust_broker_options
from iprx.serialization import serializer_for
from schemas import DecodeError
from stream_processors import metrics
from stream_processors.events import Seizure
from stream_processors.rulebook import Rulebook
from stream_processors.ruleset import load_ruleset
from stream_processors.signals import SIGNAL_SCHEMA, to_record

log = logging.getLogger(__name__)
SEIZURE_SCHEMA = "iprx.seizure.SeizureRecorded"


def create_app(settings: Settings) -> faust.App:
    """Build the worker app for ``settings``; the group id is ``worker.group_id``."""
    rulebook = Rulebook.from_ruleset(load_ruleset(settings.worker.ruleset_file or None))
    codec = serializer_for(settings)
    app = faust.App(
        settings.worker.group_id,
        **faust_broker_options(settings.kafka),
        datadir=str(Path(settings.data_dir) / "faust"),
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )

    def topic(spec: topics.TopicSpec) -> faust.TopicT:
        return app.topic(settings.topic(spec.name), key_type=bytes, value_type=bytes)

    seizure_topic = topic(topics.SEIZURE)
    signals_topic = topic(topics.SIGNALS)
    dead_letter_topic = topic(topics.DEAD_LETTER)

    async def reject(event: faust.EventT, exc: Exception) -> None:
        msg = event.message
        log.warning("dead letter %s:%s@%s: %s", msg.topic, msg.partition, msg.offset, exc)
        record = dead_letters.from_kafka("worker.decode", exc, event.value, msg.topic, msg.partition, msg.offset)
        metrics.DEAD_LETTERS.labels(record["error_type"]).inc()
        await dead_letter_topic.send(key=msg.key, value=codec.encode(dead_letters.DEAD_LETTER_SCHEMA, record))

    @app.agent(seizure_topic, name="seizures")
    async def process_seizures(stream: faust.StreamT) -> None:
        async for event in stream.events():
            msg = event.message
            metrics.EVENTS_IN.labels("seizure").inc()
            try:
                _, record = codec.decode(event.value, expect=SEIZURE_SCHEMA)
                seizure = Seizure.from_record(record, msg.topic, msg.partition, msg.offset)
            except (DecodeError, KeyError, TypeError) as exc:
                await reject(event, exc)
                continue
            for signal in rulebook.on_seizure(seizure):
                metrics.SIGNALS_OUT.labels(signal.rule_id, signal.severity).inc()
                value = codec.encode(SIGNAL_SCHEMA, to_record(signal, datetime.now(UTC)))
                await signals_topic.send(key=signal.subject_id.encode(), value=value)

    return app
