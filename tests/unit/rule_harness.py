"""Builders of events for the rule tests, and a driver that plays the Faust layer's part.

The driver keeps state exactly as a changelog table would: as JSON text per key, so every test
also proves the state survives serialisation.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from iprx.stream_processors.events import (
    CaseClosed,
    CaseOpened,
    CaseReferred,
    Finding,
    Inspection,
    PartnerNotice,
    ProcurementAward,
    ProcurementItem,
    Seizure,
)
from iprx.stream_processors.rulebook import Rulebook, StatefulRule
from iprx.stream_processors.ruleset import load_ruleset
from iprx.stream_processors.signals import Evidence, Signal

RULESET = load_ruleset()
RULEBOOK = Rulebook.from_ruleset(RULESET)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def evidence(event_id: str, topic: str) -> Evidence:
    # offset derived from the id so two events never share a position
    return Evidence(event_id, topic, 0, zlib.crc32(event_id.encode()))


@dataclass(frozen=True)
class Tick:
    """The caller's clock moving: event-time progress or a wall-clock timer."""

    clock: datetime


def drive(rule: StatefulRule, steps: Iterable[object]) -> tuple[list[Signal], dict[str, str]]:
    """Feed events and ticks to ``rule`` as the Faust layer would; return the signals and the table."""
    table: dict[str, str] = {}
    signals: list[Signal] = []
    for step in steps:
        if isinstance(step, Tick):
            for key in sorted(table):
                state, raised = rule.due(rule.load(json.loads(table[key])), step.clock)
                signals += raised
                if state is None:
                    del table[key]
                else:
                    table[key] = json.dumps(rule.dump(state))
            continue
        for key in rule.keys(step):
            stored = json.loads(table[key]) if key in table else None
            state, raised = rule.apply(rule.load(stored), step)
            signals += raised
            table[key] = json.dumps(rule.dump(state))
    return signals, table


def ids(signals: Iterable[Signal]) -> set[str]:
    return {str(s.signal_id) for s in signals}


def evidence_ids(signal: Signal) -> set[str]:
    return {e.event_id for e in signal.evidence}


# --- builders ----------------------------------------------------------------------------------


def seizure(
    event_id: str,
    when: datetime,
    office: str = "5300",
    exporter_id: str | None = "914403001922038216",
    container_no: str | None = None,
    bill_of_lading: str | None = None,
    hs_code: str = "852349",
    value: str = "200000",
) -> Seizure:
    return Seizure(
        event_id=event_id,
        occurred_at=when,
        jurisdiction="440300",
        seizure_id=f"S-{event_id}",
        customs_office_code=office,
        direction="EXPORT",
        hs_code=hs_code,
        estimated_value_cny=Decimal(value),
        quantity=100,
        exporter_id=exporter_id,
        source=evidence(event_id, "iprx.seizure"),
        container_no=container_no,
        bill_of_lading=bill_of_lading,
    )


def notice(
    event_id: str,
    when: datetime,
    container_no: str | None = None,
    bill_of_lading: str | None = None,
    exporter_id: str | None = None,
    hs_code: str | None = None,
    kind: str = "SEIZURE_NOTICE",
) -> PartnerNotice:
    return PartnerNotice(
        event_id=event_id,
        occurred_at=when,
        jurisdiction="US",
        partner_agency="US/GOV/CBP/ipr",
        notice_id=f"N-{event_id}",
        kind=kind,
        handling="AMBER",
        container_no=container_no,
        bill_of_lading=bill_of_lading,
        exporter_id=exporter_id,
        hs_code=hs_code,
        source=evidence(event_id, "iprx.cooperation.inbound"),
    )


def licence_item(
    quantity: int,
    product: str = "Office",
    metric: str = "DEVICE",
    start: datetime | None = None,
    end: datetime | None = None,
    item_id: str = "1",
    edition: str | None = "Professional",
) -> ProcurementItem:
    return ProcurementItem(
        item_id=item_id,
        classification_scheme="CPV",
        classification_code="48000000",
        quantity=quantity,
        vendor="Microsoft",
        product=product,
        edition=edition,
        licence_metric=metric,
        licence_start=start,
        licence_end=end,
    )


def computer_item(quantity: int, os_preloaded: bool | None = False, item_id: str = "pc") -> ProcurementItem:
    return ProcurementItem(item_id, "CPV", "30213000", quantity, os_preloaded=os_preloaded)


def os_item(quantity: int, scheme: str = "CPV", code: str = "48620000", flagged: bool = False, item_id: str = "os"):
    return ProcurementItem(
        item_id,
        scheme,
        code,
        quantity,
        vendor="Kylin",
        product="Kylin OS",
        licence_metric="DEVICE",
        is_operating_system=flagged,
    )


def award(event_id: str, when: datetime, *items: ProcurementItem, buyer_id: str = "11100000000013127W"):
    return ProcurementAward(
        event_id=event_id,
        occurred_at=when,
        jurisdiction="110000",
        ocid=f"ocds-x-{event_id}",
        buyer_id=buyer_id,
        buyer_jurisdiction="110000",
        items=tuple(items),
        source=evidence(event_id, "iprx.procurement"),
    )


def inspection(
    event_id: str,
    when: datetime,
    *findings: Finding,
    outcome: str = "NONCOMPLIANT",
    subject_id: str = "11100000000013127W",
    subject_type: str = "AGENCY",
) -> Inspection:
    return Inspection(
        event_id=event_id,
        occurred_at=when,
        jurisdiction="110000",
        inspection_id=f"I-{event_id}",
        subject_id=subject_id,
        subject_type=subject_type,
        subject_jurisdiction="110000",
        findings=tuple(findings),
        outcome=outcome,
        source=evidence(event_id, "iprx.inspection"),
    )


def found(installed: int, product: str = "Office", licensed: int = 0, edition: str | None = "Professional"):
    return Finding("Microsoft", product, edition, installed, licensed)


def case_opened(event_id: str, when: datetime, case_id: str = "C-1", **figures) -> CaseOpened:
    figures = {k: Decimal(v) if k.endswith("_cny") else v for k, v in figures.items()}
    return CaseOpened(
        event_id=event_id,
        occurred_at=when,
        jurisdiction="310000",
        case_id=case_id,
        subject_id="91310000MA1FL0000X",
        subject_type="ENTERPRISE",
        source=evidence(event_id, "iprx.inspection"),
        **figures,
    )


def case_referred(event_id: str, when: datetime, case_id: str = "C-1") -> CaseReferred:
    return CaseReferred(event_id, when, "310000", case_id, "Shanghai PSB", evidence(event_id, "iprx.inspection"))


def case_closed(event_id: str, when: datetime, case_id: str = "C-1") -> CaseClosed:
    return CaseClosed(event_id, when, "310000", case_id, "FINED", evidence(event_id, "iprx.inspection"))
