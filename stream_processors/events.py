"""Plain views of decoded events that the rules read; built from Avro records plus Kafka position.

Every event carries ``event_id``, ``occurred_at`` (event time, tz-aware UTC), ``jurisdiction`` from
the common header, and ``source``: where it sits in Kafka, so signals can cite it as evidence.
Each event class has ``from_record(record, topic, partition, offset)`` building it from the decoded Avro
record of its schema (``SCHEMAS`` maps schema names to classes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from iprx.kernel.members import FAMILY_OF_SCHEMA
from iprx.stream_processors.eventtime import require_utc
from iprx.stream_processors.signals import Evidence


def _common(record: dict[str, Any], topic: str, partition: int, offset: int) -> dict[str, Any]:
    """The fields every event takes from the common header, and its Kafka position."""
    header = record["header"]
    event_id = str(header["event_id"])
    return {
        "event_id": event_id,
        "occurred_at": header["occurred_at"],
        "jurisdiction": header["jurisdiction"],
        "source": Evidence(event_id, topic, partition, offset),
    }


@dataclass(frozen=True)
class Party:
    """An organisation or a natural person named in an event."""

    id: str | None
    name: str
    country: str | None = None
    natural_person: bool = False

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> Party | None:
        if record is None:
            return None
        return cls(record.get("id"), record["name"], record.get("country"), bool(record.get("natural_person")))


@dataclass(frozen=True)
class Seizure:
    event_id: str
    occurred_at: datetime
    jurisdiction: str
    seizure_id: str
    customs_office_code: str
    direction: str
    hs_code: str
    estimated_value_cny: Decimal
    quantity: int
    exporter_id: str | None
    source: Evidence
    # Shared with partners (redacted) and used for cross-border matching; defaults keep old callers working.
    seized_at: datetime | None = None
    transport_mode: str = "UNKNOWN"
    bill_of_lading: str | None = None
    container_no: str | None = None
    goods_description: str = ""
    ipr_type: str = "OTHER"
    right_holder: str | None = None
    brand: str | None = None
    unit: str = ""
    exporter: Party | None = None
    consignee: Party | None = None
    declarant: Party | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    route: tuple[str, ...] = ()
    concealment: str | None = None

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "Seizure.occurred_at")
        if self.exporter is not None and self.exporter.id != self.exporter_id:
            raise ValueError(f"Seizure.exporter_id {self.exporter_id!r} differs from exporter.id {self.exporter.id!r}")

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(p for p in (self.exporter, self.consignee, self.declarant) if p is not None)

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> Seizure:
        header = record["header"]
        event_id = str(header["event_id"])
        exporter = Party.from_record(record.get("exporter"))
        return cls(
            event_id=event_id,
            occurred_at=header["occurred_at"],
            jurisdiction=header["jurisdiction"],
            seizure_id=record["seizure_id"],
            customs_office_code=record["customs_office_code"],
            direction=record["direction"],
            hs_code=record["hs_code"],
            estimated_value_cny=record["estimated_value_cny"],
            quantity=record["quantity"],
            exporter_id=exporter.id if exporter else None,
            source=Evidence(event_id, topic, partition, offset),
            seized_at=record.get("seized_at"),
            transport_mode=record.get("transport_mode", "UNKNOWN"),
            bill_of_lading=record.get("bill_of_lading"),
            container_no=record.get("container_no"),
            goods_description=record.get("goods_description", ""),
            ipr_type=record.get("ipr_type", "OTHER"),
            right_holder=record.get("right_holder"),
            brand=record.get("brand"),
            unit=record.get("unit", ""),
            exporter=exporter,
            consignee=Party.from_record(record.get("consignee")),
            declarant=Party.from_record(record.get("declarant")),
            origin_country=record.get("origin_country"),
            destination_country=record.get("destination_country"),
            route=tuple(record.get("route") or ()),
            concealment=record.get("concealment"),
        )


# --- procurement -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcurementItem:
    """One line of an award: a software licence, a computer, or anything else (then ignored by the rules)."""

    item_id: str
    classification_scheme: str  # CPV | UNSPSC
    classification_code: str
    quantity: int
    # Software licences:
    vendor: str | None = None
    product: str | None = None
    edition: str | None = None
    licence_metric: str | None = None  # DEVICE | USER | CORE | SITE
    licence_start: datetime | None = None  # None: from the award
    licence_end: datetime | None = None  # None: perpetual
    is_operating_system: bool = False  # the publisher's own flag, besides the classification
    # Computers: whether a licensed operating system comes preloaded (None: not a computer / not stated).
    os_preloaded: bool | None = None

    @classmethod
    def from_record(cls, item: dict[str, Any]) -> ProcurementItem:
        """From ``iprx.procurement.ProcurementItem``: its primary classification, licence and hardware details."""
        software = item.get("software") or {}
        hardware = item.get("hardware")
        return cls(
            item_id=item["item_id"],
            classification_scheme=item["classification"]["scheme"],
            classification_code=item["classification"]["code"],
            quantity=item["quantity"],
            vendor=software.get("vendor"),
            product=software.get("product"),
            edition=software.get("edition"),
            licence_metric=software.get("metric"),
            licence_start=software.get("term_start"),
            licence_end=software.get("term_end"),
            is_operating_system=bool(software.get("operating_system")),
            os_preloaded=hardware["os_preloaded"] if hardware else None,
        )

    @property
    def classification(self) -> str:
        """``SCHEME:code``, e.g. ``CPV:48620000`` — the form the rule set's classification prefixes use."""
        return f"{self.classification_scheme.upper()}:{self.classification_code}"


@dataclass(frozen=True)
class ProcurementAward:
    """A procurement release (OCDS award or contract) of one buyer."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    ocid: str
    buyer_id: str  # unified social credit code; the same id an inspection names as its subject
    buyer_jurisdiction: str
    items: tuple[ProcurementItem, ...]
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "ProcurementAward.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> ProcurementAward:
        """From ``iprx.procurement.ProcurementRelease``."""
        buyer = record["buyer"]
        return cls(
            ocid=record["ocid"],
            buyer_id=buyer["id"],
            buyer_jurisdiction=buyer["jurisdiction"],
            items=tuple(ProcurementItem.from_record(i) for i in record["items"]),
            **_common(record, topic, partition, offset),
        )


# --- inspection and cases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What an inspection found for one product."""

    vendor: str
    product: str
    edition: str | None
    installed_copies: int
    licensed_copies: int  # copies with proof of licence shown to the inspector


@dataclass(frozen=True)
class Inspection:
    event_id: str
    occurred_at: datetime
    jurisdiction: str
    inspection_id: str
    subject_id: str | None  # unified social credit code; None: the subject has none (not judged by the rules)
    subject_type: str  # AGENCY | SOE | ENTERPRISE | FINANCIAL | INDIVIDUAL | OTHER
    subject_jurisdiction: str
    findings: tuple[Finding, ...]
    outcome: str  # COMPLIANT | NONCOMPLIANT | RECTIFICATION_ORDERED
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "Inspection.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> Inspection:
        """From ``iprx.inspection.InspectionCompleted``."""
        subject = record["subject"]
        return cls(
            inspection_id=record["inspection_id"],
            subject_id=subject.get("id"),
            subject_type=subject["subject_type"],
            subject_jurisdiction=subject["jurisdiction"],
            findings=tuple(
                Finding(f["vendor"], f["product"], f.get("edition"), f["installed_copies"], f["licensed_copies"])
                for f in record["findings"]
            ),
            outcome=record["outcome"],
            **_common(record, topic, partition, offset),
        )


@dataclass(frozen=True)
class CaseOpened:
    """An administrative copyright case with the figures the criminal thresholds are measured on."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    case_id: str
    subject_id: str | None
    subject_type: str
    source: Evidence
    illegal_business_volume_cny: Decimal = Decimal(0)
    illegal_gains_cny: Decimal = Decimal(0)
    infringing_copies: int = 0
    works: int = 0
    online_clicks: int = 0
    registered_members: int = 0
    online: bool = False  # dissemination over information networks (the 2011 criteria)

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "CaseOpened.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> CaseOpened:
        """From ``iprx.case.CaseOpened``, with the figures of its ``CaseMetrics``."""
        subject, m = record["subject"], record["metrics"]
        return cls(
            case_id=record["case_id"],
            subject_id=subject.get("id"),
            subject_type=subject["subject_type"],
            illegal_business_volume_cny=m["illegal_business_volume_cny"],
            illegal_gains_cny=m["illegal_gains_cny"],
            infringing_copies=m.get("infringing_copies", 0),
            works=m.get("works", 0),
            online_clicks=m.get("online_clicks", 0),
            registered_members=m.get("registered_members", 0),
            online=bool(m.get("online")),
            **_common(record, topic, partition, offset),
        )


@dataclass(frozen=True)
class CaseReferred:
    """The case was transferred to public security for criminal prosecution."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    case_id: str
    referred_to: str  # the public security organ
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "CaseReferred.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> CaseReferred:
        """From ``iprx.case.CaseReferred``; ``referred_to`` is the organ's name."""
        return cls(
            case_id=record["case_id"],
            referred_to=record["referred_to"]["name"],
            **_common(record, topic, partition, offset),
        )


@dataclass(frozen=True)
class CaseReferralDecided:
    """Public security accepted or declined a referred case."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    case_id: str
    decision: str  # ACCEPTED | DECLINED
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "CaseReferralDecided.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> CaseReferralDecided:
        """From ``iprx.case.CaseReferralDecided``."""
        return cls(
            case_id=record["case_id"],
            decision=record["decision"],
            **_common(record, topic, partition, offset),
        )


@dataclass(frozen=True)
class CaseClosed:
    event_id: str
    occurred_at: datetime
    jurisdiction: str
    case_id: str
    outcome: str
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "CaseClosed.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> CaseClosed:
        """From ``iprx.case.CaseClosed``."""
        return cls(
            case_id=record["case_id"],
            outcome=record["outcome"],
            **_common(record, topic, partition, offset),
        )


CaseEvent = CaseOpened | CaseReferred | CaseReferralDecided | CaseClosed


# --- cooperation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerNotice:
    """An inbound notice from a partner agency, with the seizure fields it shares."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    partner_agency: str  # X-Road-style member id, e.g. US/GOV/CBP/ipr
    notice_id: str
    kind: str  # SEIZURE_NOTICE | INFORMATION_REQUEST | CASE_UPDATE
    handling: str  # Traffic Light Protocol mark: RED | AMBER | GREEN | CLEAR
    container_no: str | None
    bill_of_lading: str | None
    exporter_id: str | None
    hs_code: str | None
    source: Evidence

    def __post_init__(self) -> None:
        require_utc(self.occurred_at, "PartnerNotice.occurred_at")

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> PartnerNotice:
        """From ``iprx.cooperation.PartnerNoticeReceived``; the matching fields come from its shared seizure."""
        seizure = record.get("seizure") or {}
        exporter = seizure.get("exporter") or {}
        return cls(
            partner_agency=record["partner_agency"],
            notice_id=record["notice_id"],
            kind=record["kind"],
            handling=record["handling"],
            container_no=seizure.get("container_no"),
            bill_of_lading=seizure.get("bill_of_lading"),
            exporter_id=exporter.get("id"),
            hs_code=seizure.get("hs_code"),
            **_common(record, topic, partition, offset),
        )


# Decoded Avro schema -> the event class built from it.
SCHEMAS: dict[str, type] = {
    "iprx.seizure.SeizureRecorded": Seizure,
    "iprx.procurement.ProcurementRelease": ProcurementAward,
    "iprx.inspection.InspectionCompleted": Inspection,
    "iprx.case.CaseOpened": CaseOpened,
    "iprx.case.CaseReferred": CaseReferred,
    "iprx.case.CaseReferralDecided": CaseReferralDecided,
    "iprx.case.CaseClosed": CaseClosed,
    "iprx.cooperation.PartnerNoticeReceived": PartnerNotice,
}

# Event class -> its family (``iprx.kernel.topics``): event-time progress is kept per family.
FAMILY_OF_EVENT: dict[type, str] = {cls: FAMILY_OF_SCHEMA[name] for name, cls in SCHEMAS.items()}
