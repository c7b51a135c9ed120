"""A rule's identity, and the one place a rule's signals are built.

Every rule module defines ``RULE = RuleIdentity(...)``; that constant is what makes it a rule
(see ``stream_processors.rulebook``). What every signal of a rule shares — rule id and version,
the rule-set version, category and severity — comes from here, so a rule only states what its
signal is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from iprx.stream_processors.rules.params import RuleParams
from iprx.stream_processors.signals import Evidence, Signal

CATEGORIES = ("COMPLIANCE", "ENFORCEMENT", "OTHER")  # iprx.signal.Category


@dataclass(frozen=True)
class RuleIdentity:
    rule_id: str  # the section name in the rule set, e.g. "seizure.significant"
    version: int  # bumped whenever the rule's logic changes; recorded by every signal
    category: str

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES or self.version < 1:
            raise ValueError(f"rule {self.rule_id}: needs a category in {CATEGORIES} and a version >= 1")

    def signal(
        self,
        params: RuleParams,
        *,
        subject_type: str,
        subject_id: str,
        jurisdiction: str,
        occurred_at: datetime,
        score: float,
        reason: str,
        evidence: tuple[Evidence, ...],
        metrics: Mapping[str, float],
        severity: str | None = None,
        revision: int = 0,
        opened_by: tuple[str, ...] = (),
    ) -> Signal:
        """A signal of this rule; ``severity`` only when the rule grades it (default: ``params.severity``);
        ``revision`` and ``opened_by`` for a revision of an episode (see ``Signal``)."""
        return Signal(
            rule_id=self.rule_id,
            rule_version=self.version,
            ruleset_version=params.ruleset_version,
            category=self.category,
            severity=severity or params.severity,
            subject_type=subject_type,
            subject_id=subject_id,
            jurisdiction=jurisdiction,
            occurred_at=occurred_at,
            score=score,
            reason=reason,
            evidence=evidence,
            metrics=dict(metrics),
            revision=revision,
            opened_by=opened_by,
        )
