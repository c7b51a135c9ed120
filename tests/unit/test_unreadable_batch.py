"""Locating the record batch kafka-python could not read, with kafka-python's own parser on real batch bytes."""

from __future__ import annotations

import pytest
from iprx.sinks.consumer import unreadable_batch
from kafka import TopicPartition
from kafka.consumer.fetcher import Fetcher
from kafka.errors import CorruptRecordError
from kafka.record.memory_records import MemoryRecords, MemoryRecordsBuilder

TP = TopicPartition("t.seizure", 2)


def batch(first_offset: int, count: int) -> bytes:
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20, offset=first_offset)
    for i in range(count):
        builder.append(timestamp=1_700_000_000_000, key=None, value=b"record %d" % (first_offset + i))
    builder.close()
    return bytes(builder.buffer())


def test_a_corrupt_batch_after_good_ones_is_located_at_its_first_offset():
    corrupt = bytearray(batch(3, 4))
    corrupt[-1] ^= 0xFF  # one flipped byte in the last record: the batch's CRC no longer matches
    records = Fetcher.PartitionRecords(0, TP, MemoryRecords(batch(0, 3) + bytes(corrupt)))
    assert [r.offset for r in records.take(100)] == [0, 1, 2]  # the good batch comes through
    with pytest.raises(CorruptRecordError) as failure:
        records.take(100)
    assert unreadable_batch(failure.value) == (TP, 3)


def test_other_errors_are_not_taken_for_an_unreadable_batch():
    try:
        raise CorruptRecordError("raised by something else than the fetcher's parsing")
    except CorruptRecordError as exc:
        assert unreadable_batch(exc) is None
