"""Processor stage: one Faust worker with every rule on, against aiokafka consume + fastavro decode."""

from __future__ import annotations

import asyncio
import io
import os
import time
from typing import Any

from aiokafka import AIOKafkaConsumer
from fastavro import schemaless_reader

from bench.environment import Stage, wait_for_drain, wait_for_lag_zero
from bench.workload import SCHEMA
from iprx import topics
from iprx.config import load_settings
from iprx.kafka_clients import bootstrap_list
from iprx.supervise import say
from schemas import default_catalog
from schemas.single_object import HEADER_SIZE
from stream_processors import rekey


def run_worker(stage: Stage, group_suffix: str, events: int, timeout_s: float, module: str = "iprx") -> dict[str, Any]:
    """Start a worker with a fresh group on ``stage``'s filled input topics; time it to lag 0.

    The worker is done when its input topics *and* its rules' re-key topics are drained: the input
    lag alone reaches 0 while the stateful rules still have most of the work queued.
    """
    group = f"{stage.worker_group}-{group_suffix}"
    env = stage.env | {"IPRX_WORKER_GROUP_ID": group}
    env_stage = Stage(stage.name, stage.data_dir, env, load_settings(env=dict(os.environ) | env))
    args = ["worker"] if module == "iprx" else ["worker", str(stage.data_dir / "profile-processor")]
    worker = env_stage.start(f"worker-{group_suffix}", args, module=module)
    try:
        inputs = [env_stage.topic(t.name) for t in topics.WORKER_INPUTS]
        done, seconds = wait_for_lag_zero(env_stage, group, inputs, events, [worker], timeout_s)
        input_s = seconds
        seconds += wait_for_drain(env_stage, group, rekey.topic_names(env_stage.settings), [worker], timeout_s)
        rss = worker.peak_rss_mb()
    finally:
        worker.stop(timeout=60 if module == "iprx" else 600)  # a profiled worker writes its profile
    return {"events_per_s": done / seconds, "window_s": seconds, "inputs_drained_s": input_s, "peak_rss_mb": rss}


async def _consume_and_decode(stage: Stage, events: int) -> float:
    parsed = default_catalog().get(SCHEMA).parsed
    consumer = AIOKafkaConsumer(
        stage.topic(topics.SEIZURE.name),
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
                    schemaless_reader(body, parsed, None)
                seen += len(messages)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def run(stage: Stage, events: int, timeout_s: float) -> dict[str, Any]:
    """Measure the worker, then the raw baseline, on the same filled topic."""
    say(f"processor: one Faust worker over {events:,} events")
    worker = run_worker(stage, "measured", events, timeout_s)
    say(f"processor: {worker['events_per_s']:,.0f} events/s; now aiokafka + fastavro baseline")
    baseline = asyncio.run(_consume_and_decode(stage, events))
    say(f"processor: raw baseline {baseline:,.0f} events/s")
    return {
        "events": events,
        "measured_events_per_s": worker["events_per_s"],
        "measured_window_s": worker["window_s"],
        "baseline_events_per_s": baseline,
        "ratio": worker["events_per_s"] / baseline,
        "worker_peak_rss_mb": worker["peak_rss_mb"],
    }
