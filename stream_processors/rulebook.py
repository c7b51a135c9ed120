"""The rules in force, built from one rule set; the only thing the Faust layer calls.

Stateless rules are methods (``on_seizure``, ``on_case_opened``, ``outbound_notices``). Stateful
rules are :class:`StatefulRule` handles: the Faust layer keeps one changelog-backed table per rule,
with the JSON form of the rule's per-key state as the value, and for every event does::

    for rule in rulebook.stateful_for(event):
        for key in rule.keys(event):
            state, signals = rule.apply(rule.load(table.get(key)), event)
            table[key] = rule.dump(state)

and on event-time progress and on a wall-clock timer, for every key of the table::

    state, signals = rule.due(rule.load(table[key]), clock)
    if state is None: del table[key]
    else: table[key] = rule.dump(state)

forwarding every signal to the signals topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from iprx.stream_processors import statecodec
from iprx.stream_processors.events import CaseOpened, Seizure
from iprx.stream_processors.rules import (
    crossborder_joint_match,
    hardware_os_not_preloaded,
    inspection_repeat_noncompliance,
    licence_shortfall,
    referral_overdue,
    referral_threshold_met,
    seizure_repeat_offender,
    seizure_significant,
)
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Signal

STATEFUL_RULES: tuple[ModuleType, ...] = (
    licence_shortfall,
    hardware_os_not_preloaded,
    inspection_repeat_noncompliance,
    referral_overdue,
    seizure_repeat_offender,
    crossborder_joint_match,
)


@dataclass(frozen=True)
class StatefulRule:
    """A stateful rule module bound to its parameters."""

    module: ModuleType
    params: Any

    @property
    def rule_id(self) -> str:
        return self.module.RULE_ID

    def accepts(self, event: object) -> bool:
        return isinstance(event, self.module.EVENT_TYPES)

    def keys(self, event: object) -> tuple[str, ...]:
        """The table keys whose state ``event`` updates (none: the rule ignores it)."""
        return self.module.keys(event, self.params) if self.accepts(event) else ()

    def apply(self, state: Any, event: object) -> tuple[Any, list[Signal]]:
        return self.module.apply(state, event, self.params)

    def due(self, state: Any, clock: datetime) -> tuple[Any | None, list[Signal]]:
        """Deadlines and windows closed by ``clock``; a ``None`` state means: delete the key."""
        return self.module.due(state, clock, self.params)

    def new_state(self) -> Any:
        return self.module.State()

    def load(self, data: Any | None) -> Any:
        """The state from its table value (``None``: a key never seen)."""
        return self.new_state() if data is None else statecodec.from_json(self.module.State, data)

    def dump(self, state: Any) -> Any:
        return statecodec.to_json(state)


@dataclass(frozen=True)
class Rulebook:
    ruleset_version: str
    seizure_significant: seizure_significant.Params
    referral_threshold_met: referral_threshold_met.Params
    stateful: tuple[StatefulRule, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Rulebook:
        """Every rule of DESIGN.md §4; a missing or invalid section is a RuleSetError naming it."""
        return cls(
            ruleset.version,
            seizure_significant.Params.from_ruleset(ruleset),
            referral_threshold_met.Params.from_ruleset(ruleset),
            tuple(StatefulRule(m, m.Params.from_ruleset(ruleset)) for m in STATEFUL_RULES),
        )

    def on_seizure(self, seizure: Seizure) -> list[Signal]:
        """Signals raised by one seizure on its own (the stateful seizure rules are in ``stateful``)."""
        signal = seizure_significant.evaluate(seizure, self.seizure_significant)
        return [signal] if signal else []

    def outbound_notices(self, seizure: Seizure) -> list[dict[str, Any]]:
        """Redacted notices for partners about a significant seizure."""
        return [
            seizure_significant.outbound_notice(seizure, s, self.seizure_significant) for s in self.on_seizure(seizure)
        ]

    def on_case_opened(self, case: CaseOpened) -> list[Signal]:
        signal = referral_threshold_met.evaluate(case, self.referral_threshold_met)
        return [signal] if signal else []

    def stateful_for(self, event: object) -> list[StatefulRule]:
        """The stateful rules that read this kind of event."""
        return [rule for rule in self.stateful if rule.accepts(event)]

    def rule(self, rule_id: str) -> StatefulRule:
        for rule in self.stateful:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)
