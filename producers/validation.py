"""Domain checks a record must pass before it is published (beyond matching its schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.producers import codes
from iprx.producers.identifiers import is_valid_uscc

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
    jurisdiction = header.get("jurisdiction")
    if jurisdiction is not None and not codes.is_jurisdiction(jurisdiction):
        errors.append(
            FieldError("header.jurisdiction", f"{jurisdiction!r} is not a GB/T 2260 division or ministry code")
        )
    return errors


def check_party(prefix: str, party: dict[str, Any] | None) -> list[FieldError]:
    """A Chinese organisation must be named by a valid unified social credit code (GB 32100)."""
    if not party:
        return []
    errors = []
    country = party.get("country")
    if country is not None and not codes.is_country(country):
        errors.append(FieldError(f"{prefix}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code"))
    org_id = party.get("id")
    if country == "CN" and not party.get("natural_person") and org_id and not is_valid_uscc(org_id):
        errors.append(FieldError(f"{prefix}.id", f"{org_id!r} is not a valid unified social credit code"))
    return errors


def check_seizure(record: dict[str, Any], now: datetime | None = None) -> list[FieldError]:
    """Errors of a seizure record, empty if it may be published."""
    errors = check_header(record.get("header") or {}, now)
    if (record.get("quantity") or 0) < 0:
        errors.append(FieldError("quantity", f"must be >= 0, got {record['quantity']}"))
    value = record.get("estimated_value_cny")
    if value is not None and value < 0:
        errors.append(FieldError("estimated_value_cny", f"must be >= 0, got {value}"))
    hs = record.get("hs_code")
    if hs is not None and not codes.is_hs_code(hs):
        errors.append(FieldError("hs_code", f"{hs!r} is not a 6, 8 or 10 digit HS code"))
    office = record.get("customs_office_code")
    if office is not None and not codes.is_customs_office(office):
        errors.append(FieldError("customs_office_code", f"{office!r} is not a 4-digit customs office code"))
    for key in ("origin_country", "destination_country"):
        if record.get(key) is not None and not codes.is_country(record[key]):
            errors.append(FieldError(key, f"{record[key]!r} is not an ISO 3166-1 alpha-2 code"))
    for key in ("exporter", "consignee", "declarant"):
        errors += check_party(key, record.get(key))
    return errors
