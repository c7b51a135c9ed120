"""The rules in force, built from one rule set; the only thing the Faust layer calls."""

from __future__ import annotations

from dataclasses import dataclass

from stream_processors.events import Seizure
from stream_processors.rules import seizure_significant
from stream_processors.ruleset import RuleSet
from stream_processors.signals import Signal


@dataclass(frozen=True)
class Rulebook:
    ruleset_version: str
    seizure_significant: seizure_significant.Params

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Rulebook:
        return cls(ruleset.version, seizure_significant.Params.from_ruleset(ruleset))

    def on_seizure(self, seizure: Seizure) -> list[Signal]:
        """Signals raised by one seizure."""
        signal = seizure_significant.evaluate(seizure, self.seizure_significant)
        return [signal] if signal else []
