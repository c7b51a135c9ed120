"""Event time on the real broker: the wall clock closes deadlines of a quiet live stream, never of a
backfill, and a watermark (``iprx watermark``) closes what a backfill's own events never reach.

A backfill of months-old events reaches the worker while the wall clock says every deadline among
them has long passed; judged by the wall clock, a case whose in-time referral is still on its way
would be called overdue. The sweep (every ``worker.deadline_sweep_s``) must leave it to event time,
however long the backfill pauses, until the watermark says that nothing older will come.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from iprx.kernel.serialization import serializer_for
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.pipeline.watermark import settle
from iprx.producers.families import FAMILIES
from iprx.stream_processors import rekey
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.eventtime import EventClock
from iprx.stream_processors.rulebatch import RuleBatch
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.ruleset import load_ruleset
from iprx.stream_processors.signals import SIGNAL_SCHEMA, Signal
from kafka import KafkaConsumer, TopicPartition

from tests.case_events import OVER, UNDER, opened, publish, records, referred

pytestmark = pytest.mark.integration
RULE = Rulebook.from_ruleset(load_ruleset()).rule("referral.overdue")
SWEEP_S = 2.0


def as_events(settings, published: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The events the worker builds from ``published`` (through the wire format, as it decodes them)."""
    codec = serializer_for(settings)
    events = []
    for family, record in published:
        record = {**record, "header": {**record["header"], "published_at": datetime.now(UTC)}}
        name, decoded = codec.decode(codec.encode(FAMILIES[family].schema_for(record), record))
        events.append(SCHEMAS[name].from_record(decoded, "t", 0, len(events)))
    return events


def judged(
    events: list[Any], partitions: int, wall_clock: datetime | None = None, watermark: datetime | None = None
) -> set[tuple]:
    """The signals of event-time judgement (``stream_processors.eventtime``), then, if given, of one
    wall-clock tick of every partition once the stream is quiet, or of a watermark."""
    batch = RuleBatch(RULE, lambda key: RULE.load(None), partitions, EventClock())
    for event in events:
        for key in RULE.keys(event):
            batch.event(key, event, rekey.partition_for(key, partitions))
    for p in range(partitions):
        if wall_clock is not None:
            batch.tick(wall_clock, p, [])
        if watermark is not None:
            batch.watermark(watermark, p, [])
    return {key_of(s) for s in batch.signals}


def key_of(signal: Signal | dict[str, Any]) -> tuple:
    if isinstance(signal, Signal):
        return (signal.rule_id, signal.subject_id, frozenset(e.event_id for e in signal.evidence), signal.severity)
    evidence = frozenset(str(e["event_id"]) for e in signal["evidence"])
    return (signal["rule_id"], signal["subject_id"], evidence, signal["severity"])


def emitted(settings) -> list[tuple]:
    """Every signal of the rule on the signals topic so far, as (rule, subject, evidence event ids, severity).

    (The same case events also raise the stateless referral.threshold_met, which no clock decides.)
    """
    codec = serializer_for(settings)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, consumer_timeout_ms=1000)
    topic = settings.topic("signals")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()])
    consumer.seek_to_beginning()
    found = [key_of(codec.decode(m.value, expect=SIGNAL_SCHEMA)[1]) for m in consumer]
    found = [s for s in found if s[0] == RULE.rule_id]
    consumer.close()
    return found


def quiet(settings, worker: Child) -> list[tuple]:
    """What the worker has emitted once it has caught up and then swept a few times with nothing new."""
    groups = pipeline_groups(settings)[:1]  # the worker's group; no sink here
    wait_until_caught_up(settings, groups, [worker], timeout_s=120)
    time.sleep(3 * SWEEP_S)
    wait_until_caught_up(settings, groups, [worker], timeout_s=120)
    return emitted(settings)


def case_ids_in(partition: int, partitions: int, prefix: str, count: int) -> list[str]:
    """``count`` case ids whose state keys live in re-key ``partition``."""
    ids = (f"{prefix}-{n:04d}" for n in range(10_000))
    found = [i for i in ids if rekey.partition_for(i, partitions) == partition]
    return found[:count]


@pytest.fixture
def worker(pipeline_env):
    sweep = {"IPRX_WORKER_DEADLINE_SWEEP_S": str(SWEEP_S)}
    child = Child("worker", ["worker"], pipeline_env.data_dir, pipeline_env.process_env(**sweep))
    try:
        yield pipeline_env.settings(**sweep), child
    finally:
        child.stop()


def warm_up(settings, worker: Child, tmp_path) -> None:
    """One event through the worker, so that it is consuming before the test's events go out."""
    publish(settings, records(tmp_path, [opened("WARM-UP", datetime.now(UTC) - timedelta(days=365), UNDER)]))
    wait_until_caught_up(settings, pipeline_groups(settings)[:1], [worker], timeout_s=120)


def test_a_backfill_waits_for_the_watermark_whatever_the_pauses(worker, tmp_path):
    settings, child = worker
    partitions = settings.kafka.partitions
    warm_up(settings, child, tmp_path)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=120)
    # K is over the threshold and referred in time (48 h of 72), but its referral comes last, after
    # a pause of several sweeps: by the wall clock K is long overdue meanwhile.
    # L is over the threshold and never referred: overdue by event time and wall clock alike, but
    # nothing after it in the backfill reaches its deadline: only the watermark closes it.
    k_case = "K-2026-001"
    fillers = case_ids_in(rekey.partition_for(k_case, partitions), partitions, "F-2026", 10)
    backfill = [opened(k_case, t0, OVER), opened("L-2026-001", t0 + timedelta(hours=1), OVER)]
    backfill += [opened(case, t0 + timedelta(minutes=n + 1), UNDER) for n, case in enumerate(fillers)]
    first, last = records(tmp_path, backfill), records(tmp_path, [referred(k_case, t0 + timedelta(hours=48))])
    events = as_events(settings, first + last)

    publish(settings, first)
    assert quiet(settings, child) == []  # swept while idle: a backfill is not live, nothing closes
    publish(settings, last)
    assert quiet(settings, child) == []

    at = datetime.now(UTC)
    settle(settings, at, [child], timeout_s=120, landed=False)
    want = judged(events, partitions, watermark=at)
    assert {s[1] for s in want} == {"L-2026-001"}  # the scenario tells the judgements apart:
    assert {s[1] for s in judged(events[:1], partitions, wall_clock=at)} == {k_case}  # K only by the wall clock
    got = emitted(settings)
    assert sorted(got, key=repr) == sorted(want, key=repr)  # each signal once, exactly those


def test_a_quiet_live_stream_gets_its_deadline_signal_from_the_wall_clock(worker, tmp_path):
    settings, child = worker
    partitions = settings.kafka.partitions
    warm_up(settings, child, tmp_path)
    # Q was opened 100 h ago: its deadline (72 h) plus grace (24 h) has passed by the wall clock, and
    # the stream is live: a case of Q's re-key partition was opened a minute ago. Event time alone
    # never closes Q's deadline; the wall clock, once the partition is idle, does.
    now = datetime.now(UTC)
    live = case_ids_in(rekey.partition_for("Q-2026-001", partitions), partitions, "LIVE", 1)[0]
    published = records(
        tmp_path,
        [opened("Q-2026-001", now - timedelta(hours=100), OVER), opened(live, now - timedelta(minutes=1), UNDER)],
    )
    events = as_events(settings, published)
    assert judged(events, partitions) == set()  # event time alone: no signal

    publish(settings, published)
    got = quiet(settings, child)
    now = datetime.now(UTC)
    want = judged(events, partitions, wall_clock=now)
    assert {s[1] for s in want} == {"Q-2026-001"}
    assert want == judged(events, partitions, watermark=now)  # the same signal event time gives at now
    assert sorted(got, key=repr) == sorted(want, key=repr)
