"""The Faust ceiling: `python -m iprx.bench.faust_ceiling`, a minimal Faust app on the worker's inputs.

Per input event it does what the worker's pattern costs at the least: one re-key through an internal
topic (keyed by the record key) and one table update (a count per key, changelog-backed), with the
worker's own app settings (acks, linger, compression) and batching (``worker.batch_max``, deliveries
awaited once per batch). No decoding, no rules. The bench
runs it on the same input as the worker, in the same run, as the processor's second baseline: how
much of what Faust itself allows the worker reaches. Settings come from the environment as for
`iprx worker` (``IPRX_WORKER_GROUP_ID`` names the app and its consumer group).
"""

from __future__ import annotations

import asyncio

import faust
from iprx.kernel import topics
from iprx.kernel.config import Settings, load_settings
from iprx.kernel.kafka_admin import ensure_topics
from iprx.stream_processors.app import app_options, processing
from kafka.admin import NewTopic

TABLE = "ceiling-count"


def rekey_topic_name(settings: Settings) -> str:
    return settings.topic(f"{settings.worker.group_id}-ceiling-rekey")


def create_app(settings: Settings) -> faust.App:
    partitions = settings.kafka.partitions
    app = faust.App(settings.worker.group_id, **app_options(settings, "faust-ceiling"))
    inputs = app.topic(*(settings.topic(t.name) for t in topics.WORKER_INPUTS), key_type=bytes, value_type=bytes)
    rekeyed = app.topic(
        rekey_topic_name(settings), key_type=bytes, value_type=bytes, internal=True, partitions=partitions
    )
    counts = app.Table(TABLE, default=int, partitions=partitions)

    batch_max, within = settings.worker.batch_max, settings.worker.batch_wait_ms / 1000

    # Batched as the worker's agents are: deliveries awaited once per batch.
    @app.agent(inputs)
    async def rekey(stream: faust.StreamT) -> None:
        async for events in stream.take_events(batch_max, within=within):
            await asyncio.gather(*[await rekeyed.send(key=e.key or b"-", value=e.value) for e in events])

    @app.agent(rekeyed)
    async def count(stream: faust.StreamT) -> None:
        async for events in stream.take_events(batch_max, within=within):
            for event in events:
                with processing(event):  # the changelog goes to the event's partition
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
