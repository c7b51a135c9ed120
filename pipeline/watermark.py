"""Closing event time: tell the worker that no event older than an instant will be published.

Event time moves with the events of every family a rule reads (``stream_processors.eventtime``),
so what the data itself never reaches (the deadline after a backfill's last case, the window after
its last seizure) waits for a watermark. :func:`settle` is the one way to send it: it waits until
the worker has read every input record published so far (so every re-keyed event is ahead of the
watermark on its partition), writes a watermark record to every partition of every re-key topic,
and waits until the worker has processed them. Then every signal implied by what was published,
at the watermark's time, has been emitted: the pipeline is *settled*.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import connecting, kafka_python_options
from iprx.pipeline.supervise import Child, PipelineError, pipeline_groups, say, wait_until_caught_up
from kafka import KafkaProducer


def send_watermark(settings: Settings, at: datetime) -> int:
    """Write a watermark at ``at`` to every partition of every re-key topic; return how many."""
    from iprx.stream_processors import rekey  # imported late: it pulls in the rules

    with connecting(settings.kafka):
        producer = KafkaProducer(**kafka_python_options(settings.kafka), acks="all", client_id="iprx-watermark")
    try:
        sent = []
        for name in rekey.topic_names(settings):
            partitions = producer.partitions_for(name)
            if not partitions:
                raise PipelineError(f"the re-key topic {name} does not exist: start `iprx worker` first")
            sent += [producer.send(name, rekey.dump_watermark(at), partition=p) for p in sorted(partitions)]
        producer.flush()
        for future in sent:
            future.get(timeout=30)
        return len(sent)
    finally:
        producer.close()


def settle(
    settings: Settings,
    at: datetime | None = None,
    children: Sequence[Child] = (),
    timeout_s: float = 300.0,
    landed: bool = True,
) -> datetime:
    """Advance event time to ``at`` (default: now) once the worker has read its inputs, and wait until
    the worker (and with ``landed`` the sink too) has processed everything; return the watermark."""
    at = at or datetime.now(UTC)
    deadline = time.monotonic() + timeout_s
    worker = settings.worker.group_id
    inputs = [settings.topic(t.name) for t in topics.WORKER_INPUTS]
    say(f"waiting for worker group {worker} to read every input before the watermark")
    wait_until_caught_up(settings, [(worker, inputs)], list(children), timeout_s)
    count = send_watermark(settings, at)
    say(f"watermark {at.isoformat()} sent to {count} re-key partitions; waiting until the pipeline settles")
    groups = pipeline_groups(settings) if landed else pipeline_groups(settings)[:1]
    wait_until_caught_up(settings, groups, list(children), max(deadline - time.monotonic(), 1.0))
    say(f"settled at {at.isoformat()}")
    return at
