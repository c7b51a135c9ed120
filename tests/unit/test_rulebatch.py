"""A rule agent's batch gives the signals and states of event-by-event processing; the state cache."""

from __future__ import annotations

import json

import pytest
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures
from iprx.stream_processors import rekey
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.eventtime import EventClock
from iprx.stream_processors.rulebatch import RuleBatch
from iprx.stream_processors.statecache import StateCache

from tests.unit.rule_harness import RULEBOOK, at, notice

PARTITIONS = 3
RULES = [r for r in RULEBOOK.stateful if r.rule_id in ("seizure.repeat_offender", "crossborder.joint_match")]


def synthetic_events(count: int) -> list[object]:
    """Synthetic seizures, and after every tenth a partner notice of its container (joint matches)."""
    codec = SingleObjectCodec()
    events = []
    for n, record in enumerate(seizures(seed=11, count=count)):
        record["header"]["published_at"] = record["header"]["occurred_at"]
        name, decoded = codec.decode(codec.encode("iprx.seizure.SeizureRecorded", record))
        events.append(SCHEMAS[name].from_record(decoded, "iprx.seizure", 0, n))
        if n % 10 == 0:
            events.append(notice(f"n{n}", events[-1].occurred_at, container_no=events[-1].container_no))
    return events


def one_by_one(rule, steps):
    """Each event (or tick) its own batch, stored before the next: the per-event agent."""
    table: dict[str, str] = {}
    clock = EventClock()
    signals = []
    for step in steps:
        batch = RuleBatch(rule, lambda k: rule.load(json.loads(table[k]) if k in table else None), PARTITIONS, clock)
        feed(batch, rule, step, table)
        signals += batch.signals
        store(table, batch)
    return signals, table


def batched(rule, steps, size):
    table: dict[str, str] = {}
    clock = EventClock()
    signals = []
    for start in range(0, len(steps), size):
        batch = RuleBatch(rule, lambda k: rule.load(json.loads(table[k]) if k in table else None), PARTITIONS, clock)
        for step in steps[start : start + size]:
            feed(batch, rule, step, table)
        signals += batch.signals
        store(table, batch)
    return signals, table


def feed(batch, rule, step, table):
    if isinstance(step, tuple):  # (tick time, partition)
        batch.tick(step[0], step[1], list(table))
        return
    for key in rule.keys(step):
        batch.event(key, step, rekey.partition_for(key, PARTITIONS))


def store(table, batch):
    for key, (state, _) in batch.pending.items():
        if state is None:
            table.pop(key, None)
        else:
            table[key] = json.dumps(batch.rule.dump(state))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
@pytest.mark.parametrize("size", [2, 7, 500])
def test_a_batch_raises_what_event_by_event_processing_raises(rule, size):
    events = synthetic_events(300)
    ticks = [(at(400), p) for p in range(PARTITIONS)]  # wall clock far ahead: everything is due
    steps = [*events[:150], ticks[0], *events[150:], *ticks]
    expected_signals, expected_table = one_by_one(rule, steps)
    signals, table = batched(rule, steps, size)
    assert expected_signals  # the workload does exercise the rule
    # The same signals (a tick may visit keys in another order: ids and content are what count).
    assert sorted((str(s.signal_id), s.reason) for s in signals) == sorted(
        (str(s.signal_id), s.reason) for s in expected_signals
    )
    assert table == expected_table


def test_state_cache_decodes_only_values_it_did_not_store():
    rule = RULES[0]
    cache = StateCache(rule, capacity=2)
    event = synthetic_events(1)[0]
    state, _ = rule.apply(rule.new_state(), event)
    value = rule.dump(state)
    cache.stored("k", value, state)
    assert cache.load("k", value) is state
    assert cache.load("k", json.loads(json.dumps(value))) is state  # an equal value, as RocksDB reads it back
    other, _ = rule.apply(state, synthetic_events(2)[1])
    assert other != state
    assert cache.load("k", rule.dump(other)) == other  # another value (another worker's): decoded
    assert cache.load("k", None) == rule.new_state()
    cache.forget("k")
    assert cache.load("k", value) is not state
    cache.stored("a", value, state)
    cache.stored("b", value, state)
    cache.stored("c", value, state)  # over capacity: the least recently used key goes
    assert cache.load("a", value) is not state and cache.load("c", value) is state


def test_state_cache_serves_what_was_stored_until_cleared():
    rule = RULES[0]
    cache = StateCache(rule)
    state, _ = rule.apply(rule.new_state(), synthetic_events(1)[0])
    value = rule.dump(state)
    assert cache.get("k") is None
    cache.stored("k", value, state)
    assert cache.get("k") == (value, state) and cache.get("k")[1] is state
    cache.clear()  # partitions moved: the table is read again
    assert cache.get("k") is None
