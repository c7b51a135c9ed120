"""seizure.significant: a seizure whose estimated value reaches the configured threshold.

A significant seizure is also shared with partner agencies as a redacted outbound notice
(:func:`outbound`, :func:`outbound_notice`): natural persons' names and ids never leave, neither in
the party fields nor inside free text.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from iprx.stream_processors.events import Party, Seizure
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, RuleParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import SIGNAL_PUBLISHER, Signal

RULE = RuleIdentity("seizure.significant", version=1, category="ENFORCEMENT")
EVENT_TYPES = (Seizure,)
HANDLING_MARKS = ("RED", "AMBER", "GREEN", "CLEAR")  # Traffic Light Protocol, as iprx.cooperation.HandlingMark
REDACTED = "[REDACTED]"
# Fixed namespace for outbound notice ids: derived from the signal id, so a replay yields the same notice id.
NOTICE_NAMESPACE = uuid.UUID("0b7d1c9e-4f2a-5b3c-8d6e-7f8091a2b3c4")


@dataclass(frozen=True, kw_only=True)
class Params(RuleParams):
    min_value_cny: Decimal
    outbound_handling: str = "AMBER"
    outbound_recipients: tuple[str, ...] = ()  # partner member ids; empty: every partner entitled to the mark

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls, severity="MEDIUM"),
            min_value_cny=p.decimal("min_value_cny"),
            outbound_handling=p.choice("outbound_handling", HANDLING_MARKS, default="AMBER"),
            outbound_recipients=p.strings("outbound_recipients", default=[], may_be_empty=True),
        )


def evaluate(seizure: Seizure, params: Params) -> list[Signal]:
    """A signal if the seizure's estimated value is at or above the threshold."""
    value = seizure.estimated_value_cny
    if value < params.min_value_cny:
        return []
    ratio = float(value / params.min_value_cny)
    return [
        RULE.signal(
            params,
            subject_type="SEIZURE",
            subject_id=seizure.seizure_id,
            jurisdiction=seizure.jurisdiction,
            occurred_at=seizure.occurred_at,
            score=round(ratio, 4),
            reason=(
                f"seizure {seizure.seizure_id} at customs office {seizure.customs_office_code} "
                f"({seizure.direction}, HS {seizure.hs_code}) estimated at {value:,.2f} CNY, "
                f">= threshold {params.min_value_cny:,.2f} CNY ({ratio:.2f}x)"
            ),
            evidence=(seizure.source,),
            metrics={"estimated_value_cny": float(value), "threshold_cny": float(params.min_value_cny)},
        )
    ]


def outbound(seizure: Seizure, signal: Signal, params: Params) -> dict[str, Any]:
    """The partner notice (``iprx.cooperation.PartnerNoticeSent``) for a signal; the sender stamps ``published_at``."""
    notice = outbound_notice(seizure, signal, params)
    header = {
        "event_id": notice["notice_id"],  # deterministic, so a replayed seizure sends the same notice
        "event_type": "cooperation.notice_sent",
        "occurred_at": seizure.occurred_at,
        "published_at": None,
        "publisher": SIGNAL_PUBLISHER,
        "jurisdiction": seizure.jurisdiction,
        "causation_id": notice["signal_id"],
        "correlation_id": seizure.seizure_id,
    }
    return {"header": header, **notice}


def outbound_notice(seizure: Seizure, signal: Signal, params: Params) -> dict[str, Any]:
    """The notice for partners about a significant seizure: ``iprx.cooperation.PartnerNoticeSent`` minus header.

    Natural persons are shared only as "a natural person of country X": their name and id are
    replaced, and every occurrence of them in free text (goods description, right holder, brand,
    route, other parties' names — a sole proprietorship often bears its owner's name) is masked.
    Fields with no place in the notice (declarant, declaration no., concealment) are not sent.
    ``redacted_fields`` lists the path of every field that was blanked or masked.
    """
    persons = [p for p in seizure.parties if p.natural_person]
    secrets = sorted({s for p in persons for s in (p.name, p.id) if s}, key=len, reverse=True)
    scrub = _scrubber(secrets)
    redacted: list[str] = []

    def text(path: str, value: str | None) -> str | None:
        cleaned = scrub(value)
        if cleaned != value:
            redacted.append(path)
        return cleaned

    def party(role: str, p: Party | None) -> dict[str, Any] | None:
        if p is None:
            return None
        if p.natural_person:
            redacted.extend(f"seizure.{role}.{f}" for f, v in (("id", p.id), ("name", p.name)) if v)
            return {"id": None, "name": REDACTED, "country": p.country, "natural_person": True}
        return {"id": p.id, "name": text(f"seizure.{role}.name", p.name), "country": p.country, "natural_person": False}

    shared = {
        "seizure_id": seizure.seizure_id,
        "office": seizure.customs_office_code,
        "seized_at": seizure.seized_at or seizure.occurred_at,
        "direction": seizure.direction,
        "transport_mode": seizure.transport_mode,
        "bill_of_lading": seizure.bill_of_lading,
        "container_no": seizure.container_no,
        "hs_code": seizure.hs_code,
        "goods_description": text("seizure.goods_description", seizure.goods_description),
        "ipr_type": seizure.ipr_type,
        "right_holder": text("seizure.right_holder", seizure.right_holder),
        "brand": text("seizure.brand", seizure.brand),
        "quantity": seizure.quantity,
        "unit": seizure.unit,
        "estimated_value": {"amount": seizure.estimated_value_cny, "currency": "CNY"},
        "exporter": party("exporter", seizure.exporter),
        "consignee": party("consignee", seizure.consignee),
        "origin_country": seizure.origin_country,
        "destination_country": seizure.destination_country,
        "route": [text(f"seizure.route[{i}]", stop) for i, stop in enumerate(seizure.route)],
    }
    return {
        "notice_id": str(uuid.uuid5(NOTICE_NAMESPACE, str(signal.signal_id))),
        "recipients": list(params.outbound_recipients),
        "kind": "SEIZURE_NOTICE",
        "handling": params.outbound_handling,
        "signal_id": str(signal.signal_id),
        "seizure": shared,
        "redacted_fields": redacted,
    }


def _scrubber(secrets: list[str]):
    """A function masking every occurrence of ``secrets`` in a text, ignoring case."""
    if not secrets:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(s) for s in secrets), re.IGNORECASE)

    def scrub(text: str | None) -> str | None:
        return None if text is None else pattern.sub(REDACTED, text)

    return scrub
