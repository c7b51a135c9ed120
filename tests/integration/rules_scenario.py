"""A hand-planted scenario that makes every rule of DESIGN.md §4 fire once, and some near misses.

Records are built from the facts below; :attr:`Scenario.expected` is computed from the same facts
(which events each signal must cite), not from the rules' code. Event times are relative to ``now``
and in the past, so the wall-clock sweep has passed every deadline that is meant to pass, and none
that is meant to hold (case C2 was referred 24 h after opening; its deadline is still in the future).

Records come in two phases: what a judgement waits for (procurement, seizures) is published and
processed before what is judged (inspections, case events, partner notices), because a planted
event is far older than the wall clock, i.e. late beyond grace as soon as a sweep runs.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from producers.identifiers import uscc_check_char

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PUBLISHER = "CN/GOV/TEST/scenario"
CBP = "US/GOV/CBP/ipr"


def uscc(rng: random.Random) -> str:
    first = "91" + "110000" + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return first + uscc_check_char(first)


@dataclass
class Scenario:
    now: datetime
    rng: random.Random = field(default_factory=random.Random)
    phases: tuple[list[tuple[str, dict]], list[tuple[str, dict]]] = field(default_factory=lambda: ([], []))
    # (rule id, subject type, subject id, evidence event ids)
    expected: set[tuple[str, str, str, frozenset[str]]] = field(default_factory=set)

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    def header(self, event_type: str, at: datetime) -> dict[str, Any]:
        return {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": at,
            "published_at": None,
            "publisher": PUBLISHER,
            "jurisdiction": "110000",
        }

    def add(self, phase: int, family: str, record: dict) -> str:
        self.phases[phase].append((family, record))
        return record["header"]["event_id"]

    def expect(self, rule: str, subject_type: str, subject_id: str, *event_ids: str) -> None:
        self.expected.add((rule, subject_type, subject_id, frozenset(event_ids)))


def award(s: Scenario, buyer: str, at: datetime, items: list[dict]) -> dict:
    n = s.rng.randrange(10**8)
    return {
        "header": s.header("procurement.award", at),
        "ocid": f"ocds-test-{n}",
        "release_id": f"r-{n}",
        "tags": ["AWARD"],
        "released_at": at,
        "buyer": {"id": buyer, "name": f"Bureau {buyer[-4:]}", "level": "PROVINCIAL", "jurisdiction": "110000"},
        "items": [{"description": i["item_id"], "unit": "unit", **i} for i in items],
    }


def licences(item_id: str, product: str, quantity: int, *, code: str = "48310000", os: bool = False) -> dict:
    return {
        "item_id": item_id,
        "classification": {"scheme": "CPV", "code": code},
        "quantity": quantity,
        "software": {"vendor": "Kingsoft", "product": product, "metric": "DEVICE", "operating_system": os},
    }


def computers(item_id: str, quantity: int) -> dict:
    return {
        "item_id": item_id,
        "classification": {"scheme": "CPV", "code": "30213000"},
        "quantity": quantity,
        "hardware": {"category": "DESKTOP", "os_preloaded": False},
    }


def inspection(s: Scenario, subject: str | None, kind: str, at: datetime, outcome: str, findings: list) -> dict:
    return {
        "header": s.header("inspection.completed", at),
        "inspection_id": f"INSP-{s.rng.randrange(10**8)}",
        "inspector": {"id": None, "name": "Beijing Copyright Bureau", "country": "CN"},
        "inspector_kind": "COPYRIGHT_BUREAU",
        "subject": {"subject_type": kind, "id": subject, "name": "Inspected", "jurisdiction": "110000"},
        "inspected_at": at,
        "devices_inspected": 40,
        "findings": [
            {"vendor": "Kingsoft", "product": p, "installed_copies": n, "licensed_copies": 0} for p, n in findings
        ],
        "outcome": outcome,
    }


def case_event(s: Scenario, event_type: str, case_id: str, at: datetime, **fields: Any) -> dict:
    return {"header": s.header(event_type, at), "case_id": case_id, **fields}


def opened(s: Scenario, case_id: str, at: datetime, gains: str) -> dict:
    return case_event(
        s,
        "case.opened",
        case_id,
        at,
        authority={"id": None, "name": "Beijing Copyright Bureau", "country": "CN"},
        subject={"subject_type": "ENTERPRISE", "id": uscc(s.rng), "name": "Disc shop", "jurisdiction": "110000"},
        opened_at=at,
        metrics={"illegal_business_volume_cny": Decimal("0.00"), "illegal_gains_cny": Decimal(gains)},
    )


def seizure(s: Scenario, exporter: str, office: str, at: datetime, value: str, container: str) -> dict:
    n = s.rng.randrange(10**7)
    return {
        "header": s.header("seizure.recorded", at) | {"jurisdiction": "310000"},
        "seizure_id": f"{office}-{at.year}-{n:07d}",
        "declaration_no": None,
        "customs_office_code": office,
        "direction": "EXPORT",
        "transport_mode": "SEA",
        "bill_of_lading": f"BL{n}",
        "container_no": container,
        "hs_code": "852349",
        "goods_description": "optical discs with unlicensed office software",
        "ipr_type": "COPYRIGHT",
        "right_holder": "Kingsoft",
        "brand": "WPS",
        "quantity": 1000,
        "unit": "PCS",
        "estimated_value_cny": Decimal(value),
        "exporter": {"id": exporter, "name": "Exporter Trading Co., Ltd.", "country": "CN", "natural_person": False},
        "consignee": None,
        "declarant": None,
        "origin_country": "CN",
        "destination_country": "US",
        "route": [],
        "seized_at": at,
        "disposition": "DETAINED",
        "concealment": None,
    }


def notice(s: Scenario, at: datetime, seized: dict, container: str) -> dict:
    return {
        "header": s.header("cooperation.notice_received", at),
        "partner_agency": CBP,
        "notice_id": f"CBP-{s.rng.randrange(10**8)}",
        "kind": "SEIZURE_NOTICE",
        "handling": "AMBER",
        "sent_at": at,
        "seizure": {
            "seizure_id": "US-LAX-1",
            "office": "LAX",
            "seized_at": at,
            "direction": "IMPORT",
            "transport_mode": "SEA",
            "container_no": container,
            "hs_code": "85234910",  # same heading 8523 as the domestic seizure
            "goods_description": "discs",
            "ipr_type": "COPYRIGHT",
            "quantity": 1000,
            "unit": "PCS",
            "exporter": {"id": seized["exporter"]["id"], "name": "Exporter", "country": "CN"},
            "route": [],
        },
    }


def build(now: datetime, seed: int) -> Scenario:
    """Every rule once, each with a near miss that must stay silent."""
    s = Scenario(now.replace(microsecond=now.microsecond // 1000 * 1000), random.Random(seed))
    short, enough, os_short, os_enough, repeat = (uscc(s.rng) for _ in range(5))

    # licence.shortfall: 10 licences, 25 copies found (an outcome repeat_noncompliance does not count);
    # the near miss has 30 licences for 25 copies.
    a1 = s.add(0, "procurement", award(s, short, s.ago(days=60), [licences("wps", "WPS Office", 10)]))
    s.add(0, "procurement", award(s, enough, s.ago(days=60), [licences("wps", "WPS Office", 30)]))
    i1 = s.add(
        1, "inspection", inspection(s, short, "AGENCY", s.ago(days=2), "RECTIFICATION_ORDERED", [("WPS Office", 25)])
    )
    s.add(1, "inspection", inspection(s, enough, "AGENCY", s.ago(days=2), "COMPLIANT", [("WPS Office", 25)]))
    s.add(1, "inspection", inspection(s, None, "INDIVIDUAL", s.ago(days=2), "NONCOMPLIANT", [("WPS Office", 3)]))
    s.expect("licence.shortfall", "AGENCY", short, i1, a1)

    # hardware.os_not_preloaded: 5 OS licences 10 days before 20 bare computers (published first: same
    # buyer, same partition, so they are recorded before the computers' deadline is judged).
    h1 = s.add(0, "procurement", award(s, os_short, s.ago(days=70), [licences("os", "Kylin", 5, code="48620000")]))
    h2 = s.add(0, "procurement", award(s, os_short, s.ago(days=60), [computers("pc", 20)]))
    bundle = [computers("pc", 10), licences("os", "UOS", 10, code="48000000", os=True)]
    s.add(0, "procurement", award(s, os_enough, s.ago(days=60), bundle))
    s.expect("hardware.os_not_preloaded", "BUYER", os_short, h2, h1)

    # inspection.repeat_noncompliance: found NONCOMPLIANT 180 days apart (no findings: no shortfall).
    r1 = s.add(1, "inspection", inspection(s, repeat, "ENTERPRISE", s.ago(days=200), "NONCOMPLIANT", []))
    r2 = s.add(1, "inspection", inspection(s, repeat, "ENTERPRISE", s.ago(days=20), "NONCOMPLIANT", []))
    s.expect("inspection.repeat_noncompliance", "ENTERPRISE", repeat, r1, r2)

    # referral.threshold_met for C1 and C2; referral.overdue for C1 only (C2 referred after 24 h).
    c1, c2, c3 = (f"CASE-{seed}-{n}-{s.rng.randrange(10**6)}" for n in (1, 2, 3))
    o1 = s.add(1, "case", opened(s, c1, s.ago(days=10), "40000.00"))
    o2 = s.add(1, "case", opened(s, c2, s.ago(hours=48), "200000.00"))
    police = {"id": None, "name": "Haidian PSB", "country": "CN"}
    metrics = {"illegal_business_volume_cny": Decimal("0.00"), "illegal_gains_cny": Decimal("200000.00")}
    s.add(1, "case", case_event(s, "case.referred", c2, s.ago(hours=24), referred_at=s.ago(hours=24),
                                referred_to=police, metrics=metrics))  # fmt: skip
    s.add(1, "case", case_event(s, "case.accepted", c2, s.ago(hours=12), decided_at=s.ago(hours=12),
                                decision="ACCEPTED"))  # fmt: skip
    s.add(1, "case", case_event(s, "case.closed", c2, s.ago(hours=1), closed_at=s.ago(hours=1),
                                outcome="TRANSFERRED"))  # fmt: skip
    s.add(1, "case", opened(s, c3, s.ago(days=10), "1000.00"))  # below every threshold
    s.expect("referral.threshold_met", "CASE", c1, o1)
    s.expect("referral.threshold_met", "CASE", c2, o2)
    s.expect("referral.overdue", "CASE", c1, o1)

    # seizure.repeat_offender: one exporter at two offices; seizure.significant: 1.5 M CNY;
    # crossborder.joint_match: a partner notice naming the big seizure's container (spelled differently)
    # and its exporter + HS heading: one pair found under two keys, one signal.
    offender, big_exporter = uscc(s.rng), uscc(s.rng)
    s1 = s.add(0, "seizure", seizure(s, offender, "5300", s.ago(days=10), "20000.00", "TGHU1000001"))
    s2 = s.add(0, "seizure", seizure(s, offender, "4200", s.ago(days=8), "30000.00", "TGHU1000002"))
    big = seizure(s, big_exporter, "2200", s.ago(days=5), "1500000.00", "MSKU1234565")
    s3 = s.add(0, "seizure", big)
    p1_record = notice(s, s.ago(days=3), big, "msku 123456-5")
    p1 = s.add(1, "cooperation", p1_record)
    s.expect("seizure.repeat_offender", "EXPORTER", offender, s1, s2)
    s.expect("seizure.significant", "SEIZURE", big["seizure_id"], s3)
    s.expect("crossborder.joint_match", "PARTNER_NOTICE", f"{CBP}/{p1_record['notice_id']}", p1, s3)
    return s
