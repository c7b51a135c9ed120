"""The rules in force, built from one rule set; the only thing the Faust layer calls.

A rule registers by being a module of ``stream_processors.rules`` that defines ``RULE`` (a
``RuleIdentity``): :func:`rule_modules` finds them all, so a new rule is a new module and its
rule-set section, and nothing here or in the Faust layer names one. A rule module is either

* stateless — ``evaluate(event, params) -> list[Signal]``, and optionally ``outbound(event, signal,
  params)``: a partner notice to send for a signal (``None``: none); or
* stateful — ``keys``, ``apply``, ``due`` and ``State`` (see ``stream_processors.rules``).

For every event the Faust layer does::

    for rule in rulebook.stateless_for(event):
        signals = rule.evaluate(event)
        notices = [n for s in signals for n in rule.outbound(event, s)]
    for rule in rulebook.stateful_for(event):
        for key in rule.keys(event):
            state, signals = rule.apply(rule.load(table.get(key)), event)
            table[key] = rule.dump(state)

keeping one changelog-backed table per stateful rule (the JSON form of its per-key state as the
value), and on event-time progress and on a wall-clock timer, for every key of the table::

    state, signals = rule.due(rule.load(table[key]), clock)
    if state is None: del table[key]
    else: table[key] = rule.dump(state)

forwarding every signal to the signals topic.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from types import ModuleType
from typing import Any

from iprx.stream_processors import rules, statecodec
from iprx.stream_processors.events import FAMILY_OF_EVENT
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Signal

STATEFUL_HOOKS = ("keys", "apply", "due", "State")


def rule_modules(package: ModuleType = rules) -> tuple[ModuleType, ...]:
    """Every module of ``package`` defining ``RULE``, in module-name order (so every process agrees)."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if isinstance(getattr(module, "RULE", None), RuleIdentity):
            is_stateful(module)  # a half-written rule fails here, not when its first event arrives
            found.append(module)
    ids = [m.RULE.rule_id for m in found]
    if len(ids) != len(set(ids)):
        raise TypeError(f"two rule modules in {package.__name__} share a rule id: {sorted(ids)}")
    return tuple(found)


def is_stateful(module: ModuleType) -> bool:
    """Whether a rule module is stateful; a TypeError if it is not wholly one kind or the other."""
    stateful = all(hasattr(module, name) for name in STATEFUL_HOOKS)
    stateless = hasattr(module, "evaluate")
    name = module.__name__
    if stateful == stateless:
        raise TypeError(f"rule module {name} needs either evaluate (stateless) or {', '.join(STATEFUL_HOOKS)}")
    if stateful and hasattr(module, "outbound"):
        raise TypeError(f"rule module {name}: outbound is for stateless rules (it needs the event in hand)")
    if not hasattr(module, "Params") or not isinstance(getattr(module, "EVENT_TYPES", None), tuple):
        raise TypeError(f"rule module {name} needs Params (with from_ruleset) and an EVENT_TYPES tuple")
    return stateful


RULE_MODULES = rule_modules()
STATEFUL_RULES = tuple(m for m in RULE_MODULES if is_stateful(m))


@dataclass(frozen=True)
class Rule:
    """A rule module bound to its parameters."""

    module: ModuleType
    params: Any

    @property
    def rule_id(self) -> str:
        return self.module.RULE.rule_id

    def accepts(self, event: object) -> bool:
        return isinstance(event, self.module.EVENT_TYPES)


@dataclass(frozen=True)
class StatelessRule(Rule):
    def evaluate(self, event: object) -> list[Signal]:
        """The signals ``event`` raises on its own."""
        return self.module.evaluate(event, self.params) if self.accepts(event) else []

    def outbound(self, event: object, signal: Signal) -> list[dict[str, Any]]:
        """Partner notices (``iprx.cooperation.PartnerNoticeSent`` records, ``published_at`` unset) for ``signal``."""
        hook = getattr(self.module, "outbound", None)
        notice = hook(event, signal, self.params) if hook else None
        return [] if notice is None else [notice]


@dataclass(frozen=True)
class StatefulRule(Rule):
    @cached_property  # read for every re-keyed event: worked out once
    def families(self) -> frozenset[str]:
        """The event families the rule reads: its event-time clock waits for each of them."""
        return frozenset(FAMILY_OF_EVENT[t] for t in self.module.EVENT_TYPES)

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
    stateless: tuple[StatelessRule, ...]
    stateful: tuple[StatefulRule, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet, modules: tuple[ModuleType, ...] | None = None) -> Rulebook:
        """Every rule (default: :data:`RULE_MODULES`); a missing or invalid section is a RuleSetError naming it."""
        bound = [(m, m.Params.from_ruleset(ruleset)) for m in (RULE_MODULES if modules is None else modules)]
        return cls(
            ruleset.version,
            tuple(StatelessRule(m, p) for m, p in bound if not is_stateful(m)),
            tuple(StatefulRule(m, p) for m, p in bound if is_stateful(m)),
        )

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (*self.stateless, *self.stateful)

    def stateless_for(self, event: object) -> list[StatelessRule]:
        """The stateless rules that judge this kind of event."""
        return [rule for rule in self.stateless if rule.accepts(event)]

    def stateful_for(self, event: object) -> list[StatefulRule]:
        """The stateful rules that read this kind of event."""
        return [rule for rule in self.stateful if rule.accepts(event)]

    def signals(self, event: object) -> list[Signal]:
        """The signals of every stateless rule for one event."""
        return [s for rule in self.stateless_for(event) for s in rule.evaluate(event)]

    def rule(self, rule_id: str) -> StatelessRule | StatefulRule:
        """The bound rule (a :class:`StatelessRule` or :class:`StatefulRule`) of ``rule_id``."""
        for rule in self.rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)
