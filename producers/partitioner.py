"""The Publisher's partitioner: kafka-python's (and Java's) keyed choice, remembered per key."""

from __future__ import annotations

from typing import Any

from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.abc import Partitioner

CACHE_LIMIT = 100_000  # keys remembered per producer; beyond it the cache starts again


class KeyedPartitioner(Partitioner):
    """kafka-python's default partitioner (``murmur2(key) mod partitions``, as Java's), remembered per key.

    A member's events share few keys (an exporter, a buyer, a case), and kafka-python hashes each
    key again in pure Python for every record, with a sorted copy of the partition list: about a
    tenth of a send. The choice is remembered per (topic, key, partition count), so a topic that
    gains partitions is hashed again. Records without a key go to the default partitioner.
    """

    def __init__(self) -> None:
        self._fallback = DefaultPartitioner()
        self._chosen: dict[tuple[str, bytes], tuple[int, int]] = {}

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, serialized_value: Any, cluster: Any
    ) -> int:
        args = (topic, key, serialized_key, value, serialized_value, cluster)
        if serialized_key is None:
            return self._fallback.partition(*args)
        count = len(cluster.partitions_for_topic(topic) or ())
        chosen = self._chosen.get((topic, serialized_key))
        if chosen is not None and chosen[0] == count:
            return chosen[1]
        choice = self._fallback.partition(*args)  # raises for a topic the metadata does not know
        if len(self._chosen) >= CACHE_LIMIT:
            self._chosen.clear()
        self._chosen[(topic, serialized_key)] = (count, choice)
        return choice
