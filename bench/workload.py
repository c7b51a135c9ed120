"""The seeded synthetic workload: N distinct seizures built from a pool, cheap to replay at any size.

Generating a synthetic seizure costs about as much as publishing it, so the bench generates a pool
of distinct records once and replays it with a fresh ``event_id`` per event: the measured stage pays
for its own work only, and every event still has a unique id (no ReplacingMergeTree collapse).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from iprx.producers.families import FAMILIES
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures

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

    def records(self, count: int | None = None, event_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Records ready for :meth:`Publisher.publish` (``published_at`` unset: the publisher stamps it).

        ``count`` may exceed the workload's size (the end-to-end stage publishes for a duration);
        ``event_ids``, made beforehand by :meth:`event_ids`, keeps their making out of a timed loop.
        """
        pool = self.pool
        size = len(pool)
        for n, event_id in enumerate(self.event_ids(count) if event_ids is None else event_ids):
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


MIX_CHUNK = 20_000  # events per `iprx simulate` run: bounds the bench's memory at any workload size


class MixedWorkload:
    """``count`` events of every family from `iprx simulate` (planted patterns for every rule plus noise).

    Generated in chunks of :data:`MIX_CHUNK` events, chunk ``n`` with simulate seed ``seed * 1000 + n``
    and the same anchor (default today 00:00 UTC, so the planted patterns are recent enough to fire),
    and encoded as the Publisher would; generating costs the measured stage nothing (it is pre-filled).
    """

    def __init__(self, seed: int, count: int, anchor: datetime | None = None) -> None:
        from iprx.simulation import default_anchor, minimum_count

        self.seed = seed
        self.count = count
        self.anchor = anchor or default_anchor()
        self.codec = SingleObjectCodec()
        smallest = minimum_count()
        if count < smallest:
            raise ValueError(f"the mixed workload needs at least {smallest} events, got {count}")
        sizes = [MIX_CHUNK] * (count // MIX_CHUNK)
        rest = count - sum(sizes)
        if rest >= smallest or not sizes:
            sizes.append(rest)
        else:
            sizes[-1] += rest  # too few for a simulation of their own
        self.chunk_sizes = [s for s in sizes if s]

    def messages(self) -> Iterator[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
        """``(topic name without prefix, key, value, headers)`` of every event, chunk by chunk."""
        from iprx.simulation import simulate

        for n, size in enumerate(self.chunk_sizes):
            for planned in simulate(self.seed * 1000 + n, size, self.anchor).planned:
                yield self._encode(planned.family, planned.record)

    def _encode(self, family: str, record: dict[str, Any]) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
        spec = FAMILIES[family]
        header = {**record["header"], "published_at": self.anchor}
        header["publisher"] = header.get("publisher") or "bench"
        record = {**record, "header": header}
        schema = spec.schema_for(record)
        if not isinstance(schema, str):
            raise AssertionError(f"simulate made a {family} record without a schema: {schema}")
        headers = [
            ("iprx-schema", schema.encode()),
            ("iprx-publisher", str(header["publisher"]).encode()),
            ("iprx-event-type", str(header["event_type"]).encode()),
        ]
        return spec.topic.name, spec.key(record).encode(), self.codec.encode(schema, record), headers
