"""A stateful rule's decoded states kept beside its table, so a key's state is not decoded per event.

The table holds each key's JSON value (what the changelog carries). Decoding it again for every
event was a large share of the worker's time; the cache hands back the state the agent itself stored,
as long as the table still holds the very value object stored with it. Any other value (restored
from the changelog after a restart or a rebalance) is decoded as before.
"""

from __future__ import annotations

from typing import Any

from iprx.stream_processors.rulebook import StatefulRule


class StateCache:
    def __init__(self, rule: StatefulRule) -> None:
        self.rule = rule
        self._states: dict[str, tuple[Any, Any]] = {}  # key -> (table value stored, its state)

    def load(self, key: str, value: Any) -> Any:
        """The state of ``key`` whose table value is ``value`` (``None``: a key never seen)."""
        hit = self._states.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        return self.rule.load(value)

    def stored(self, key: str, value: Any, state: Any) -> None:
        """``value`` (the table's value object for ``key``) is the JSON form of ``state``."""
        self._states[key] = (value, state)

    def forget(self, key: str) -> None:
        self._states.pop(key, None)
