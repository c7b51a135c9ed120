"""One batch of a stateful rule agent's input, worked out before anything of it is stored.

The agent takes events in batches; a :class:`RuleBatch` applies them in order, each seeing the state
the earlier ones left (``pending``), and collects every signal. The agent then sends the signals,
waits until all are delivered, and only then stores the pending states: the guarantee of
``stream_processors.app`` (signals delivered before the state that produced them is stored) holds
for the batch as a whole, with one wait for delivery per batch instead of one per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from iprx.stream_processors import rekey
from iprx.stream_processors.rulebook import StatefulRule
from iprx.stream_processors.signals import Signal


class RuleBatch:
    def __init__(
        self, rule: StatefulRule, stored: Callable[[str], Any], partitions: int, clocks: dict[int, datetime]
    ) -> None:
        """``stored(key)`` is the state stored for ``key``; ``clocks`` the event-time clock per partition."""
        self.rule = rule
        self.stored = stored
        self.partitions = partitions
        self.clocks = clocks
        self.pending: dict[str, tuple[Any, Any]] = {}  # key -> (new state, None: delete; the event's tag)
        self.signals: list[Signal] = []

    def current(self, key: str) -> Any:
        """The state of ``key`` after the batch's events so far."""
        if key in self.pending:
            state = self.pending[key][0]
            return self.rule.new_state() if state is None else state
        return self.stored(key)

    def event(self, key: str, item: Any, partition: int, tag: Any = None) -> None:
        """Apply an event, then ``due`` at the partition's clock (``tag`` travels with the key's new state)."""
        clock = max(item.occurred_at, self.clocks.get(partition, item.occurred_at))
        self.clocks[partition] = clock
        state, raised = self.rule.apply(self.current(key), item)
        self._settle(key, state, clock, raised, tag)

    def tick(self, at: datetime, partition: int, stored_keys: Iterable[str], tag: Any = None) -> None:
        """A wall-clock tick: ``due`` at ``at`` for every key of ``partition`` (stored or pending)."""
        # In the order the table will hold them: stored keys in place, keys new in this batch after.
        stored = list(stored_keys)
        known = set(stored)
        keys = [k for k in stored if k not in self.pending or self.pending[k][0] is not None]
        keys += [k for k, (state, _) in self.pending.items() if k not in known and state is not None]
        for key in keys:
            if rekey.partition_for(key, self.partitions) == partition:
                self._settle(key, self.current(key), at, [], tag)

    def _settle(self, key: str, state: Any, clock: datetime, raised: list[Signal], tag: Any) -> None:
        state, due = self.rule.due(state, clock)
        self.signals += raised
        self.signals += due
        self.pending[key] = (state, tag)
