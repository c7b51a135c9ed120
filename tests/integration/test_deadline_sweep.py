"""The wall-clock sweep on the real broker: it closes deadlines of a quiet stream, never of a backfill.

A backfill of months-old events reaches the worker while the wall clock says every deadline among
them has long passed. The sweep (every ``worker.deadline_sweep_s``) must leave a re-key partition
that keeps receiving events to event time; judged by the wall clock, a case whose in-time referral
is still on its way would be called overdue. Once the stream is quiet, the wall clock must close
what event time alone never will.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from iprx.kernel.serialization import serializer_for
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.producers.families import FAMILIES
from iprx.stream_processors import rekey
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.rulebatch import RuleBatch
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.ruleset import load_ruleset
from iprx.stream_processors.signals import SIGNAL_SCHEMA, Signal
from kafka import KafkaConsumer, TopicPartition

from tests.case_events import OVER, UNDER, opened, publish, records, referred

pytestmark = pytest.mark.integration
RULE = Rulebook.from_ruleset(load_ruleset()).rule("referral.overdue")
SWEEP_S = 2.0
FILLER_EVERY_S = 0.2  # well inside a sweep interval: the partition never looks idle during the backfill


def as_events(settings, published: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The events the worker builds from ``published`` (through the wire format, as it decodes them)."""
    codec = serializer_for(settings)
    events = []
    for family, record in published:
        record = {**record, "header": {**record["header"], "published_at": datetime.now(UTC)}}
        name, decoded = codec.decode(codec.encode(FAMILIES[family].schema_for(record), record))
        events.append(SCHEMAS[name].from_record(decoded, "t", 0, len(events)))
    return events


def judged(events: list[Any], partitions: int, wall_clock: datetime | None) -> set[tuple]:
    """The signals of event-time judgement (each re-key partition's clock: the latest event time it saw),
    then, if ``wall_clock`` is given, of one wall-clock tick of every partition once the stream is quiet."""
    batch = RuleBatch(RULE, lambda key: RULE.load(None), partitions, {})
    for event in events:
        for key in RULE.keys(event):
            batch.event(key, event, rekey.partition_for(key, partitions))
    if wall_clock is not None:
        for p in range(partitions):
            batch.tick(wall_clock, p, [])
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


def wait_for(settings, worker: Child, want: set[tuple], timeout_s: float = 60) -> list[tuple]:
    """Wait until the worker has caught up and emitted ``want``; then a few more sweeps for anything extra."""
    groups = pipeline_groups(settings)[:1]  # the worker's group; no sink here
    deadline = time.monotonic() + timeout_s
    while True:
        wait_until_caught_up(settings, groups, [worker], timeout_s=timeout_s)
        if set(emitted(settings)) >= want or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    time.sleep(3 * SWEEP_S)
    wait_until_caught_up(settings, groups, [worker], timeout_s=timeout_s)
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
    """One event through the worker, so that it is consuming before the test's events go out.

    It is older than any of them: a re-key partition's event-time clock only moves forward.
    """
    publish(settings, records(tmp_path, [opened("WARM-UP", datetime.now(UTC) - timedelta(days=365), UNDER)]))
    wait_until_caught_up(settings, pipeline_groups(settings)[:1], [worker], timeout_s=120)


def test_a_backfill_is_judged_by_event_time_while_the_sweep_runs(worker, tmp_path):
    settings, child = worker
    partitions = settings.kafka.partitions
    warm_up(settings, child, tmp_path)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=120)
    # K is over the threshold and referred in time (48 h of 72), but its referral comes last, after
    # a stream of other cases of K's re-key partition: by the wall clock K is long overdue meanwhile.
    # L is over the threshold and never referred: overdue by event time and wall clock alike.
    k_case = "K-2026-001"
    fillers = case_ids_in(rekey.partition_for(k_case, partitions), partitions, "F-2026", 40)
    backfill = [opened(k_case, t0, OVER), opened("L-2026-001", t0 + timedelta(hours=1), OVER)]
    backfill += [opened(case, t0 + timedelta(minutes=n + 1), UNDER) for n, case in enumerate(fillers)]
    backfill.append(referred(k_case, t0 + timedelta(hours=48)))
    published = records(tmp_path, backfill)
    events = as_events(settings, published)

    started = time.monotonic()
    publish(settings, published, every_s=FILLER_EVERY_S)
    assert time.monotonic() - started >= 3 * SWEEP_S  # the sweep ran several times during the backfill

    got = wait_for(settings, child, judged(events, partitions, datetime.now(UTC)))
    want = judged(events, partitions, datetime.now(UTC))
    assert sorted(got, key=repr) == sorted(want, key=repr)  # each signal once, exactly those
    # The scenario tells the two judgements apart: L fires either way, K only by the wall clock.
    assert {s[1] for s in want} == {"L-2026-001"}
    k_opened = [e for e in events if e.case_id == k_case][:1]
    assert {s[1] for s in judged(k_opened, partitions, datetime.now(UTC))} == {k_case}


def test_a_quiet_stream_gets_its_deadline_signal_from_the_wall_clock(worker, tmp_path):
    settings, child = worker
    partitions = settings.kafka.partitions
    warm_up(settings, child, tmp_path)
    # Opened 100 h ago: the deadline (72 h) plus grace (24 h) has passed by the wall clock, while the
    # event's own time can never close it; nothing else arrives.
    published = records(tmp_path, [opened("Q-2026-001", datetime.now(UTC) - timedelta(hours=100), OVER)])
    events = as_events(settings, published)
    assert judged(events, partitions, None) == set()  # event time alone: no signal, ever

    publish(settings, published)
    want = judged(events, partitions, datetime.now(UTC))
    got = wait_for(settings, child, want)
    assert got and sorted(got, key=repr) == sorted(want, key=repr)
