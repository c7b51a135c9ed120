"""The Faust ceiling: `python -m iprx.bench.faust_ceiling`, a minimal Faust app on the worker's inputs.

Per input event it does what the worker's pattern costs at the least: one re-key through an internal
topic (keyed by the record key) and one table update (a count per key, changelog-backed), with the
worker's own app settings (batching, acks, linger, compression). No decoding, no rules. The bench
runs it on the same input as the worker, in the same run, as the processor's second baseline: how
much of what Faust itself allows the worker reaches. Settings come from the environment as for
`iprx worker` (``IPRX_WORKER_GROUP_ID`` names the app and its consumer group).
"""

from __future__ import annotations

from pathlib import Path

import faust
from iprx.kernel import topics
from iprx.kernel.config import Settings, load_settings
from iprx.kernel.kafka_admin import ensure_topics
from iprx.kernel.kafka_clients import faust_broker_options
from kafka.admin import NewTopic

TABLE = "ceiling-count"


def rekey_topic_name(settings: Settings) -> str:
    return settings.topic(f"{settings.worker.group_id}-ceiling-rekey")


def create_app(settings: Settings) -> faust.App:
    partitions, w = settings.kafka.partitions, settings.worker
    app = faust.App(
        settings.worker.group_id,
        **faust_broker_options(settings.kafka),
        datadir=str(Path(settings.data_dir) / "faust-ceiling"),
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        producer_linger=w.producer_linger_ms / 1000,
        producer_max_batch_size=w.producer_batch_bytes,
        producer_compression_type=w.producer_compression or None,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )
    inputs = app.topic(*(settings.topic(t.name) for t in topics.WORKER_INPUTS), key_type=bytes, value_type=bytes)
    rekeyed = app.topic(
        rekey_topic_name(settings), key_type=bytes, value_type=bytes, internal=True, partitions=partitions
    )
    counts = app.Table(TABLE, default=int, partitions=partitions)

    @app.agent(inputs)
    async def rekey(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await rekeyed.send(key=event.key or b"-", value=event.value)

    @app.agent(rekeyed)
    async def count(stream: faust.StreamT) -> None:
        async for event in stream.events():
            counts[event.key] += 1

    return app


def main() -> None:
    settings = load_settings()
    app = create_app(settings)
    group, partitions, replicas = settings.worker.group_id, settings.kafka.partitions, settings.kafka.replication_factor
    # Created before the consumer joins, as the worker does (a topic that appears later waits for a refresh).
    ensure_topics(
        settings,
        [
            NewTopic(rekey_topic_name(settings), partitions, replicas),
            NewTopic(f"{group}-{TABLE}-changelog", partitions, replicas, topic_configs={"cleanup.policy": "compact"}),
            NewTopic(f"{group}-__assignor-__leader", 1, replicas),
        ],
    )
    faust.Worker(app, loglevel="INFO", quiet=True, redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    main()
