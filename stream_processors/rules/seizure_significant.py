"""seizure.significant: a seizure whose estimated value reaches the configured threshold."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from stream_processors.events import Seizure
from stream_processors.ruleset import RuleSet, RuleSetError
from stream_processors.signals import Signal

RULE_ID = "seizure.significant"
RULE_VERSION = 1
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class Params:
    min_value_cny: Decimal
    severity: str
    ruleset_version: str

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        raw: dict[str, Any] = ruleset.params(RULE_ID)
        try:
            threshold = Decimal(str(raw["min_value_cny"]))
        except (KeyError, InvalidOperation):
            raise RuleSetError(f"{ruleset.source}: [rules.{RULE_ID!r}] needs a numeric min_value_cny") from None
        severity = raw.get("severity", "MEDIUM")
        if threshold <= 0 or severity not in SEVERITIES:
            raise RuleSetError(
                f"{ruleset.source}: [rules.{RULE_ID!r}] needs min_value_cny > 0 and severity in {SEVERITIES}"
            )
        return cls(threshold, severity, ruleset.version)


def evaluate(seizure: Seizure, params: Params) -> Signal | None:
    """Return a signal if the seizure's estimated value is at or above the threshold."""
    value = seizure.estimated_value_cny
    if value < params.min_value_cny:
        return None
    ratio = float(value / params.min_value_cny)
    return Signal(
        rule_id=RULE_ID,
        rule_version=RULE_VERSION,
        ruleset_version=params.ruleset_version,
        category="ENFORCEMENT",
        severity=params.severity,
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
