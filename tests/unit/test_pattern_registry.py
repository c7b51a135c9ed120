"""Planted patterns register by being a module of simulation/patterns; every rule has one."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from iprx.simulation import patterns
from iprx.simulation.patterns import PATTERNS, pattern_modules
from iprx.simulation.scene import Scene
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.ruleset import load_ruleset

ANCHOR = datetime(2026, 11, 2, tzinfo=UTC)


def test_every_rule_has_a_pattern_and_each_pattern_assumes_only_its_own_rules():
    rule_ids = {r.rule_id for r in Rulebook.from_ruleset(load_ruleset()).rules}
    assert {rule for p in PATTERNS for rule in p.RULES} == rule_ids
    for pattern in PATTERNS:
        assert {rule for rule, *_ in pattern.ASSUMED} <= set(pattern.RULES), pattern.__name__
    orders = [p.ORDER for p in PATTERNS]
    assert orders == sorted(set(orders))  # unique, so the planting order never rests on module names


def test_a_new_pattern_module_is_planted_last_and_leaves_the_others_unchanged(tmp_path, monkeypatch):
    (tmp_path / "zz_ninth.py").write_text(
        '"""A throwaway pattern."""\n'
        'RULES = ("inspection.noted",)\n'
        "ORDER = 1000\n"
        'ASSUMED = {("inspection.noted", "outcome"): "NONCOMPLIANT"}\n'
        "def plant(scene):\n"
        '    scene.near_miss("inspection.noted", "inspection.noted/x", "nothing", str(scene.rng.random()))\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(patterns, "__path__", [*patterns.__path__, str(tmp_path)])
    try:
        found = pattern_modules()
    finally:
        sys.modules.pop(f"{patterns.__name__}.zz_ninth", None)
    assert found[:-1] == PATTERNS and found[-1].__name__.endswith(".zz_ninth")

    before, after = Scene(5, ANCHOR), Scene(5, ANCHOR)
    patterns.plant(before)
    for pattern in found:
        pattern.plant(after)
    assert after.planned == before.planned and after.expected == before.expected
    assert after.near_misses[:-1] == before.near_misses and after.near_misses[-1].rule_id == "inspection.noted"
