"""Builds dead-letter records (schema ``iprx.deadletter.DeadLetter``) for every stage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from iprx.schemas.errors import SchemaError

DEAD_LETTER_SCHEMA = "iprx.deadletter.DeadLetter"
MAX_PAYLOAD = 1 << 20  # keep at most 1 MiB of a rejected payload
_NAMESPACE = uuid.UUID("0b5e7d0c-3f7a-5c61-8e2d-4a9b1c6d7e80")


def dead_letter_id(*position: object) -> str:
    """Deterministic id from the source position, so rejecting the same input twice is one row."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in position)))


def from_kafka(
    stage: str,
    error: Exception,
    payload: bytes | None,
    topic: str,
    partition: int,
    offset: int,
    publisher: str | None = None,
) -> dict[str, Any]:
    """A dead letter for a Kafka record that ``stage`` could not accept."""
    return _record(stage, error, payload, dead_letter_id(topic, partition, offset), publisher) | {
        "source_topic": topic,
        "source_partition": partition,
        "source_offset": offset,
    }


def from_file(
    stage: str,
    error: Exception,
    payload: bytes,
    file: str,
    line: int,
    publisher: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """A dead letter for a line or row of an input file; ``unit`` tells apart several units of one line
    (``releases[3]`` of a one-line package), each with its own id."""
    position = (file, line) if unit is None else (file, line, unit)
    return _record(stage, error, payload, dead_letter_id(*position), publisher) | {
        "source_file": file,
        "source_line": line,
    }


def _record(stage: str, error: Exception, payload: bytes | None, dlid: str, publisher: str | None) -> dict[str, Any]:
    payload = payload or b""
    if isinstance(error, SchemaError):
        code, reason, field = error.code, error.reason, error.field
    else:
        code, reason, field = type(error).__name__, str(error) or repr(error), getattr(error, "field", None)
    return {
        "dead_letter_id": dlid,
        "failed_at": datetime.now(UTC),
        "stage": stage,
        "error_type": code,
        "reason": reason,
        "field": field,
        "source_topic": None,
        "source_partition": None,
        "source_offset": None,
        "source_file": None,
        "source_line": None,
        "publisher": publisher,
        "payload": payload[:MAX_PAYLOAD],
        "payload_size": len(payload),
    }
