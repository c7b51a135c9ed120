"""Locating the record batch kafka-python could not read, with kafka-python's own parser on real batch bytes."""

from __future__ import annotations

import pytest
from iprx.sinks.consumer import unreadable_batch
from kafka import TopicPartition
from kafka.consumer.fetcher import Fetcher
from kafka.errors import CorruptRecordError
from kafka.record.memory_records import MemoryRecords

from tests.record_batches import batch, corrupt

TP = TopicPartition("t.seizure", 2)


def test_a_corrupt_batch_after_good_ones_is_located_at_its_first_offset():
    records = Fetcher.PartitionRecords(0, TP, MemoryRecords(batch(0, 3) + corrupt(batch(3, 4))))
    assert [r.offset for r in records.take(100)] == [0, 1, 2]  # the good batch comes through
    with pytest.raises(CorruptRecordError) as failure:
        records.take(100)
    assert unreadable_batch(failure.value) == (TP, 3)


def test_other_errors_are_not_taken_for_an_unreadable_batch():
    try:
        raise CorruptRecordError("raised by something else than the fetcher's parsing")
    except CorruptRecordError as exc:
        assert unreadable_batch(exc) is None
