"""Re-key messages carry events, ticks and watermarks intact, and a state key always maps to one partition."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from iprx.kernel import topics
from iprx.kernel.config import load_settings
from iprx.stream_processors import rekey
from iprx.stream_processors.events import Seizure
from iprx.stream_processors.rulebook import STATEFUL_RULES
from iprx.stream_processors.signals import Evidence

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_events_ticks_and_watermarks_round_trip():
    seizure = Seizure(
        "e1", AT, "110000", "S-1", "5300", "EXPORT", "852349", Decimal("1500000.00"), 3, "X1",
        Evidence("e1", "iprx.seizure", 2, 7), route=("CN", "US"), container_no="MSKU1234565",
    )  # fmt: skip
    message = rekey.keyed_message([rekey.keyed_part("X1", rekey.dump_event(seizure))])
    assert rekey.load(message) == [("X1", seizure)]
    # A message of one event keyed by its state key, as workers wrote before the Outbox, still reads.
    assert rekey.load(rekey.dump_event(seizure), b"X1") == [("X1", seizure)]
    assert rekey.load(rekey.dump_tick(AT + timedelta(hours=1))) == rekey.Tick(AT + timedelta(hours=1))
    assert rekey.load(rekey.dump_watermark(AT)) == rekey.Watermark(AT)


def test_a_key_has_one_partition_whatever_the_process():
    keys = [f"container:MSKU{n:07d}" for n in range(300)]
    first = [rekey.partition_for(k, 3) for k in keys]
    assert first == [rekey.partition_for(k, 3) for k in keys]
    assert set(first) == {0, 1, 2}  # spread over every partition
    # Fixed values: a change of function would move keys away from their changelog partitions.
    assert [rekey.partition_for(k, 12) for k in ("91110000MA01ABCD1X", "case-1", "bl:BL1")] == [0, 10, 6]


def test_one_rekey_topic_per_stateful_rule_named_after_prefix_and_group():
    settings = load_settings(env={"IPRX_KAFKA_TOPIC_PREFIX": "t1.", "IPRX_WORKER_GROUP_ID": "g1"})
    names = rekey.topic_names(settings)
    assert len(names) == len(set(names)) == len(STATEFUL_RULES)
    assert "t1.g1-referral.overdue-rekey" in names
    assert not set(names) & {settings.topic(t.name) for t in topics.ALL}


def _seizure(n: int) -> Seizure:
    return Seizure(
        f"e{n}", AT + timedelta(minutes=n), "110000", f"S-{n}", "5300", "EXPORT", "852349", Decimal("1.00"), 1,
        f"X{n % 7}", Evidence(f"e{n}", "iprx.seizure", 0, n),
    )  # fmt: skip


def test_an_outbox_gathers_a_batch_into_one_message_per_rule_and_partition_in_event_order():
    outbox = rekey.Outbox(partitions=3)
    sent = []
    for n in range(60):
        seizure = _seizure(n)
        for rule_id, key in (("a", seizure.exporter_id), ("b", f"bl:{n % 5}"), ("b", f'quote"{n % 2}')):
            outbox.add(rule_id, key, rekey.dump_event(seizure))
            sent.append((rule_id, rekey.partition_for(key, 3), key, seizure))
    messages = outbox.drain()
    assert outbox.drain() == []  # drained
    where = [(rule_id, partition) for rule_id, partition, _ in messages]
    assert len(where) == len(set(where)) == len({(r, p) for r, p, _, _ in sent})
    for rule_id, partition, value in messages:
        expected = [(key, s) for r, p, key, s in sent if (r, p) == (rule_id, partition)]
        assert rekey.load(value) == expected


def test_an_outbox_splits_a_long_run_into_messages_under_its_limit_keeping_the_order():
    payloads = [rekey.dump_event(_seizure(n)) for n in range(200)]
    limit = 10 * max(len(p) for p in payloads)
    outbox = rekey.Outbox(partitions=1, limit=limit)
    for n, payload in enumerate(payloads):
        outbox.add("a", f"k{n}", payload)
    messages = outbox.drain()
    assert len(messages) > 15  # about 200 / 10
    assert all(len(value) <= limit + 64 for _, _, value in messages)  # whole events, up to the limit
    keys = [key for _, _, value in messages for key, _ in rekey.load(value)]
    assert keys == [f"k{n}" for n in range(200)]
    # An event over the limit goes alone, between the messages before and after it.
    big = replace(_seizure(1), seizure_id="S" * limit)
    for key, seizure in (("before", _seizure(0)), ("big", big), ("after", _seizure(2))):
        outbox.add("a", key, rekey.dump_event(seizure))
    assert [rekey.load(value) for _, _, value in outbox.drain()] == [
        [("before", _seizure(0))],
        [("big", big)],
        [("after", _seizure(2))],
    ]
