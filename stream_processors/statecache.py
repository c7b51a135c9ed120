"""A stateful rule's decoded states kept beside its table, so a key's state is not read and decoded per event.

The table holds each key's JSON value (what the changelog carries). Reading and decoding it again for
every event was a large share of the worker's time (with RocksDB each read is a lookup and a JSON
decode). Between two rebalances only the rule's own agent writes the keys of the partitions this
worker owns, so what the agent stored last is what the table holds: :meth:`StateCache.stored` pairs
are served as they are (:meth:`StateCache.get`), and the worker clears every cache when partitions
are revoked or assigned, after which values are read from the table again (another worker's, or
restored from the changelog). A value given by the caller is checked against the pair
(:meth:`StateCache.load`). States are immutable, so handing the same one out twice is safe. The most
recently used keys are kept, so that with RocksDB the cache does not grow into a second copy of the
table in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from iprx.stream_processors.rulebook import StatefulRule

CAPACITY = 100_000  # keys per rule


class StateCache:
    def __init__(self, rule: StatefulRule, capacity: int = CAPACITY) -> None:
        self.rule = rule
        self.capacity = capacity
        self._states: OrderedDict[str, tuple[Any, Any]] = OrderedDict()  # key -> (table value, its state)

    def get(self, key: str) -> tuple[Any, Any] | None:
        """``(table value, state)`` as last stored for ``key``, if still kept."""
        hit = self._states.get(key)
        if hit is not None:
            self._states.move_to_end(key)
        return hit

    def load(self, key: str, value: Any) -> Any:
        """The state of ``key`` whose table value is ``value`` (``None``: a key never seen)."""
        hit = self._states.get(key)
        if hit is not None and (hit[0] is value or hit[0] == value):
            self._states.move_to_end(key)
            return hit[1]
        return self.rule.load(value)

    def stored(self, key: str, value: Any, state: Any) -> None:
        """``value`` (the table's value for ``key``) is the JSON form of ``state``."""
        self._states[key] = (value, state)
        self._states.move_to_end(key)
        if len(self._states) > self.capacity:
            self._states.popitem(last=False)

    def forget(self, key: str) -> None:
        self._states.pop(key, None)

    def clear(self) -> None:
        """Forget every key (partitions moved: the table may now hold values this agent did not store)."""
        self._states.clear()
