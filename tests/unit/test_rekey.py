"""Re-key messages carry events, ticks and watermarks intact, and a state key always maps to one partition."""

from __future__ import annotations

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
    assert rekey.load(rekey.dump_event(seizure)) == seizure
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
