"""End to end: latency from publish to row in ClickHouse at a fixed offered rate, and the maximum rate.

"Row visible" is measured as the row's ``_ingested_at`` (``DEFAULT now64(3)``, set by ClickHouse when
the insert runs) minus the event's ``published_at`` (set by the Publisher when it is called): a
ClickHouse row is visible to queries once its insert returns. Both columns are read after the sink
has stopped, because chDB lets only the sink's process open the store while it runs.

Maximum sustainable rate: a short ramp of fixed-rate steps. A step is sustained when the Publisher
achieved at least 90% of the offered rate and the pipeline (worker and sink groups) drained to lag 0
within ``DRAIN_LIMIT_S`` after the step. The worker commits every 2.8 s, so lag 0 is never sooner.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from iprx.bench.environment import BenchChild, Stage
from iprx.bench.sink import in_fresh_process
from iprx.bench.workload import Workload
from iprx.kernel.config import load_settings
from iprx.pipeline.supervise import pipeline_groups, say, wait_until_caught_up
from iprx.producers import Publisher

DRAIN_LIMIT_S = 5.0
WARMUP_EVENTS = 200


class TokenBucket:
    """Paces calls to ``rate`` per second, allowing bursts of at most ``burst_s`` worth of tokens.

    The burst covers the publisher being descheduled on a busy machine (tens of ms): without it,
    every such pause would lower the offered rate instead of being caught up.
    """

    def __init__(self, rate: float, burst_s: float = 0.25) -> None:
        self.rate = rate
        self.capacity = max(rate * burst_s, 1.0)
        self.tokens = 0.0  # start empty: the achieved rate over a step is the offered one
        self.last = time.perf_counter()

    def take(self) -> None:
        while True:
            now = time.perf_counter()
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return
            time.sleep((1.0 - self.tokens) / self.rate)


def publish_paced(publisher: Publisher, records: Iterator[dict[str, Any]], rate: float, seconds: float) -> float:
    """Publish at ``rate`` events/s for ``seconds``, then flush; return the achieved rate (flush excluded)."""
    bucket = TokenBucket(rate)
    started = time.perf_counter()
    deadline = started + seconds
    sent = 0
    while time.perf_counter() < deadline:
        bucket.take()
        publisher.publish("seizure", next(records))
        sent += 1
    achieved = sent / (time.perf_counter() - started)
    publisher.flush()
    return achieved


def drain_seconds(stage: Stage, children: list[BenchChild], limit_s: float) -> float:
    """Seconds until every pipeline group reaches lag 0 (gives up after ``limit_s`` x 6)."""
    started = time.monotonic()
    groups = pipeline_groups(stage.settings)
    while True:
        for child in children:
            child.check_alive()
        if all(stage.total_lag(group, names) == 0 for group, names in groups):
            return time.monotonic() - started
        if time.monotonic() - started > limit_s * 6:
            return time.monotonic() - started
        time.sleep(0.2)


def drained_text(seconds: float) -> str:
    """How a drain went, for progress lines (``drain_seconds`` gives up after 6 x the limit)."""
    if seconds > DRAIN_LIMIT_S * 6:
        return f"still lagging after {seconds:.0f}s"
    return f"drained in {seconds:.1f}s"


def latencies(env: dict[str, str], since_ms: int, until_ms: int) -> dict[str, Any]:
    """Percentiles of publish-to-insert latency (ms) for seizures and for the signals they raised."""
    from iprx.sinks.clickhouse.store import Store

    settings = load_settings(env=dict(os.environ) | env)
    window = {"a": since_ms, "b": until_ms}
    with Store(settings, "iprx bench") as store:
        client, database = store.client, store.database
        seizures = client.query(
            "SELECT count(), quantiles(0.5, 0.95, 0.99)(toUnixTimestamp64Milli(_ingested_at) "
            f"- toUnixTimestamp64Milli(published_at)) FROM {database}.seizures "
            "WHERE toUnixTimestamp64Milli(published_at) BETWEEN {a:Int64} AND {b:Int64}",
            parameters=window,
        ).result_rows[0]
        signals = client.query(
            "SELECT count(), quantiles(0.5, 0.95, 0.99)(toUnixTimestamp64Milli(g._ingested_at) - s.pub) "
            f"FROM {database}.signals AS g INNER JOIN (SELECT toString(event_id) AS id, "
            f"toUnixTimestamp64Milli(published_at) AS pub FROM {database}.seizures "
            "WHERE toUnixTimestamp64Milli(published_at) BETWEEN {a:Int64} AND {b:Int64}) AS s "
            "ON g.causation_id = s.id",
            parameters=window,
        ).result_rows[0]
    return {
        "seizure_rows": int(seizures[0]),
        "seizure_latency_ms": dict(zip(("p50", "p95", "p99"), map(float, seizures[1]), strict=True)),
        "signal_rows": int(signals[0]),
        "signal_latency_ms": dict(zip(("p50", "p95", "p99"), map(float, signals[1]), strict=True)),
    }


def ramp(
    stage: Stage,
    publisher: Publisher,
    records: Iterator[dict[str, Any]],
    children: list[BenchChild],
    first: tuple[float, float, float],
    step_s: float,
    max_steps: int,
) -> tuple[float, list[dict[str, float]]]:
    """Raise (or, if the first rate failed, lower) the offered rate until a step fails or passes."""
    rate, achieved, drained = first
    steps = [{"offered": rate, "achieved": achieved, "drain_s": drained}]

    def sustained(step: dict[str, float]) -> bool:
        return step["achieved"] >= 0.9 * step["offered"] and step["drain_s"] <= DRAIN_LIMIT_S

    going_up = sustained(steps[0])
    best = rate if going_up else 0.0
    for _ in range(max_steps):
        rate = rate * 1.5 if going_up else rate / 2
        if rate < 100:
            break
        say(f"e2e ramp: offering {rate:,.0f} events/s for {step_s:.0f}s")
        achieved = publish_paced(publisher, records, rate, step_s)
        step = {"offered": rate, "achieved": achieved, "drain_s": drain_seconds(stage, children, DRAIN_LIMIT_S)}
        steps.append(step)
        say(f"e2e ramp: achieved {achieved:,.0f} events/s, {drained_text(step['drain_s'])}")
        if step["drain_s"] > DRAIN_LIMIT_S:
            drain_seconds(stage, children, 60)  # start the next step from an empty backlog
        if sustained(step):
            best = max(best, rate)
            if not going_up:
                break
        elif going_up:
            break
    return best, steps


def bound(best: float, steps: list[dict[str, float]]) -> tuple[float, str]:
    """The ramp's answer as ``(rate, relation)``: "=" found, ">=" never failed, "<" never sustained."""
    if best == 0.0:
        return min(s["offered"] for s in steps), "<"
    if best == max(s["offered"] for s in steps):
        return best, ">="
    return best, "="


def run(stage: Stage, seed: int, rate: float, seconds: float, step_s: float, max_steps: int) -> dict[str, Any]:
    """Worker and sink running; publish at ``rate`` for ``seconds``; then the ramp; then read latencies."""
    workload = Workload(seed, WARMUP_EVENTS)
    records = workload.records(count=10**12)
    children = [stage.start("e2e-worker", ["worker"]), stage.start("e2e-sink", ["sink"])]
    try:
        with Publisher(stage.settings) as publisher:
            for _ in range(WARMUP_EVENTS):
                publisher.publish("seizure", next(records))
            publisher.flush()
            wait_until_caught_up(stage.settings, pipeline_groups(stage.settings), children, timeout_s=180)
            say(f"e2e: pipeline ready; offering {rate:,.0f} events/s for {seconds:.0f}s")
            since = int(datetime.now(UTC).timestamp() * 1000)
            achieved = publish_paced(publisher, records, rate, seconds)
            until = int(datetime.now(UTC).timestamp() * 1000)
            drained = drain_seconds(stage, children, DRAIN_LIMIT_S)
            say(f"e2e: achieved {achieved:,.0f} events/s, {drained_text(drained)}; ramp")
            if drained > DRAIN_LIMIT_S:
                drain_seconds(stage, children, 60)
            best, steps = ramp(stage, publisher, records, children, (rate, achieved, drained), step_s, max_steps)
        wait_until_caught_up(stage.settings, pipeline_groups(stage.settings), children, timeout_s=600)
        rss = {child.name: child.peak_rss_mb() for child in children}
    finally:
        for child in children:
            child.stop(timeout=60)
    result = in_fresh_process(latencies, stage.env, since, until)
    return {
        "offered_events_per_s": rate,
        "achieved_events_per_s": achieved,
        "seconds": seconds,
        **result,
        "max_sustainable_events_per_s": bound(best, steps)[0],
        "max_sustainable_relation": bound(best, steps)[1],
        "ramp": steps,
        "worker_peak_rss_mb": rss["e2e-worker"],
        "sink_peak_rss_mb": rss["e2e-sink"],
    }
