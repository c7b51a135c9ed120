"""Which domain checks each schema's records pass, wherever they are read (publisher, worker, sink)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.kernel.checks import CLOCK_SKEW, FieldError, check_header, check_seizure
from iprx.kernel.event_checks import check_event

Record = dict[str, Any]
Check = Callable[[Record, datetime, timedelta], list[FieldError]]


def _header_only(record: Record, now: datetime, skew: timedelta) -> list[FieldError]:
    return check_header(record.get("header") or {}, now, skew)


# Schemas members publish. Signals, sent notices and dead letters are the pipeline's own output.
CHECKS: dict[str, Check] = {
    "iprx.seizure.SeizureRecorded": check_seizure,
    "iprx.procurement.ProcurementRelease": _header_only,
    "iprx.inspection.InspectionCompleted": check_event,
    "iprx.case.CaseOpened": check_event,
    "iprx.case.CaseReferred": check_event,
    "iprx.case.CaseReferralDecided": check_event,
    "iprx.case.CaseClosed": check_event,
    "iprx.cooperation.PartnerNoticeReceived": check_event,
}


def check_record(
    schema: str, record: Record, now: datetime | None = None, skew: timedelta = CLOCK_SKEW
) -> list[FieldError]:
    """Errors of ``record`` (of Avro schema ``schema``); empty if it is a valid event."""
    check = CHECKS.get(schema)
    return check(record, now or datetime.now(UTC), skew) if check else []
