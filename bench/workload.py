"""The seeded synthetic workload: N distinct seizures built from a pool, cheap to replay at any size.

Generating a synthetic seizure costs about as much as publishing it, so the bench generates a pool
of distinct records once and replays it with a fresh ``event_id`` per event: the measured stage pays
for its own work only, and every event still has a unique id (no ReplacingMergeTree collapse).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from producers.families import FAMILIES
from producers.synthetic import seizures
from schemas import SingleObjectCodec

FAMILY = FAMILIES["seizure"]
SCHEMA = "iprx.seizure.SeizureRecorded"  # what synthetic seizures are (header.event_type seizure.recorded)
# Single-object header (10 bytes), then the EventHeader: event_id first, a 36-char UUID string whose
# Avro length prefix is the zig-zag varint 0x48. Replaying a pool patches those 36 bytes in place.
EVENT_ID_PREFIX = 10
EVENT_ID_SLICE = slice(EVENT_ID_PREFIX + 1, EVENT_ID_PREFIX + 1 + 36)
POOL_SIZE = 20_000


class Workload:
    """``count`` seizures of seed ``seed``: as records (for the publisher) or as encoded bytes."""

    def __init__(self, seed: int, count: int, pool_size: int = POOL_SIZE) -> None:
        self.seed = seed
        self.count = count
        self.pool = list(seizures(seed, min(count, pool_size)))
        self.keys = [FAMILY.key(r).encode() for r in self.pool]
        self.codec = SingleObjectCodec()
        stamped = datetime(2026, 7, 1, tzinfo=UTC)
        self.encoded = [self._encode_pool_record(r, stamped) for r in self.pool]

    def _encode_pool_record(self, record: dict[str, Any], published_at: datetime) -> bytes:
        value = self.codec.encode(SCHEMA, {**record, "header": {**record["header"], "published_at": published_at}})
        if value[EVENT_ID_PREFIX] != 0x48:
            raise AssertionError("unexpected layout of the encoded EventHeader; cannot replay the pool")
        return value

    def event_ids(self, count: int | None = None) -> Iterator[str]:
        """The unique event ids of the workload (``count`` of them, default all), the same for a seed."""
        rng = random.Random(f"bench-{self.seed}")
        for _ in itertools.repeat(None, self.count if count is None else count):
            yield str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def records(self, count: int | None = None) -> Iterator[dict[str, Any]]:
        """Records ready for :meth:`Publisher.publish` (``published_at`` unset: the publisher stamps it).

        ``count`` may exceed the workload's size (the end-to-end stage publishes for a duration).
        """
        pool = self.pool
        size = len(pool)
        for n, event_id in enumerate(self.event_ids(count)):
            base = pool[n % size]
            yield {**base, "header": {**base["header"], "event_id": event_id, "published_at": None}}

    def messages(self) -> Iterator[tuple[bytes, bytes]]:
        """``(key, value)`` pairs: the pool's encoded bytes with each event's own id patched in."""
        encoded, keys = self.encoded, self.keys
        size = len(encoded)
        for n, event_id in enumerate(self.event_ids()):
            value = bytearray(encoded[n % size])
            value[EVENT_ID_SLICE] = event_id.encode()
            yield keys[n % size], bytes(value)

    def mean_size(self) -> float:
        return sum(map(len, self.encoded)) / len(self.encoded)
