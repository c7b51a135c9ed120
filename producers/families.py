"""What the publisher needs per event family: the catalogue's topic, schemas and key, plus its checks.

Topics, event types, schemas and keys are defined in the topic catalogue (``iprx.kernel.topics``);
this module adds the domain checks a record of each family must pass before it is published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iprx.kernel import topics
from iprx.kernel.topics import TopicSpec
from iprx.producers.event_checks import check_event
from iprx.producers.validation import FieldError, check_header, check_seizure

Record = dict[str, Any]


@dataclass(frozen=True)
class Family:
    name: str
    topic: TopicSpec
    schemas: dict[str, str]  # header.event_type -> Avro schema full name
    key: Callable[[Record], str]
    check: Callable[[Record], list[FieldError]]

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


def _header_only(record: Record) -> list[FieldError]:
    return check_header(record.get("header") or {})


# Family name -> the checks its records pass before publication.
CHECKS: dict[str, Callable[[Record], list[FieldError]]] = {
    "seizure": check_seizure,
    "procurement": _header_only,
    "inspection": check_event,
    "case": check_event,
    "cooperation": check_event,
}

FAMILIES: dict[str, Family] = {
    name: Family(name, topics.FAMILY_TOPIC[name], dict(f.events), f.key, CHECKS[name])
    for name, f in topics.FAMILIES.items()
}
