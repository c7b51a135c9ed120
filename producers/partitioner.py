"""The Publisher's partitioner: kafka-python's (and Java's) keyed choice, remembered per key."""

from __future__ import annotations

from typing import Any

from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.abc import Partitioner
from kafka.partitioner.default import murmur2

CACHE_LIMIT = 100_000  # keys remembered per producer; beyond it the cache starts again


class KeyedPartitioner(Partitioner):
    """``murmur2(key) mod partitions``, exactly as the default partitioners of kafka-python and Java.

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
        if serialized_key is None:
            return self._fallback.partition(topic, key, serialized_key, value, serialized_value, cluster)
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        count = len(partitions)
        chosen = self._chosen.get((topic, serialized_key))
        if chosen is not None and chosen[0] == count:
            return chosen[1]
        choice = sorted(partitions)[(murmur2(serialized_key) & 0x7FFFFFFF) % count]
        if len(self._chosen) >= CACHE_LIMIT:
            self._chosen.clear()
        self._chosen[(topic, serialized_key)] = (count, choice)
        return choice
