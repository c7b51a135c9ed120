"""Parsing text fields of input files into typed values, with a precise error per field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from iprx.kernel.checks import FieldError

# Fixed namespace for event ids derived from a publisher's own identifiers (re-running a file
# publishes the same ids, so downstream deduplication makes the re-run harmless).
EVENT_NAMESPACE = uuid.UUID("9d0c3e0a-41f4-5b8e-a1d2-6c7b8e9f0a1b")


def derived_event_id(publisher: str, kind: str, natural_key: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{publisher}|{kind}|{natural_key}"))


def timestamp(field: str, text: str) -> datetime:
    """ISO 8601 with an offset or Z (a time without a zone is ambiguous and refused)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, f"{text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise FieldError(field, f"{text!r} has no time zone offset (add Z or +08:00)")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def money(field: str, text: str) -> Decimal:
    """A non-negative amount with at most two decimal places."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError(field, f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise FieldError(field, f"must be a non-negative amount, got {text!r}")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise FieldError(field, f"{text!r} has more than two decimal places")
    if value >= Decimal("1e16"):
        raise FieldError(field, f"{text!r} is too large for decimal(18,2)")
    return value.quantize(Decimal("0.01"))


def count(field: str, text: str) -> int:
    """A non-negative whole number."""
    try:
        value = int(text.strip())
    except ValueError:
        raise FieldError(field, f"{text!r} is not a whole number") from None
    if value < 0:
        raise FieldError(field, f"must be >= 0, got {value}")
    return value


def flag(field: str, text: str) -> bool:
    normal = text.strip().lower()
    if normal in {"true", "yes", "1", "y"}:
        return True
    if normal in {"false", "no", "0", "n", ""}:
        return False
    raise FieldError(field, f"{text!r} is not true/false")


def choice(field: str, text: str, allowed: tuple[str, ...]) -> str:
    value = text.strip().upper()
    if value not in allowed:
        raise FieldError(field, f"{text!r} is not one of {', '.join(allowed)}")
    return value
