"""Re-keying events to a stateful rule's state key, through one internal topic per rule.

A rule's table is only ever updated from its re-key topic, and every key always goes to the same
partition of it (:func:`partition_for`, chosen here rather than by a producer's partitioner), so the
table's changelog partition for a key never changes. Messages are JSON: an event
(``{"type": "Seizure", "event": {...}}``, the event dataclass via ``statecodec``), a wall-clock
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
    return json.dumps({"type": type(event).__name__, "event": statecodec.to_json(event)}).encode()


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


def load(value: bytes) -> Any:
    """The event, a :class:`Tick` or a :class:`Watermark`."""
    data = json.loads(value)
    if "tick" in data:
        return Tick(datetime.fromisoformat(data["tick"]))
    if "watermark" in data:
        return Watermark(datetime.fromisoformat(data["watermark"]))
    return statecodec.from_json(EVENT_TYPES[data["type"]], data["event"])
