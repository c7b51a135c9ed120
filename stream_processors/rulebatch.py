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
from iprx.stream_processors.events import FAMILY_OF_EVENT
from iprx.stream_processors.eventtime import EventClock
from iprx.stream_processors.rulebook import StatefulRule
from iprx.stream_processors.signals import Signal


class RuleBatch:
    def __init__(self, rule: StatefulRule, stored: Callable[[str], Any], partitions: int, clock: EventClock) -> None:
        """``stored(key)`` is the state stored for ``key``; ``clock`` the rule's event-time progress."""
        self.rule = rule
        self.stored = stored
        self.partitions = partitions
        self.clock = clock
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
        self.clock.saw(partition, FAMILY_OF_EVENT[type(item)], item.occurred_at)
        state, raised = self.rule.apply(self.current(key), item)
        self._settle(key, state, self.clock.clock(partition, self.rule.families), raised, tag)

    def watermark(self, at: datetime, partition: int, stored_keys: Iterable[str], tag: Any = None) -> None:
        """Event time has reached ``at`` on ``partition`` for every family: ``due`` for each of its keys."""
        self.clock.lift(partition, at)
        clock = self.clock.clock(partition, self.rule.families)
        for key in self._keys_of(partition, stored_keys):
            self._settle(key, self.current(key), clock, [], tag)

    def tick(self, at: datetime, partition: int, stored_keys: Iterable[str], tag: Any = None) -> None:
        """A wall-clock tick: ``due`` at ``at`` for every key of ``partition`` (stored or pending)."""
        for key in self._keys_of(partition, stored_keys):
            self._settle(key, self.current(key), at, [], tag)

    def _keys_of(self, partition: int, stored_keys: Iterable[str]) -> list[str]:
        """The live keys of ``partition``, in the order the table will hold them: stored keys in place,
        keys new in this batch after."""
        stored = list(stored_keys)
        known = set(stored)
        keys = [k for k in stored if k not in self.pending or self.pending[k][0] is not None]
        keys += [k for k, (state, _) in self.pending.items() if k not in known and state is not None]
        return [k for k in keys if rekey.partition_for(k, self.partitions) == partition]

    def _settle(self, key: str, state: Any, clock: datetime | None, raised: list[Signal], tag: Any) -> None:
        """Record the key's new state and signals, after ``due`` at ``clock`` (None: time is held back)."""
        due: list[Signal] = []
        if clock is not None:
            state, due = self.rule.due(state, clock)
        self.signals += raised
        self.signals += due
        self.pending[key] = (state, tag)
