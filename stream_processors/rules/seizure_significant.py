"""seizure.significant: a seizure whose estimated value reaches the configured threshold.

A significant seizure is also shared with partner agencies as a redacted outbound notice
(:func:`outbound`, :func:`outbound_notice`) under the field policy of ``stream_processors.redaction``:
natural persons' names and ids never leave, neither in the party fields nor inside free text or
references.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from iprx.stream_processors.events import Party, Seizure
from iprx.stream_processors.redaction import REDACTED, SEIZURE_POLICY, Policy, Scrubber, treated_as_natural_person
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, RuleParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import SIGNAL_PUBLISHER, Signal

RULE = RuleIdentity("seizure.significant", version=1, category="ENFORCEMENT")
EVENT_TYPES = (Seizure,)
HANDLING_MARKS = ("RED", "AMBER", "GREEN", "CLEAR")  # Traffic Light Protocol, as iprx.cooperation.HandlingMark
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
        "correlation_id": notice["seizure"]["seizure_id"],  # as shared: scrubbed like the notice
    }
    return {"header": header, **notice}


def outbound_notice(seizure: Seizure, signal: Signal, params: Params) -> dict[str, Any]:
    """The notice for partners about a significant seizure: ``iprx.cooperation.PartnerNoticeSent`` minus header.

    Each field leaves as ``redaction.SEIZURE_POLICY`` says, and no other field does. Parties treated as
    natural persons are shared only by country, and their names and ids are masked wherever they occur
    in the scrubbed fields (so are personal ids of anyone). ``redacted_fields`` lists the path of every
    field that was withheld or masked.
    """
    persons = [p for p in seizure.parties if treated_as_natural_person(p.natural_person, p.id, p.name)]
    scrub = Scrubber([p.name for p in persons if p.name], [p.id for p in persons if p.id])
    withheld: list[str] = []

    def party(role: str, p: Party | None) -> dict[str, Any] | None:
        if p is None:
            return None
        if p in persons:
            withheld.extend(f"seizure.{role}.{f}" for f, v in (("id", p.id), ("name", p.name)) if v)
            return {"id": None, "name": REDACTED, "country": p.country, "natural_person": p.natural_person}
        name = scrub(f"seizure.{role}.name", p.name)
        return {"id": scrub(f"seizure.{role}.id", p.id), "name": name, "country": p.country, "natural_person": False}

    values: dict[str, Any] = {
        "seizure_id": seizure.seizure_id,
        "office": seizure.customs_office_code,
        "seized_at": seizure.seized_at or seizure.occurred_at,
        "direction": seizure.direction,
        "transport_mode": seizure.transport_mode,
        "bill_of_lading": seizure.bill_of_lading,
        "container_no": seizure.container_no,
        "hs_code": seizure.hs_code,
        "goods_description": seizure.goods_description,
        "ipr_type": seizure.ipr_type,
        "right_holder": seizure.right_holder,
        "brand": seizure.brand,
        "quantity": seizure.quantity,
        "unit": seizure.unit,
        "estimated_value": {"amount": seizure.estimated_value_cny, "currency": "CNY"},
        "exporter": seizure.exporter,
        "consignee": seizure.consignee,
        "origin_country": seizure.origin_country,
        "destination_country": seizure.destination_country,
        "route": list(seizure.route),
    }
    shared: dict[str, Any] = {}
    for name, policy in SEIZURE_POLICY.items():
        value = values[name]
        if policy is Policy.PARTY:
            shared[name] = party(name, value)
        elif policy is Policy.SCRUB and isinstance(value, list):
            shared[name] = [scrub(f"seizure.{name}[{i}]", v) for i, v in enumerate(value)]
        elif policy is Policy.SCRUB:
            shared[name] = scrub(f"seizure.{name}", value)
        else:
            shared[name] = value
    redacted = withheld + scrub.redacted
    return {
        "notice_id": str(uuid.uuid5(NOTICE_NAMESPACE, str(signal.signal_id))),
        "recipients": list(params.outbound_recipients),
        "kind": "SEIZURE_NOTICE",
        "handling": params.outbound_handling,
        "signal_id": str(signal.signal_id),
        "seizure": shared,
        "redacted_fields": redacted,
    }
