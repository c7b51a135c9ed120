"""What the publisher needs to know per event family: topic, schema, partition key, checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iprx import topics
from iprx.topics import TopicSpec
from producers.validation import FieldError, check_seizure


@dataclass(frozen=True)
class Family:
    name: str
    topic: TopicSpec
    schema: str
    key: Callable[[dict[str, Any]], str]
    check: Callable[[dict[str, Any]], list[FieldError]]


def _seizure_key(record: dict[str, Any]) -> str:
    # Keyed by exporter so that one exporter's seizures meet in one partition (repeat-offender rule).
    exporter = record.get("exporter") or {}
    return exporter.get("id") or record["seizure_id"]


FAMILIES: dict[str, Family] = {
    "seizure": Family("seizure", topics.SEIZURE, "iprx.seizure.SeizureRecorded", _seizure_key, check_seizure),
}
