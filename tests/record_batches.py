"""Kafka record batches as the broker stores them, built with kafka-python's own writer."""

from __future__ import annotations

from kafka.record.memory_records import MemoryRecordsBuilder


def batch(first_offset: int, count: int) -> bytes:
    """One uncompressed v2 batch of ``count`` records starting at ``first_offset``."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20, offset=first_offset)
    for i in range(count):
        builder.append(timestamp=1_700_000_000_000, key=None, value=b"record %d" % (first_offset + i))
    builder.close()
    return bytes(builder.buffer())


def corrupt(data: bytes) -> bytes:
    """``data`` with one flipped byte in its last record: the batch's CRC no longer matches."""
    flipped = bytearray(data)
    flipped[-1] ^= 0xFF
    return bytes(flipped)
