"""Builds dead-letter records (schema ``iprx.deadletter.DeadLetter``) for every stage."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from iprx.kernel.reasons import Reason, reason_of

DEAD_LETTER_SCHEMA = "iprx.deadletter.DeadLetter"
# A dead letter keeps an excerpt of the rejected payload and the sha256 of all of it: bounded, so the
# dead letter of an oversized record is never itself too large for Kafka (or the table).
MAX_PAYLOAD = 64 << 10
MAX_HEADER_VALUE = 1 << 10  # and so are the source record's headers it keeps
MAX_HEADERS = 64
PUBLISHER_HEADER = "iprx-publisher"
Headers = Iterable[tuple[str, bytes | None]]
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
    headers: Headers | None = None,
) -> dict[str, Any]:
    """A dead letter for a Kafka record that ``stage`` could not accept, keeping its headers.

    ``publisher`` defaults to the record's ``iprx-publisher`` header.
    """
    kept = _headers(headers)
    if publisher is None:
        found = (h["value"] for h in kept if h["key"] == PUBLISHER_HEADER and h["value"])
        publisher = next((v.decode(errors="replace") for v in found), None)
    record = _record(stage, error, payload, dead_letter_id(topic, partition, offset), publisher)
    return record | {
        "headers": kept,
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


def _headers(headers: Headers | None) -> list[dict[str, Any]]:
    """The source record's headers (``iprx.deadletter.Header``), values cut to ``MAX_HEADER_VALUE`` bytes."""
    kept = list(headers or ())[:MAX_HEADERS]
    return [{"key": str(k), "value": None if v is None else bytes(v[:MAX_HEADER_VALUE])} for k, v in kept]


def _record(stage: str, error: Exception, payload: bytes | None, dlid: str, publisher: str | None) -> dict[str, Any]:
    payload = payload or b""
    code = reason_of(error)
    if code is Reason.UNEXPECTED:  # keep the exception's type: it is a bug to fix, not bad input
        reason = f"{type(error).__name__}: {error or repr(error)}"
    else:
        reason = getattr(error, "reason", None) or str(error)
    return {
        "dead_letter_id": dlid,
        "failed_at": datetime.now(UTC),
        "stage": stage,
        "error_type": str(code),
        "reason": reason,
        "field": getattr(error, "field", None),
        "source_topic": None,
        "source_partition": None,
        "source_offset": None,
        "source_file": None,
        "source_line": None,
        "publisher": publisher,
        "payload": payload[:MAX_PAYLOAD],
        "payload_size": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "headers": [],
    }
