"""Domain checks of inspection, case and partner-notice records, beyond matching their schema.

They reuse the publisher's checks (header, parties) and add what the schema cannot say: counts and
amounts are not negative, times are not in the future, codes are real (GB/T 2260, USCC, ISO 3166, HS).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.kernel import codes
from iprx.kernel.checks import (
    CLOCK_SKEW,
    FieldError,
    amount_cny,
    check_country,
    check_header,
    check_party,
    not_future,
    not_negative,
)
from iprx.kernel.identifiers import is_valid_uscc
from iprx.kernel.reasons import Reason

Record = dict[str, Any]
# Partners share at least the 4-digit HS heading; national subheadings go up to 10 digits.
_HS_HEADING = re.compile(r"\d{4}(\d{2}){0,3}")
_CURRENCY = re.compile(r"[A-Z]{3}")
# When each event happened in the world; deadlines such as rectification_due may lie ahead.
EVENT_TIMES = ("inspected_at", "opened_at", "referred_at", "decided_at", "closed_at", "sent_at")
METRIC_COUNTS = ("infringing_copies", "works", "online_clicks", "registered_members")
DECISIONS = {"case.accepted": "ACCEPTED", "case.declined": "DECLINED"}


def check_event(record: Record, now: datetime | None = None, skew: timedelta = CLOCK_SKEW) -> list[FieldError]:
    """Errors of an inspection, case or partner-notice record; empty if it is valid."""
    now = now or datetime.now(UTC)
    header = record.get("header") or {}
    errors = check_header(header, now, skew)
    for key in EVENT_TIMES:
        errors += not_future(key, record.get(key), now, skew)
    for key in ("inspection_id", "case_id", "notice_id"):
        if isinstance(record.get(key), str) and not record[key].strip():
            errors.append(FieldError(key, "must not be empty", Reason.CHECK_REQUIRED))
    for key in ("inspector", "authority", "referred_to"):
        errors += check_party(key, record.get(key))
    if record.get("subject"):
        errors += _check_subject(record["subject"])
    errors += not_negative("devices_inspected", record.get("devices_inspected"))
    for i, finding in enumerate(record.get("findings") or []):
        errors += _check_finding(f"findings[{i}]", finding)
    for key in ("metrics", "final_metrics"):
        if record.get(key):
            errors += _check_metrics(key, record[key])
    errors += amount_cny("fine_cny", record.get("fine_cny"))
    errors += not_negative("confiscated_copies", record.get("confiscated_copies"))
    expected = DECISIONS.get(header.get("event_type"))
    if expected and record.get("decision") not in (expected, "UNKNOWN"):
        reason = f"{record.get('decision')!r} contradicts event type {header.get('event_type')!r}"
        errors.append(FieldError("decision", reason, Reason.CHECK_CONSISTENCY))
    if "partner_agency" in record:
        errors += _check_notice(record, now, skew)
    return errors


def _check_subject(subject: Record) -> list[FieldError]:
    errors = []
    jurisdiction = subject.get("jurisdiction") or ""
    if not (jurisdiction.isdigit() and codes.is_jurisdiction(jurisdiction)):
        reason = f"{jurisdiction!r} is not a GB/T 2260 division code"
        errors.append(FieldError("subject.jurisdiction", reason, Reason.CHECK_CODE))
    org_id = subject.get("id")
    # Organisations are named by their unified social credit code; a person's id is something else.
    if org_id and subject.get("subject_type") != "INDIVIDUAL" and not is_valid_uscc(org_id):
        reason = f"{org_id!r} is not a valid unified social credit code"
        errors.append(FieldError("subject.id", reason, Reason.CHECK_USCC))
    return errors


def _check_finding(prefix: str, finding: Record) -> list[FieldError]:
    errors = not_negative(f"{prefix}.installed_copies", finding.get("installed_copies"))
    errors += not_negative(f"{prefix}.licensed_copies", finding.get("licensed_copies"))
    installed, licensed = finding.get("installed_copies") or 0, finding.get("licensed_copies") or 0
    if not errors and licensed > installed:
        reason = f"{licensed} licensed copies exceed the {installed} installed (licensed copies are installed ones)"
        errors.append(FieldError(f"{prefix}.licensed_copies", reason, Reason.CHECK_CONSISTENCY))
    return errors


def _check_metrics(prefix: str, metrics: Record) -> list[FieldError]:
    errors = []
    for key in ("illegal_business_volume_cny", "illegal_gains_cny"):
        errors += amount_cny(f"{prefix}.{key}", metrics.get(key))
    for key in METRIC_COUNTS:
        errors += not_negative(f"{prefix}.{key}", metrics.get(key))
    return errors


def _check_notice(record: Record, now: datetime, skew: timedelta) -> list[FieldError]:
    errors = []
    if str(record.get("partner_agency") or "").count("/") < 2:
        reason = "expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM], e.g. US/GOV/CBP/ipr"
        errors.append(FieldError("partner_agency", reason, Reason.CHECK_FORMAT))
    seizure = record.get("seizure")
    if record.get("kind") == "SEIZURE_NOTICE" and not seizure:
        errors.append(FieldError("seizure", "is required for a SEIZURE_NOTICE", Reason.CHECK_REQUIRED))
    if not seizure:
        return errors
    errors += not_future("seizure.seized_at", seizure.get("seized_at"), now, skew)
    errors += not_negative("seizure.quantity", seizure.get("quantity"))
    hs = seizure.get("hs_code") or ""
    if not (_HS_HEADING.fullmatch(hs) and 1 <= int(hs[:2]) <= 97):
        reason = f"{hs!r} is not an HS code of 4, 6, 8 or 10 digits"
        errors.append(FieldError("seizure.hs_code", reason, Reason.CHECK_CODE))
    value = seizure.get("estimated_value")
    if value:
        errors += not_negative("seizure.estimated_value.amount", value.get("amount"))
        if not _CURRENCY.fullmatch(value.get("currency") or ""):
            currency = value.get("currency")
            reason = f"{currency!r} is not an ISO 4217 code"
            errors.append(FieldError("seizure.estimated_value.currency", reason, Reason.CHECK_CODE))
    for key in ("origin_country", "destination_country"):
        errors += check_country(f"seizure.{key}", seizure.get(key))
    for key in ("exporter", "consignee"):
        errors += check_party(f"seizure.{key}", seizure.get(key))
    return errors
