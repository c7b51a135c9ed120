"""Re-keying events to a stateful rule's state key, through one internal topic per rule.

A rule's table is only ever updated from its re-key topic, and every key always goes to the same
partition of it (:func:`partition_for`, chosen here rather than by a producer's partitioner), so the
table's changelog partition for a key never changes. Messages are JSON: events with their state keys
(``{"keyed": [["<key>", {"type": "Seizure", "event": {...}}], ...]}``, each event the dataclass via
``statecodec``, every key of the message in the message's partition; see :class:`Outbox`), a wall-clock
tick (``{"tick": "<ISO time>"}``) asking the rule to sweep every key of that partition, or a
watermark (``{"watermark": "<ISO time>"}``, sent to every partition by ``iprx watermark``): event
time has reached that instant for every family (see ``stream_processors.eventtime``).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iprx.kernel.config import Settings
from iprx.stream_processors import statecodec
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.rulebook import STATEFUL_RULES

EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in SCHEMAS.values()}


def topic_name(settings: Settings, rule_id: str) -> str:
    """The rule's re-key topic; named after the worker group, like Faust's own internal topics."""
    return settings.topic(f"{settings.worker.group_id}-{rule_id}-rekey")


def topic_names(settings: Settings, rule_ids: list[str] | None = None) -> list[str]:
    return [topic_name(settings, rule_id) for rule_id in rule_ids or [m.RULE.rule_id for m in STATEFUL_RULES]]


def partition_for(key: str, partitions: int) -> int:
    """The re-key topic partition (and so the table changelog partition) of a state key."""
    return zlib.crc32(key.encode()) % partitions


def dump_event(event: Any) -> bytes:
    """An event's part of a re-key message (made once, whatever the number of rules and keys it goes to)."""
    return json.dumps({"type": type(event).__name__, "event": statecodec.to_json(event)}).encode()


# Faust's cost is per record far more than per byte, so the source agents send one message per rule and
# re-key partition per batch, holding up to this many bytes of events, instead of one message per event.
MESSAGE_BYTES = 256 << 10


class Outbox:
    """One source batch's re-keyed events, gathered into messages of one rule and partition each.

    Events keep their order within a (rule, partition). A message holds whole events up to ``limit``
    bytes; an event larger than that goes alone.
    """

    def __init__(self, partitions: int, limit: int = MESSAGE_BYTES) -> None:
        self.partitions = partitions
        self.limit = limit
        self._open: dict[tuple[str, int], tuple[list[bytes], int]] = {}  # -> (parts, their bytes)
        self._full: list[tuple[str, int, bytes]] = []

    def add(self, rule_id: str, key: str, payload: bytes) -> None:
        """Queue ``payload`` (:func:`dump_event`) for ``rule_id``'s state ``key``."""
        where = (rule_id, partition_for(key, self.partitions))
        part = keyed_part(key, payload)
        parts, size = self._open.get(where, ([], 0))
        if parts and size + len(part) > self.limit:
            self._full.append((*where, keyed_message(parts)))
            parts, size = [], 0
        parts.append(part)
        self._open[where] = (parts, size + len(part) + 1)

    def drain(self) -> list[tuple[str, int, bytes]]:
        """Every message as ``(rule id, partition, value)``, a (rule, partition)'s in event order; then empty."""
        messages = self._full + [(*where, keyed_message(parts)) for where, (parts, _) in self._open.items()]
        self._open, self._full = {}, []
        return messages


def keyed_part(key: str, payload: bytes) -> bytes:
    """One event's entry in a re-key message: its state key and :func:`dump_event` bytes."""
    return b"[" + json.dumps(key).encode() + b"," + payload + b"]"


def keyed_message(parts: list[bytes]) -> bytes:
    """A re-key message of :func:`keyed_part` entries, all of one rule and partition."""
    return b'{"keyed":[' + b",".join(parts) + b"]}"


@dataclass(frozen=True)
class Tick:
    """The wall clock, for a live partition that has been idle."""

    at: datetime


@dataclass(frozen=True)
class Watermark:
    """Event time has reached ``at`` for every family: nothing older will be published."""

    at: datetime


def dump_tick(at: datetime) -> bytes:
    return json.dumps({"tick": at.isoformat()}).encode()


def dump_watermark(at: datetime) -> bytes:
    return json.dumps({"watermark": at.isoformat()}).encode()


def load(value: bytes, key: bytes | None = None) -> Tick | Watermark | list[tuple[str, Any]]:
    """A :class:`Tick`, a :class:`Watermark`, or the message's ``(state key, event)`` pairs in order.

    ``key`` is the message key: a message of one event, keyed by its state key, is what workers wrote
    before events were gathered into messages, and may still wait in a re-key topic after an upgrade.
    """
    data = json.loads(value)
    if "keyed" in data:
        return [(k, _event(e)) for k, e in data["keyed"]]
    if "tick" in data:
        return Tick(datetime.fromisoformat(data["tick"]))
    if "watermark" in data:
        return Watermark(datetime.fromisoformat(data["watermark"]))
    if key is None:
        raise ValueError("a re-key message of one event needs its state key as the message key")
    return [(key.decode(), _event(data))]


def _event(data: dict[str, Any]) -> Any:
    return statecodec.from_json(EVENT_TYPES[data["type"]], data["event"])
