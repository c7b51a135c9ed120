"""The signal a rule raises, its deterministic id, and its Avro record form."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Fixed namespace for UUIDv5 signal ids; changing it would change every signal id.
SIGNAL_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-5e7f-9a10-2b3c4d5e6f70")
SIGNAL_SCHEMA = "iprx.signal.Signal"
SIGNAL_PUBLISHER = "CN/GOV/IPRX/stream-processors"


@dataclass(frozen=True)
class Evidence:
    """Where a source event sits in Kafka: enough to fetch it again and prove the signal."""

    event_id: str
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Signal:
    rule_id: str
    rule_version: int
    ruleset_version: str
    category: str
    severity: str
    subject_type: str
    subject_id: str
    jurisdiction: str
    occurred_at: datetime  # event time of the latest contributing event
    score: float
    reason: str
    evidence: tuple[Evidence, ...]
    metrics: dict[str, float] = field(default_factory=dict)
    # An episode of (rule, subject) is revised as its evidence grows: every revision keeps the id its
    # first one had, from the events that opened it (empty: this signal's own evidence).
    revision: int = 0
    opened_by: tuple[str, ...] = ()

    @property
    def signal_id(self) -> uuid.UUID:
        opened_by = self.opened_by or tuple(e.event_id for e in self.evidence)
        return signal_id(self.rule_id, self.subject_type, self.subject_id, opened_by)


def signal_id(rule_id: str, subject_type: str, subject_id: str, event_ids: Iterable[str]) -> uuid.UUID:
    """Same rule, subject and triggering events give the same id, whatever the order or the run."""
    key = "|".join([rule_id, subject_type, subject_id, *sorted(set(event_ids))])
    return uuid.uuid5(SIGNAL_NAMESPACE, key)


def to_record(signal: Signal, published_at: datetime) -> dict[str, Any]:
    """The Avro record (schema ``iprx.signal.Signal``) for ``signal``."""
    sid = str(signal.signal_id)
    return {
        "header": {
            "event_id": sid,
            "event_type": "signal.raised",
            "occurred_at": signal.occurred_at,
            "published_at": published_at,
            "publisher": SIGNAL_PUBLISHER,
            "jurisdiction": signal.jurisdiction,
            "causation_id": signal.evidence[-1].event_id if signal.evidence else None,
            "correlation_id": None,
        },
        "signal_id": sid,
        "rule_id": signal.rule_id,
        "rule_version": signal.rule_version,
        "ruleset_version": signal.ruleset_version,
        "category": signal.category,
        "severity": signal.severity,
        "subject_type": signal.subject_type,
        "subject_id": signal.subject_id,
        "score": signal.score,
        "metrics": dict(signal.metrics),
        "reason": signal.reason,
        "evidence": [vars(e) for e in signal.evidence],
        "revision": signal.revision,
    }
