"""Maps decoded Avro records to ClickHouse rows, one mapper per landed schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iprx.kernel import topics


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


def _subject(s: dict[str, Any] | None) -> dict[str, Any]:
    s = s or {}
    return {
        "subject_type": s.get("subject_type"),
        "subject_id": s.get("id"),
        "subject_name": s.get("name"),
        "subject_jurisdiction": s.get("jurisdiction"),
        "subject_level": s.get("level"),
    }


def _money(prefix: str, money: dict[str, Any] | None) -> dict[str, Any]:
    money = money or {}
    return {f"{prefix}_amount": money.get("amount"), f"{prefix}_currency": money.get("currency")}


def _nested(prefix: str, fields: tuple[str, ...], elements: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Flat dicts as the parallel arrays of a Nested column (``prefix.field``).

    Every field is present even for no elements: the sink inserts a batch with the first row's columns.
    """
    return {f"{prefix}.{f}": [e[f] for e in elements] for f in fields}


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
            "recordation_no",
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
    return {
        "signal_id": r["signal_id"],
        **_header(r["header"]),
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
                "subject_name",
                "score",
                "metrics",
                "reason",
            )
        },
        "evidence": [(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in r["evidence"]],
        "revision": r["revision"],
    }


def dead_letter_row(r: dict[str, Any]) -> dict[str, Any]:
    """A dead letter as a row; v1 records have no sha256 and no headers."""
    headers = [(h["key"], h["value"]) for h in r.get("headers") or []]
    # The decoder gives the uuid logical type as uuid.UUID, the sink's own dead letters a str
    # (kernel.dead_letters): one insert's column must hold one type, so both are str.
    return {
        **r,
        "dead_letter_id": str(r["dead_letter_id"]),
        "payload_sha256": r.get("payload_sha256"),
        "headers": headers,
    }


ITEM_FIELDS = (
    "item_id",
    "description",
    "classification_scheme",
    "classification_code",
    "classification_description",
    "additional_classifications",
    "quantity",
    "unit",
    "unit_price_amount",
    "unit_price_currency",
    "software_vendor",
    "software_product",
    "software_edition",
    "software_metric",
    "software_term_start",
    "software_term_end",
    "software_operating_system",
    "hardware_category",
    "hardware_os_preloaded",
    "hardware_preloaded_os",
)


def _item(i: dict[str, Any]) -> dict[str, Any]:
    c = i["classification"]
    software = i["software"] or {}
    hardware = i["hardware"] or {}
    return {
        "item_id": i["item_id"],
        "description": i["description"],
        "classification_scheme": c["scheme"],
        "classification_code": c["code"],
        "classification_description": c["description"],
        "additional_classifications": [
            (a["scheme"], a["code"], a["description"]) for a in i["additional_classifications"]
        ],
        "quantity": i["quantity"],
        "unit": i["unit"],
        **_money("unit_price", i["unit_price"]),
        **{
            f"software_{k}": software.get(k)
            for k in ("vendor", "product", "edition", "metric", "term_start", "term_end")
        },
        "software_operating_system": software.get("operating_system"),
        "hardware_category": hardware.get("category"),
        "hardware_os_preloaded": hardware.get("os_preloaded"),
        "hardware_preloaded_os": hardware.get("preloaded_os"),
    }


def procurement_row(r: dict[str, Any]) -> dict[str, Any]:
    buyer = r["buyer"]
    return {
        **_header(r["header"]),
        **{k: r[k] for k in ("ocid", "release_id", "tags", "released_at")},
        **{f"buyer_{k}": buyer[k] for k in ("id", "name", "level", "jurisdiction")},
        "unresolved_parties": r.get("unresolved_parties", []),  # v1 records have none
        **_party("supplier", r["supplier"]),
        **{k: r[k] for k in ("award_id", "contract_id", "date_signed")},
        **_money("total_value", r["total_value"]),
        **_nested("items", ITEM_FIELDS, [_item(i) for i in r["items"]]),
    }


FINDING_FIELDS = ("vendor", "product", "edition", "operating_system", "installed_copies", "licensed_copies")


def inspection_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **_header(r["header"]),
        "inspection_id": r["inspection_id"],
        **_party("inspector", r["inspector"]),
        "inspector_kind": r["inspector_kind"],
        **_subject(r["subject"]),
        **{k: r[k] for k in ("inspected_at", "devices_inspected", "outcome", "rectification_due")},
        **_nested("findings", FINDING_FIELDS, r["findings"]),
    }


# Every case event fills the columns it has; the sink needs one column set per table, so all start NULL.
_CASE_COLUMNS = (
    *("opened_at", "inspection_id", "summary"),
    *("referred_at", "legal_basis"),
    *("decided_at", "decision", "police_case_no", "reason"),
    *("closed_at", "outcome", "fine_cny", "confiscated_copies"),
    *("illegal_business_volume_cny", "illegal_gains_cny", "infringing_copies", "works"),
    *("online_clicks", "registered_members", "online"),
)


def _case_row(case_event: str, r: dict[str, Any], metrics: dict[str, Any] | None, **parts: Any) -> dict[str, Any]:
    row = {
        **_header(r["header"]),
        "case_event": case_event,
        "case_id": r["case_id"],
        **_party("authority", None),
        **_subject(None),
        **_party("referred_to", None),
        **dict.fromkeys(_CASE_COLUMNS),
    }
    row.update(metrics or {})
    row.update(parts)
    return row


def case_opened_row(r: dict[str, Any]) -> dict[str, Any]:
    return _case_row(
        "opened",
        r,
        r["metrics"],
        **_party("authority", r["authority"]),
        **_subject(r["subject"]),
        **{k: r[k] for k in ("opened_at", "inspection_id", "summary")},
    )


def case_referred_row(r: dict[str, Any]) -> dict[str, Any]:
    return _case_row(
        "referred",
        r,
        r["metrics"],
        **_party("referred_to", r["referred_to"]),
        **{k: r[k] for k in ("referred_at", "legal_basis")},
    )


def case_referral_decided_row(r: dict[str, Any]) -> dict[str, Any]:
    return _case_row(
        "referral_decided", r, None, **{k: r[k] for k in ("decided_at", "decision", "police_case_no", "reason")}
    )


def case_closed_row(r: dict[str, Any]) -> dict[str, Any]:
    return _case_row(
        "closed", r, r["final_metrics"], **{k: r[k] for k in ("closed_at", "outcome", "fine_cny", "confiscated_copies")}
    )


def _shared_seizure(s: dict[str, Any] | None) -> dict[str, Any]:
    s = s or {}
    plain = (
        "office",
        "seized_at",
        "direction",
        "transport_mode",
        "bill_of_lading",
        "container_no",
        "hs_code",
        "goods_description",
        "ipr_type",
        "right_holder",
        "brand",
        "quantity",
        "unit",
        "origin_country",
        "destination_country",
    )
    return {
        "seizure_id": s.get("seizure_id"),
        **{f"seizure_{k}": s.get(k) for k in plain},
        **_money("seizure_estimated_value", s.get("estimated_value")),
        **_party("seizure_exporter", s.get("exporter")),
        **_party("seizure_consignee", s.get("consignee")),
        "seizure_route": s.get("route", []),
    }


def notice_received_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **_header(r["header"]),
        **{k: r[k] for k in ("partner_agency", "notice_id", "kind", "handling", "sent_at", "in_reply_to")},
        **_shared_seizure(r["seizure"]),
        "text": r["text"],
    }


def notice_sent_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **_header(r["header"]),
        **{k: r[k] for k in ("notice_id", "recipients", "kind", "handling", "signal_id")},
        **_shared_seizure(r["seizure"]),
        "redacted_fields": r["redacted_fields"],
    }


@dataclass(frozen=True)
class TableMapping:
    table: str
    to_row: Callable[[dict[str, Any]], dict[str, Any]]


# Avro schema full name -> its row mapper. The table a schema lands in is the topic catalogue's
# (``iprx.kernel.topics``). One record is one row in one table.
ROW_MAPPERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "iprx.procurement.ProcurementRelease": procurement_row,
    "iprx.inspection.InspectionCompleted": inspection_row,
    "iprx.case.CaseOpened": case_opened_row,
    "iprx.case.CaseReferred": case_referred_row,
    "iprx.case.CaseReferralDecided": case_referral_decided_row,
    "iprx.case.CaseClosed": case_closed_row,
    "iprx.seizure.SeizureRecorded": seizure_row,
    "iprx.signal.Signal": signal_row,
    "iprx.cooperation.PartnerNoticeReceived": notice_received_row,
    "iprx.cooperation.PartnerNoticeSent": notice_sent_row,
    "iprx.deadletter.DeadLetter": dead_letter_row,
}
MAPPINGS: dict[str, TableMapping] = {
    schema: TableMapping(topics.TABLES[schema], to_row) for schema, to_row in ROW_MAPPERS.items()
}
