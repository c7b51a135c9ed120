"""Domain checks of seizures, headers and parties, beyond matching their schema.

The publisher runs them before it publishes; the worker and the sink run them again on every record
they read, whatever produced it (see ``iprx.kernel.record_checks``). Each error names its field and
a code of the reason vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from iprx.kernel import codes
from iprx.kernel.config import ChecksSettings
from iprx.kernel.identifiers import is_valid_uscc
from iprx.kernel.reasons import Reason

# Publishers' clocks drift; an event a little "in the future" is not an error (``checks.clock_skew_s``).
CLOCK_SKEW = ChecksSettings().clock_skew
# Amounts in CNY are Avro decimal(18, 2) and land in ClickHouse Decimal(18, 2): below 10^16.
MAX_CNY = Decimal(10) ** 16


@dataclass(frozen=True)
class FieldError(ValueError):
    field: str
    reason: str
    code: Reason = Reason.CHECK_INVALID

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def not_future(field: str, value: Any, now: datetime, skew: timedelta = CLOCK_SKEW) -> list[FieldError]:
    """An error if ``value`` lies further ahead of ``now`` than the allowed clock skew."""
    if isinstance(value, datetime) and value > now + skew:
        return [FieldError(field, f"{value.isoformat()} is in the future", Reason.CHECK_FUTURE)]
    return []


def not_negative(field: str, value: Any) -> list[FieldError]:
    if value is not None and value < 0:
        return [FieldError(field, f"must be >= 0, got {value}", Reason.CHECK_NEGATIVE)]
    return []


def amount_cny(field: str, value: Any) -> list[FieldError]:
    """A CNY amount: not negative and within decimal(18, 2)."""
    if value is not None and value >= MAX_CNY:
        return [FieldError(field, f"{value} does not fit decimal(18, 2) (must be < 1E+16)", Reason.CHECK_RANGE)]
    return not_negative(field, value)


def check_header(header: dict[str, Any], now: datetime | None = None, skew: timedelta = CLOCK_SKEW) -> list[FieldError]:
    now = now or datetime.now(UTC)
    errors = not_future("header.occurred_at", header.get("occurred_at"), now, skew)
    if not str(header.get("publisher") or "").count("/") >= 2:
        errors.append(FieldError("header.publisher", "expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM]", Reason.CHECK_FORMAT))
    jurisdiction = header.get("jurisdiction")
    if jurisdiction is not None and not codes.is_jurisdiction(jurisdiction):
        reason = f"{jurisdiction!r} is not a GB/T 2260 division or ministry code"
        errors.append(FieldError("header.jurisdiction", reason, Reason.CHECK_CODE))
    return errors


def check_country(field: str, code: Any) -> list[FieldError]:
    if code is not None and not codes.is_country(code):
        return [FieldError(field, f"{code!r} is not an ISO 3166-1 alpha-2 code", Reason.CHECK_CODE)]
    return []


def check_party(prefix: str, party: dict[str, Any] | None) -> list[FieldError]:
    """A Chinese organisation must be named by a valid unified social credit code (GB 32100)."""
    if not party:
        return []
    country = party.get("country")
    errors = check_country(f"{prefix}.country", country)
    org_id = party.get("id")
    if country == "CN" and not party.get("natural_person") and org_id and not is_valid_uscc(org_id):
        reason = f"{org_id!r} is not a valid unified social credit code"
        errors.append(FieldError(f"{prefix}.id", reason, Reason.CHECK_USCC))
    return errors


def check_seizure(
    record: dict[str, Any], now: datetime | None = None, skew: timedelta = CLOCK_SKEW
) -> list[FieldError]:
    """Errors of a seizure record, empty if it is valid."""
    errors = check_header(record.get("header") or {}, now, skew)
    errors += not_negative("quantity", record.get("quantity"))
    errors += amount_cny("estimated_value_cny", record.get("estimated_value_cny"))
    hs = record.get("hs_code")
    if hs is not None and not codes.is_hs_code(hs):
        errors.append(FieldError("hs_code", f"{hs!r} is not a 6, 8 or 10 digit HS code", Reason.CHECK_CODE))
    office = record.get("customs_office_code")
    if office is not None and not codes.is_customs_office(office):
        reason = f"{office!r} is not a 4-digit customs office code"
        errors.append(FieldError("customs_office_code", reason, Reason.CHECK_CODE))
    for key in ("origin_country", "destination_country"):
        errors += check_country(key, record.get(key))
    for key in ("exporter", "consignee", "declarant"):
        errors += check_party(key, record.get(key))
    return errors
