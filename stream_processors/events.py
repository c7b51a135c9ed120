"""Plain views of decoded events that the rules read; built from Avro records plus Kafka position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from stream_processors.signals import Evidence


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

    @classmethod
    def from_record(cls, record: dict[str, Any], topic: str, partition: int, offset: int) -> Seizure:
        header = record["header"]
        event_id = str(header["event_id"])
        exporter = record.get("exporter") or {}
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
            exporter_id=exporter.get("id"),
            source=Evidence(event_id, topic, partition, offset),
        )
