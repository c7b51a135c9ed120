"""Planted patterns: for every rule of DESIGN.md §4, facts that must fire it and near misses that must not.

One module here per rule (or per rules that share their facts), found by :func:`pattern_modules`:
a module is a pattern when it defines ``plant(scene)``, ``RULES`` (the rule ids it plants for),
``ORDER`` and ``ASSUMED``; modules starting with ``_`` are helpers. So a new rule's pattern is a
new module. Every pattern draws from the scene's one seeded generator, so patterns are planted in
``ORDER`` (then module name): a new pattern takes a larger ``ORDER`` than the others, and the
records and ground truth of a given seed stay the same.

Each pattern uses organisations, exporters, containers and cases of its own, so what it must produce
follows from its own facts alone; the expectation is written next to the facts (never computed by
the rules' code). The numbers are the defaults of the rule set: each module's ``ASSUMED`` maps
(rule id, key, ...) to the rule-set value it is planted for, checked against the rule-set file by
:func:`ruleset_mismatches`.

Event times are chosen so the outcome is settled at the anchor and stays the same whenever the
records are published up to ``TOLERANCE`` after it: every deadline and window end lies at least a
grace period before the anchor, and everything a later judgement needs (an OS licence, a seizure
waiting for a partner notice, a referral) is recent enough not to be pruned from the rules' state
before the phase that needs it is published.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

from iprx.simulation.scene import Scene

TOLERANCE = timedelta(days=4)
PATTERN_PARTS = ("plant", "RULES", "ORDER", "ASSUMED")


def pattern_modules() -> tuple[ModuleType, ...]:
    """Every pattern module of this package, in planting order (``ORDER``, then module name)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        missing = [part for part in PATTERN_PARTS if not hasattr(module, part)]
        if missing:
            raise TypeError(f"pattern module {module.__name__} lacks {', '.join(missing)}")
        found.append(module)
    return tuple(sorted(found, key=lambda m: (m.ORDER, m.__name__)))


PATTERNS = pattern_modules()
# (rule id, key, ...) -> the rule-set value the patterns are planted for (stream_processors/rulesets/default.toml).
ASSUMED: dict[tuple[str, ...], Any] = {key: value for m in PATTERNS for key, value in m.ASSUMED.items()}


def ruleset_mismatches(params_of: Callable[[str], dict[str, Any]]) -> list[str]:
    """Where a rule set differs from what the patterns assume (``params_of``: rule id -> its table)."""
    problems = []
    for (rule_id, *path), want in ASSUMED.items():
        value: Any = params_of(rule_id)
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if str(value) != str(want):
            problems.append(f"{rule_id} {'.'.join(path)} = {value!r} (the planted patterns assume {want!r})")
    return problems


def plant(scene: Scene) -> None:
    """One copy of every planted pattern."""
    for pattern in PATTERNS:
        pattern.plant(scene)
