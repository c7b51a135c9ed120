"""What the publisher needs to know per event family: topic, schema per event type, key, checks.

Keys decide co-partitioning, so they follow what the stream processors correlate: procurement by
buyer and inspections by subject (the same organisation id, licence.shortfall joins them), case
events by case id (the referral rules follow one case), seizures by exporter (repeat offenders).
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


def _seizure_key(record: Record) -> str:
    exporter = record.get("exporter") or {}
    return exporter.get("id") or record["seizure_id"]


def _header_only(record: Record) -> list[FieldError]:
    return check_header(record.get("header") or {})


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "seizure",
            topics.SEIZURE,
            {"seizure.recorded": "iprx.seizure.SeizureRecorded"},
            _seizure_key,
            check_seizure,
        ),
        Family(
            "procurement",
            topics.PROCUREMENT,
            {t: "iprx.procurement.ProcurementRelease" for t in ("procurement.award", "procurement.contract")},
            lambda r: (r.get("buyer") or {}).get("id") or r["ocid"],
            _header_only,
        ),
        Family(
            "inspection",
            topics.INSPECTION,
            {"inspection.completed": "iprx.inspection.InspectionCompleted"},
            lambda r: r["subject"].get("id") or r["inspection_id"],
            check_event,
        ),
        Family(
            "case",
            topics.INSPECTION,
            {
                "case.opened": "iprx.case.CaseOpened",
                "case.referred": "iprx.case.CaseReferred",
                "case.accepted": "iprx.case.CaseReferralDecided",
                "case.declined": "iprx.case.CaseReferralDecided",
                "case.closed": "iprx.case.CaseClosed",
            },
            lambda r: r["case_id"],
            check_event,
        ),
        Family(
            "cooperation",
            topics.COOPERATION_INBOUND,
            {"cooperation.notice_received": "iprx.cooperation.PartnerNoticeReceived"},
            lambda r: r["notice_id"],
            check_event,
        ),
    )
}
