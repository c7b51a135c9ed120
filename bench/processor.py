"""Processor stage: one Faust worker with every rule on, against aiokafka consume + fastavro decode."""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from fastavro import schemaless_reader
from iprx.bench.environment import Stage, wait_for_drain, wait_for_lag_zero
from iprx.bench.faust_ceiling import rekey_topic_name
from iprx.bench.producer import raw_producer
from iprx.bench.workload import MixedWorkload
from iprx.kernel import topics
from iprx.kernel.config import Settings, load_settings
from iprx.kernel.kafka_clients import bootstrap_list, connecting, kafka_python_options
from iprx.pipeline.supervise import say
from iprx.schemas import default_catalog
from iprx.schemas.single_object import HEADER_SIZE
from iprx.stream_processors import rekey
from kafka import KafkaConsumer, TopicPartition


def run_worker(stage: Stage, group_suffix: str, events: int, timeout_s: float, module: str = "iprx") -> dict[str, Any]:
    """Start a worker with a fresh group on ``stage``'s filled input topics; time it to lag 0.

    The worker is done when its input topics *and* its rules' re-key topics are drained: the input
    lag alone reaches 0 while the stateful rules still have most of the work queued.
    """
    args = ["worker"] if module == "iprx" else ["worker", str(stage.data_dir / "profile-processor")]
    timed = _timed(stage, group_suffix, events, timeout_s, module, args, rekey.topic_names)
    return timed | {"records_written": records_written(stage, f"{stage.worker_group}-{group_suffix}")}


def run_ceiling(stage: Stage, events: int, timeout_s: float) -> dict[str, Any]:
    """The Faust ceiling (``bench.faust_ceiling``) on ``stage``'s filled input topics, timed like the worker."""
    return _timed(stage, "ceiling", events, timeout_s, "iprx.bench.faust_ceiling", [], lambda s: [rekey_topic_name(s)])


def _timed(
    stage: Stage,
    group_suffix: str,
    events: int,
    timeout_s: float,
    module: str,
    args: list[str],
    internal: Callable[[Settings], list[str]],
    count: int = 1,
) -> dict[str, Any]:
    """Run ``count`` processes of ``module args`` as one Faust app group, fresh, until its inputs and
    ``internal`` topics drain."""
    group = f"{stage.worker_group}-{group_suffix}"
    env = stage.env | {"IPRX_WORKER_GROUP_ID": group}
    env_stage = Stage(stage.name, stage.data_dir, env, load_settings(env=dict(os.environ) | env))
    names = [f"worker-{group_suffix}"] if count == 1 else [f"worker-{group_suffix}-{n}" for n in range(count)]
    apps = [env_stage.start(name, args, module=module) for name in names]
    try:
        inputs = [env_stage.topic(t.name) for t in topics.WORKER_INPUTS]
        done, seconds = wait_for_lag_zero(env_stage, group, inputs, events, apps, timeout_s)
        input_s = seconds
        seconds += wait_for_drain(env_stage, group, internal(env_stage.settings), apps, timeout_s)
        rss = max(app.peak_rss_mb() for app in apps)
    finally:
        for app in apps:  # a profiled worker writes its profile
            app.stop(timeout=600 if module == "iprx.bench.profiling" else 60)
    return {
        "events_per_s": done / seconds,
        "window_s": seconds,
        "inputs_drained_s": input_s,
        "peak_rss_mb": rss,
    }


def records_written(stage: Stage, group: str) -> dict[str, int]:
    """Records the worker of ``group`` wrote, by kind: re-keyed events, table changelogs, signals."""
    with connecting(stage.settings.kafka):
        consumer = KafkaConsumer(**kafka_python_options(stage.settings.kafka), group_id=None)
    try:
        kinds = {stage.topic("signals"): "signals"}
        for name in consumer.topics():
            if name.startswith(stage.topic(f"{group}-")) or name.startswith(f"{group}-"):
                kinds[name] = "rekey" if name.endswith("-rekey") else "changelog" if name.endswith("-changelog") else ""
        partitions = [TopicPartition(n, p) for n in kinds if kinds[n] for p in consumer.partitions_for_topic(n) or ()]
        first, last = consumer.beginning_offsets(partitions), consumer.end_offsets(partitions)
        written: Counter[str] = Counter()
        for tp in partitions:
            written[kinds[tp.topic]] += last[tp] - first[tp]
        return dict(written)
    finally:
        consumer.close()


async def _consume_and_decode(stage: Stage, events: int) -> float:
    """aiokafka reading every worker input topic, each message decoded by its writer schema (fingerprint)."""
    catalog = default_catalog()
    consumer = AIOKafkaConsumer(
        *(stage.topic(t.name) for t in topics.WORKER_INPUTS),
        bootstrap_servers=bootstrap_list(stage.settings.kafka),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = 0
        started = 0.0
        while seen < events:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not started and batches:
                started = time.perf_counter()
            for messages in batches.values():
                for msg in messages:
                    body = io.BytesIO(msg.value)
                    body.seek(HEADER_SIZE)
                    schemaless_reader(body, catalog.by_fingerprint(msg.value[2:HEADER_SIZE]).parsed, None)
                seen += len(messages)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def prefill_mixed(stage: Stage, workload: MixedWorkload) -> dict[str, Any]:
    """Fill ``stage``'s input topics with the mixed workload (raw sends of the encoded events)."""
    say(f"pre-filling {stage.name}'s input topics with {workload.count:,} mixed events (generating them first)")
    producer = raw_producer(stage)
    per_topic: Counter[str] = Counter()
    size = 0
    try:
        for name, key, value, headers in workload.messages():
            producer.send(stage.topic(name), value=value, key=key, headers=headers)
            per_topic[name] += 1
            size += len(value)
        producer.flush()
    finally:
        producer.close()
    sent = sum(per_topic.values())
    say(f"pre-filled {sent:,} events: " + ", ".join(f"{n} {c:,}" for n, c in sorted(per_topic.items())))
    return {"events_per_topic": dict(per_topic), "mean_message_bytes": round(size / max(sent, 1), 1)}


def run(stage: Stage, workload: MixedWorkload, timeout_s: float) -> dict[str, Any]:
    """Fill ``stage`` with the mixed workload; measure the worker, then the raw baseline, on it."""
    filled = prefill_mixed(stage, workload)
    events = workload.count
    say(f"processor: one Faust worker over {events:,} mixed events")
    worker = run_worker(stage, "measured", events, timeout_s)
    per_event = sum(worker["records_written"].values()) / events
    written = ", ".join(f"{kind} {n:,}" for kind, n in sorted(worker["records_written"].items()))
    say(f"processor: {worker['events_per_s']:,.0f} events/s, {per_event:.2f} records written per event ({written})")
    say("processor: now the Faust ceiling (one re-key and one table update per event, no rules)")
    ceiling = run_ceiling(stage, events, timeout_s)
    say(f"processor: Faust ceiling {ceiling['events_per_s']:,.0f} events/s; now two workers in one group")
    two = _timed(stage, "two-workers", events, timeout_s, "iprx", ["worker"], rekey.topic_names, count=2)
    say(f"processor: two workers {two['events_per_s']:,.0f} events/s; now the aiokafka + fastavro baseline")
    baseline = asyncio.run(_consume_and_decode(stage, events))
    say(f"processor: raw baseline {baseline:,.0f} events/s")
    return {
        "events": events,
        "workload": "mixed (iprx simulate)",
        "anchor": workload.anchor.isoformat(),
        **filled,
        "measured_events_per_s": worker["events_per_s"],
        "measured_window_s": worker["window_s"],
        "inputs_drained_s": worker["inputs_drained_s"],
        "baseline_events_per_s": baseline,
        "ratio": worker["events_per_s"] / baseline,
        "worker_peak_rss_mb": worker["peak_rss_mb"],
        "records_written": worker["records_written"],
        "faust_ceiling_events_per_s": ceiling["events_per_s"],
        "ratio_to_faust_ceiling": worker["events_per_s"] / ceiling["events_per_s"],
        "two_workers_events_per_s": two["events_per_s"],
        "records_written_per_event": round(sum(worker["records_written"].values()) / events, 3),
    }
