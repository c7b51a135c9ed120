"""What the publisher needs per event family: the catalogue's topic, schemas and key, plus its checks.

Topics, event types, schemas and keys are defined in the topic catalogue (``iprx.kernel.topics``);
this module adds the domain checks (``iprx.kernel.record_checks``) a record passes before it is published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from iprx.kernel import topics
from iprx.kernel.checks import CLOCK_SKEW, FieldError
from iprx.kernel.record_checks import check_record
from iprx.kernel.topics import TopicSpec

Record = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    topic: TopicSpec
    schemas: dict[str, str]  # header.event_type -> Avro schema full name
    key: Callable[[Record], str]

    def schema_for(self, record: Record) -> str | FieldError:
        """The schema of ``record`` by its event type, or the error saying which types are allowed."""
        event_type = (record.get("header") or {}).get("event_type")
        schema = self.schemas.get(event_type)
        if schema is None:
            return FieldError(
                "header.event_type",
                f"{event_type!r} is not a {self.name} event; expected one of {sorted(self.schemas)}",
            )
        return schema

    def check(self, record: Record, now: datetime | None = None, skew: timedelta = CLOCK_SKEW) -> list[FieldError]:
        """The domain checks of ``record``'s schema (the same the worker and the sink run)."""
        schema = self.schema_for(record)
        return [schema] if isinstance(schema, FieldError) else check_record(schema, record, now, skew)


FAMILIES: dict[str, Family] = {
    name: Family(name, topics.FAMILY_TOPIC[name], dict(f.events), f.key) for name, f in topics.FAMILIES.items()
}
