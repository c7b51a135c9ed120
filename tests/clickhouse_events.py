"""Small hand-made events for ClickHouse tests whose expected numbers are worked out by hand.

`Lander` lands them the way the sink does (Avro encoding, ClickHouseSink.write at increasing offsets).
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from iprx.kernel.identifiers import uscc_check_char
from iprx.schemas import SingleObjectCodec
from iprx.sinks.base import Batch, SourceRecord
from iprx.sinks.clickhouse.migrations import migrate
from iprx.sinks.clickhouse.sink import ClickHouseSink
from iprx.sinks.clickhouse.store import Store

codec = SingleObjectCodec()
PUBLISHED = datetime(2026, 7, 1, tzinfo=UTC)


class Lander:
    """Lands records through the real sink, each at the next offset of partition 0 of its topic."""

    def __init__(self, store: Store) -> None:
        self.sink = ClickHouseSink(store)
        self._offsets = itertools.count()

    def land(self, schema_name: str, *records: dict[str, Any]) -> None:
        values = [SourceRecord(next(self._offsets), codec.encode(schema_name, r), 0) for r in records]
        self.sink.write(Batch(f"t.{schema_name}", 0, values))


def header(event_type: str, occurred_at: datetime, jurisdiction: str = "110000") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": occurred_at,
        "published_at": PUBLISHED,
        "publisher": "CN/GOV/TEST/events",
        "jurisdiction": jurisdiction,
        "causation_id": None,
        "correlation_id": None,
    }


def party(name: str) -> dict[str, Any]:
    return {"id": None, "name": name, "country": "CN", "natural_person": False}


def uscc(name: str) -> str:
    """A valid unified social credit code of its own for ``name`` (the sink checks subjects' codes)."""
    body = "91110000" + f"{int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10**9:09d}"
    return body + uscc_check_char(body)


def subject(name: str, jurisdiction: str) -> dict[str, Any]:
    return {"subject_type": "AGENCY", "id": uscc(name), "name": name, "jurisdiction": jurisdiction, "level": None}


def inspection(jurisdiction: str, at: datetime, findings: list[tuple[int, int]]) -> dict[str, Any]:
    """An inspection of a subject in ``jurisdiction``; findings as (installed, licensed) copies."""
    return {
        "header": header("inspection.completed", at, jurisdiction),
        "inspection_id": f"INS-{uuid.uuid4().hex[:8]}",
        "inspector": party("Copyright Bureau"),
        "inspector_kind": "COPYRIGHT_BUREAU",
        "subject": subject("Agency", jurisdiction),
        "inspected_at": at,
        "devices_inspected": 10,
        "findings": [
            {
                "vendor": "Vendor",
                "product": f"Product {n}",
                "edition": None,
                "operating_system": False,
                "installed_copies": installed,
                "licensed_copies": licensed,
            }
            for n, (installed, licensed) in enumerate(findings)
        ],
        "outcome": "COMPLIANT" if all(i == lic for i, lic in findings) else "NONCOMPLIANT",
        "rectification_due": None,
    }


def seizure(
    office: str,
    hs_code: str,
    at: datetime,
    *,
    quantity: int,
    value: str,
    direction: str = "EXPORT",
    mode: str = "SEA",
    destination: str | None = "US",
) -> dict[str, Any]:
    return {
        "header": header("seizure.recorded", at),
        "seizure_id": f"{office}-{uuid.uuid4().hex[:8]}",
        "customs_office_code": office,
        "seized_at": at,
        "direction": direction,
        "transport_mode": mode,
        "declaration_no": None,
        "bill_of_lading": None,
        "container_no": None,
        "hs_code": hs_code,
        "goods_description": "goods",
        "ipr_type": "TRADEMARK",
        "right_holder": None,
        "brand": None,
        "quantity": quantity,
        "unit": "PCS",
        "estimated_value_cny": Decimal(value),
        "exporter": None,
        "consignee": None,
        "declarant": None,
        "origin_country": "CN",
        "destination_country": destination,
        "route": [],
        "concealment": None,
        "disposition": None,
        "recordation_no": None,
    }


def metrics(gains: str = "0", volume: str = "0", copies: int = 0) -> dict[str, Any]:
    return {
        "illegal_business_volume_cny": Decimal(volume),
        "illegal_gains_cny": Decimal(gains),
        "infringing_copies": copies,
        "works": 0,
        "online_clicks": 0,
        "registered_members": 0,
        "online": False,
    }


def case_opened(case_id: str, at: datetime, gains: str = "0", jurisdiction: str = "110000") -> dict[str, Any]:
    return {
        "header": header("case.opened", at, jurisdiction),
        "case_id": case_id,
        "authority": party("Copyright Administration"),
        "subject": subject(f"Enterprise {case_id}", jurisdiction),
        "opened_at": at,
        "inspection_id": None,
        "metrics": metrics(gains=gains),
        "summary": None,
    }


def case_referred(case_id: str, at: datetime) -> dict[str, Any]:
    return {
        "header": header("case.referred", at),
        "case_id": case_id,
        "referred_at": at,
        "referred_to": party("Public Security Bureau"),
        "metrics": metrics(),
        "legal_basis": None,
    }


def case_closed(case_id: str, at: datetime) -> dict[str, Any]:
    return {
        "header": header("case.closed", at),
        "case_id": case_id,
        "closed_at": at,
        "outcome": "PENALISED",
        "fine_cny": Decimal("1000.00"),
        "confiscated_copies": 0,
        "final_metrics": None,
    }


def signal(
    rule_id: str,
    severity: str,
    subject_id: str,
    at: datetime,
    *,
    subject_type: str = "EXPORTER",
    subject_name: str | None = None,
) -> dict[str, Any]:
    h = header("signal.raised", at)
    return {
        "header": h,
        "signal_id": h["event_id"],
        "rule_id": rule_id,
        "rule_version": 1,
        "ruleset_version": "test",
        "category": "ENFORCEMENT",
        "severity": severity,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_name": subject_name,
        "score": 1.0,
        "metrics": {},
        "reason": "test",
        "evidence": [],
    }


def migrate_without_merges(settings: Any, tables: tuple[str, ...] = ("seizures",)) -> None:
    """Apply the migrations and stop background merges of ``tables``, so count() shows any duplicate."""
    with Store(settings, "test") as store:
        migrate(store.client, store.database)
        for table in tables:
            store.client.command(
                f"ALTER TABLE iprx.{table} MODIFY SETTING "
                "max_bytes_to_merge_at_max_space_in_pool = 1, max_bytes_to_merge_at_min_space_in_pool = 1"
            )
