"""Domain checks of inspection, case and partner-notice records, beyond matching their schema.

They reuse the publisher's checks (header, parties) and add what the schema cannot say: counts and
amounts are not negative, times are not in the future, codes are real (GB/T 2260, USCC, ISO 3166, HS).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from iprx.producers import codes
from iprx.producers.identifiers import is_valid_uscc
from iprx.producers.validation import CLOCK_SKEW, FieldError, check_header, check_party

Record = dict[str, Any]
# Partners share at least the 4-digit HS heading; national subheadings go up to 10 digits.
_HS_HEADING = re.compile(r"\d{4}(\d{2}){0,3}")
_CURRENCY = re.compile(r"[A-Z]{3}")
# When each event happened in the world; deadlines such as rectification_due may lie ahead.
EVENT_TIMES = ("inspected_at", "opened_at", "referred_at", "decided_at", "closed_at", "sent_at")
METRIC_COUNTS = ("infringing_copies", "works", "online_clicks", "registered_members")
DECISIONS = {"case.accepted": "ACCEPTED", "case.declined": "DECLINED"}


def check_event(record: Record, now: datetime | None = None) -> list[FieldError]:
    """Errors of an inspection, case or partner-notice record; empty if it may be published."""
    now = now or datetime.now(UTC)
    header = record.get("header") or {}
    errors = check_header(header, now)
    for key in EVENT_TIMES:
        errors += _not_future(key, record.get(key), now)
    for key in ("inspection_id", "case_id", "notice_id"):
        if isinstance(record.get(key), str) and not record[key].strip():
            errors.append(FieldError(key, "must not be empty"))
    for key in ("inspector", "authority", "referred_to"):
        errors += check_party(key, record.get(key))
    if record.get("subject"):
        errors += _check_subject(record["subject"])
    errors += _not_negative("devices_inspected", record.get("devices_inspected"))
    for i, finding in enumerate(record.get("findings") or []):
        errors += _check_finding(f"findings[{i}]", finding)
    for key in ("metrics", "final_metrics"):
        if record.get(key):
            errors += _check_metrics(key, record[key])
    errors += _not_negative("fine_cny", record.get("fine_cny"))
    errors += _not_negative("confiscated_copies", record.get("confiscated_copies"))
    expected = DECISIONS.get(header.get("event_type"))
    if expected and record.get("decision") not in (expected, "UNKNOWN"):
        reason = f"{record.get('decision')!r} contradicts event type {header.get('event_type')!r}"
        errors.append(FieldError("decision", reason))
    if "partner_agency" in record:
        errors += _check_notice(record, now)
    return errors


def _not_future(field: str, value: Any, now: datetime) -> list[FieldError]:
    if isinstance(value, datetime) and value > now + CLOCK_SKEW:
        return [FieldError(field, f"{value.isoformat()} is in the future")]
    return []


def _not_negative(field: str, value: Any) -> list[FieldError]:
    if value is not None and value < 0:
        return [FieldError(field, f"must be >= 0, got {value}")]
    return []


def _check_subject(subject: Record) -> list[FieldError]:
    errors = []
    jurisdiction = subject.get("jurisdiction") or ""
    if not (jurisdiction.isdigit() and codes.is_jurisdiction(jurisdiction)):
        errors.append(FieldError("subject.jurisdiction", f"{jurisdiction!r} is not a GB/T 2260 division code"))
    org_id = subject.get("id")
    # Organisations are named by their unified social credit code; a person's id is something else.
    if org_id and subject.get("subject_type") != "INDIVIDUAL" and not is_valid_uscc(org_id):
        errors.append(FieldError("subject.id", f"{org_id!r} is not a valid unified social credit code"))
    return errors


def _check_finding(prefix: str, finding: Record) -> list[FieldError]:
    errors = _not_negative(f"{prefix}.installed_copies", finding.get("installed_copies"))
    errors += _not_negative(f"{prefix}.licensed_copies", finding.get("licensed_copies"))
    installed, licensed = finding.get("installed_copies") or 0, finding.get("licensed_copies") or 0
    if not errors and licensed > installed:
        reason = f"{licensed} licensed copies exceed the {installed} installed (licensed copies are installed ones)"
        errors.append(FieldError(f"{prefix}.licensed_copies", reason))
    return errors


def _check_metrics(prefix: str, metrics: Record) -> list[FieldError]:
    errors = []
    for key in ("illegal_business_volume_cny", "illegal_gains_cny", *METRIC_COUNTS):
        errors += _not_negative(f"{prefix}.{key}", metrics.get(key))
    return errors


def _check_notice(record: Record, now: datetime) -> list[FieldError]:
    errors = []
    if str(record.get("partner_agency") or "").count("/") < 2:
        errors.append(FieldError("partner_agency", "expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM], e.g. US/GOV/CBP/ipr"))
    seizure = record.get("seizure")
    if record.get("kind") == "SEIZURE_NOTICE" and not seizure:
        errors.append(FieldError("seizure", "is required for a SEIZURE_NOTICE"))
    if not seizure:
        return errors
    errors += _not_future("seizure.seized_at", seizure.get("seized_at"), now)
    errors += _not_negative("seizure.quantity", seizure.get("quantity"))
    hs = seizure.get("hs_code") or ""
    if not (_HS_HEADING.fullmatch(hs) and 1 <= int(hs[:2]) <= 97):
        errors.append(FieldError("seizure.hs_code", f"{hs!r} is not an HS code of 4, 6, 8 or 10 digits"))
    value = seizure.get("estimated_value")
    if value:
        errors += _not_negative("seizure.estimated_value.amount", value.get("amount"))
        if not _CURRENCY.fullmatch(value.get("currency") or ""):
            currency = value.get("currency")
            errors.append(FieldError("seizure.estimated_value.currency", f"{currency!r} is not an ISO 4217 code"))
    for key in ("origin_country", "destination_country"):
        if seizure.get(key) is not None and not codes.is_country(seizure[key]):
            errors.append(FieldError(f"seizure.{key}", f"{seizure[key]!r} is not an ISO 3166-1 alpha-2 code"))
    for key in ("exporter", "consignee"):
        errors += check_party(f"seizure.{key}", seizure.get(key))
    return errors
