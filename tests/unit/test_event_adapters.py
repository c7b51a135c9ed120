"""Every event class the rules read is built from records encoded and decoded by the real codec."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from iprx.schemas import SingleObjectCodec, default_catalog
from iprx.stream_processors import statecodec
from iprx.stream_processors.events import (
    SCHEMAS,
    CaseClosed,
    CaseOpened,
    CaseReferralDecided,
    CaseReferred,
    Inspection,
    PartnerNotice,
    ProcurementAward,
)
from iprx.stream_processors.signals import Evidence

from tests.avro_records import records, uuids_as_text

codec = SingleObjectCodec()
catalog = default_catalog()
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decoded(schema: str, record: dict) -> dict:
    name, value = codec.decode(codec.encode(schema, uuids_as_text(record)), expect=schema)
    assert name == schema
    return value


def check_common(event, record: dict) -> None:
    header = record["header"]
    assert event.event_id == str(header["event_id"])
    assert event.occurred_at == header["occurred_at"] and event.occurred_at.tzinfo is not None
    assert event.jurisdiction == header["jurisdiction"]
    assert event.source == Evidence(str(header["event_id"]), "t", 2, 99)


def check_procurement(award: ProcurementAward, r: dict) -> None:
    assert (award.ocid, award.buyer_id, award.buyer_jurisdiction) == (
        r["ocid"],
        r["buyer"]["id"],
        r["buyer"]["jurisdiction"],
    )
    assert len(award.items) == len(r["items"])
    for item, raw in zip(award.items, r["items"], strict=True):
        assert item.classification == f"{raw['classification']['scheme']}:{raw['classification']['code']}"
        assert item.quantity == raw["quantity"]
        sw, hw = raw["software"], raw["hardware"]
        assert item.os_preloaded == (hw["os_preloaded"] if hw else None)
        if sw:
            assert (item.vendor, item.product, item.edition, item.licence_metric) == (
                sw["vendor"],
                sw["product"],
                sw["edition"],
                sw["metric"],
            )
            assert (item.licence_start, item.licence_end) == (sw["term_start"], sw["term_end"])
            assert item.is_operating_system == sw["operating_system"]
        else:
            assert item.vendor is None and item.licence_metric is None and not item.is_operating_system


def check_inspection(event: Inspection, r: dict) -> None:
    assert (event.inspection_id, event.outcome) == (r["inspection_id"], r["outcome"])
    s = r["subject"]
    assert (event.subject_id, event.subject_type, event.subject_jurisdiction) == (
        s["id"],
        s["subject_type"],
        s["jurisdiction"],
    )
    assert [(f.vendor, f.product, f.edition, f.installed_copies, f.licensed_copies) for f in event.findings] == [
        (f["vendor"], f["product"], f["edition"], f["installed_copies"], f["licensed_copies"]) for f in r["findings"]
    ]


def check_opened(event: CaseOpened, r: dict) -> None:
    m = r["metrics"]
    assert (event.case_id, event.subject_id, event.subject_type) == (
        r["case_id"],
        r["subject"]["id"],
        r["subject"]["subject_type"],
    )
    assert (event.illegal_business_volume_cny, event.illegal_gains_cny) == (
        m["illegal_business_volume_cny"],
        m["illegal_gains_cny"],
    )
    assert (event.infringing_copies, event.works, event.online_clicks, event.registered_members, event.online) == (
        m["infringing_copies"],
        m["works"],
        m["online_clicks"],
        m["registered_members"],
        m["online"],
    )


def check_notice(event: PartnerNotice, r: dict) -> None:
    assert (event.partner_agency, event.notice_id, event.kind, event.handling) == (
        r["partner_agency"],
        r["notice_id"],
        r["kind"],
        r["handling"],
    )
    s = r["seizure"] or {}
    assert (event.container_no, event.bill_of_lading, event.hs_code) == (
        s.get("container_no"),
        s.get("bill_of_lading"),
        s.get("hs_code"),
    )
    assert event.exporter_id == (s.get("exporter") or {}).get("id")


def check_case(event, r: dict, value, expected) -> None:
    assert (event.case_id, value) == (r["case_id"], expected)


CHECKS = {
    "iprx.procurement.ProcurementRelease": check_procurement,
    "iprx.inspection.InspectionCompleted": check_inspection,
    "iprx.case.CaseOpened": check_opened,
    "iprx.case.CaseReferred": lambda e, r: check_case(e, r, e.referred_to, r["referred_to"]["name"]),
    "iprx.case.CaseReferralDecided": lambda e, r: check_case(e, r, e.decision, r["decision"]),
    "iprx.case.CaseClosed": lambda e, r: check_case(e, r, e.outcome, r["outcome"]),
    "iprx.cooperation.PartnerNoticeReceived": check_notice,
}


@pytest.mark.parametrize("schema", sorted(CHECKS))
def test_property_adapter_reads_every_field_the_rules_use(schema):
    @SLOW
    @given(record=records(catalog.get(schema).expanded))
    def adapt(record):
        value = decoded(schema, record)
        event = SCHEMAS[schema].from_record(value, "t", 2, 99)
        check_common(event, value)
        CHECKS[schema](event, value)
        # The worker re-keys events as JSON: the round trip must give the same event back.
        assert statecodec.from_json(type(event), statecodec.to_json(event)) == event

    adapt()


def test_every_adapted_schema_is_a_known_record():
    assert set(SCHEMAS) == set(CHECKS) | {"iprx.seizure.SeizureRecorded"}
    for name in SCHEMAS:
        assert catalog.get(name).expanded["type"] == "record"


HEADER = {
    "event_id": "0b7e3c1e-5f0e-4c57-9a7c-1f6f5b1f0a01",
    "event_type": "x",
    "occurred_at": datetime(2026, 3, 1, 8, tzinfo=UTC),
    "published_at": datetime(2026, 3, 1, 9, tzinfo=UTC),
    "publisher": "CN/GOV/X/y",
    "jurisdiction": "110000",
}


def test_award_items_keep_licence_and_hardware_apart():
    item = {"description": "", "additional_classifications": [], "unit": "u", "unit_price": None}
    record = {
        "header": HEADER | {"event_type": "procurement.award"},
        "ocid": "ocds-x-1",
        "release_id": "r1",
        "tags": ["AWARD"],
        "released_at": HEADER["occurred_at"],
        "buyer": {"id": "B1", "name": "Bureau", "level": "PROVINCIAL", "jurisdiction": "110000"},
        "items": [
            item
            | {
                "item_id": "os",
                "classification": {"scheme": "CPV", "code": "48620000", "description": None},
                "quantity": 5,
                "software": {"vendor": "Kylin", "product": "Kylin OS", "metric": "DEVICE", "operating_system": True},
                "hardware": None,
            },
            item
            | {
                "item_id": "pc",
                "classification": {"scheme": "CPV", "code": "30213000", "description": None},
                "quantity": 20,
                "software": None,
                "hardware": {"category": "DESKTOP", "os_preloaded": False},
            },
        ],
    }
    award = ProcurementAward.from_record(decoded("iprx.procurement.ProcurementRelease", record), "t", 0, 1)
    os_item, pc = award.items
    assert (os_item.classification, os_item.is_operating_system, os_item.os_preloaded) == ("CPV:48620000", True, None)
    assert (os_item.licence_start, os_item.licence_end) == (None, None)  # perpetual, from the award
    assert (pc.classification, pc.os_preloaded, pc.vendor, pc.licence_metric) == ("CPV:30213000", False, None, None)


def test_case_events_keep_amounts_exact():
    metrics = {"illegal_business_volume_cny": Decimal("50000.00"), "illegal_gains_cny": Decimal("29999.99")}
    party = {"id": None, "name": "Haidian PSB", "country": "CN", "natural_person": False}
    subject = {"subject_type": "ENTERPRISE", "id": None, "name": "Shop", "jurisdiction": "110108"}
    at = HEADER["occurred_at"]
    opened = CaseOpened.from_record(
        decoded(
            "iprx.case.CaseOpened",
            {"header": HEADER, "case_id": "C1", "authority": party, "subject": subject, "opened_at": at}
            | {"metrics": metrics},
        ),
        "t",
        0,
        1,
    )
    assert opened.illegal_business_volume_cny == Decimal("50000.00") and opened.subject_id is None
    assert opened.infringing_copies == 0 and opened.online is False
    referred = CaseReferred.from_record(
        decoded(
            "iprx.case.CaseReferred",
            {"header": HEADER, "case_id": "C1", "referred_at": at, "referred_to": party, "metrics": metrics},
        ),
        "t",
        0,
        2,
    )
    assert (referred.case_id, referred.referred_to, referred.source.offset) == ("C1", "Haidian PSB", 2)
    decided = CaseReferralDecided.from_record(
        decoded(
            "iprx.case.CaseReferralDecided",
            {"header": HEADER, "case_id": "C1", "decided_at": at, "decision": "DECLINED"},
        ),
        "t",
        0,
        3,
    )
    closed = CaseClosed.from_record(
        decoded("iprx.case.CaseClosed", {"header": HEADER, "case_id": "C1", "closed_at": at, "outcome": "PENALISED"}),
        "t",
        0,
        4,
    )
    assert (decided.decision, closed.outcome) == ("DECLINED", "PENALISED")
