"""Maps decoded Avro records to ClickHouse rows, one mapper per landed schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    topic: str
    partition: int
    offset: int

    def columns(self) -> dict[str, Any]:
        return {"_topic": self.topic, "_partition": self.partition, "_offset": self.offset}


def _header(h: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": h["event_id"],
        "event_type": h["event_type"],
        "occurred_at": h["occurred_at"],
        "published_at": h["published_at"],
        "publisher": h["publisher"],
        "jurisdiction": h["jurisdiction"],
        "causation_id": h["causation_id"],
        "correlation_id": h["correlation_id"],
    }


def _party(prefix: str, party: dict[str, Any] | None) -> dict[str, Any]:
    party = party or {}
    return {
        f"{prefix}_id": party.get("id"),
        f"{prefix}_name": party.get("name"),
        f"{prefix}_country": party.get("country"),
        f"{prefix}_natural_person": bool(party.get("natural_person", False)),
    }


def seizure_row(r: dict[str, Any]) -> dict[str, Any]:
    plain = {
        k: r[k]
        for k in (
            "seizure_id",
            "customs_office_code",
            "seized_at",
            "direction",
            "transport_mode",
            "declaration_no",
            "bill_of_lading",
            "container_no",
            "hs_code",
            "goods_description",
            "ipr_type",
            "right_holder",
            "brand",
            "quantity",
            "unit",
            "estimated_value_cny",
            "origin_country",
            "destination_country",
            "route",
            "concealment",
            "disposition",
        )
    }
    return (
        _header(r["header"])
        | plain
        | _party("exporter", r["exporter"])
        | _party("consignee", r["consignee"])
        | _party("declarant", r["declarant"])
    )


def signal_row(r: dict[str, Any]) -> dict[str, Any]:
    h = r["header"]
    return {
        "signal_id": r["signal_id"],
        "occurred_at": h["occurred_at"],
        "published_at": h["published_at"],
        "publisher": h["publisher"],
        "jurisdiction": h["jurisdiction"],
        "causation_id": h["causation_id"],
        **{
            k: r[k]
            for k in (
                "rule_id",
                "rule_version",
                "ruleset_version",
                "category",
                "severity",
                "subject_type",
                "subject_id",
                "score",
                "metrics",
                "reason",
            )
        },
        "evidence": [(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in r["evidence"]],
    }


def dead_letter_row(r: dict[str, Any]) -> dict[str, Any]:
    return dict(r)


@dataclass(frozen=True)
class TableMapping:
    table: str
    to_row: Callable[[dict[str, Any]], dict[str, Any]]


# Avro schema name -> the table its records land in.
MAPPINGS: dict[str, TableMapping] = {
    "iprx.seizure.SeizureRecorded": TableMapping("seizures", seizure_row),
    "iprx.signal.Signal": TableMapping("signals", signal_row),
    "iprx.deadletter.DeadLetter": TableMapping("dead_letters", dead_letter_row),
}
DEAD_LETTER_TABLE = "dead_letters"
