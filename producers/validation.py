"""Domain checks a record must pass before it is published (beyond matching its schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Publishers' clocks drift; an event a few minutes "in the future" is not an error.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class FieldError(ValueError):
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def check_header(header: dict[str, Any], now: datetime | None = None) -> list[FieldError]:
    now = now or datetime.now(UTC)
    errors = []
    occurred = header.get("occurred_at")
    if isinstance(occurred, datetime) and occurred > now + CLOCK_SKEW:
        errors.append(FieldError("header.occurred_at", f"{occurred.isoformat()} is in the future"))
    if not str(header.get("publisher") or "").count("/") >= 2:
        errors.append(FieldError("header.publisher", "expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM]"))
    return errors


def check_seizure(record: dict[str, Any], now: datetime | None = None) -> list[FieldError]:
    """Errors of a seizure record, empty if it may be published."""
    errors = check_header(record.get("header") or {}, now)
    if (record.get("quantity") or 0) < 0:
        errors.append(FieldError("quantity", f"must be >= 0, got {record['quantity']}"))
    value = record.get("estimated_value_cny")
    if value is not None and value < 0:
        errors.append(FieldError("estimated_value_cny", f"must be >= 0, got {value}"))
    return errors
