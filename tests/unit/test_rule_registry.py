"""Rules register by being a module of stream_processors/rules with a RULE; nothing else names them."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest
from iprx.stream_processors import app, events, rulebook, rules
from iprx.stream_processors.rulebook import Rulebook, rule_modules
from iprx.stream_processors.ruleset import RuleSet, load_ruleset

from tests.unit.rule_harness import at, inspection, seizure

RULES_DIR = Path(rules.__file__).parent


def declared_rule_ids() -> dict[str, str]:
    """Module name -> rule id, read from the source of every ``RULE = RuleIdentity("<id>", ...)``."""
    found = {}
    for path in sorted(RULES_DIR.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["RULE"]
                and isinstance(node.value, ast.Call)
            ):
                found[path.stem] = node.value.args[0].value
    return found


def test_every_rule_module_is_in_the_rulebook():
    declared = declared_rule_ids()
    assert len(declared) == 8
    book = Rulebook.from_ruleset(load_ruleset())
    assert sorted(r.rule_id for r in book.rules) == sorted(declared.values())
    assert [m.__name__.rsplit(".", 1)[1] for m in rulebook.RULE_MODULES] == sorted(declared)
    assert book.stateless and book.stateful  # both kinds register the same way
    assert {r.rule_id for r in book.stateful} == {m.RULE.rule_id for m in rulebook.STATEFUL_RULES}


def test_the_faust_app_names_no_rule_and_no_event_type():
    source = Path(app.__file__).read_text(encoding="utf-8")
    for rule_id in declared_rule_ids().values():
        assert rule_id not in source
    tree = ast.parse(source)
    event_types = {
        name for name, value in vars(events).items() if isinstance(value, type) and value.__module__ == events.__name__
    }
    assert {"Seizure", "CaseOpened", "Inspection"} <= event_types
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            assert module != rules.__name__ and not module.startswith(f"{rules.__name__}."), "the app imports a rule"
            if node.module == "iprx.stream_processors.events":
                assert not {a.name for a in node.names} & event_types, "the app imports an event type"
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            checked = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            assert not checked & event_types, f"isinstance on event types at line {node.lineno}"


NINTH = '''
"""inspection.noted: every non-compliant inspection (a throwaway rule for the registry test)."""

from __future__ import annotations

from dataclasses import dataclass

from iprx.stream_processors.events import Inspection
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, RuleParams

RULE = RuleIdentity("inspection.noted", version=3, category="COMPLIANCE")
EVENT_TYPES = (Inspection,)


@dataclass(frozen=True, kw_only=True)
class Params(RuleParams):
    outcome: str

    @classmethod
    def from_ruleset(cls, ruleset):
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(**p.common(cls, severity="LOW"), outcome=p.string("outcome"))


def evaluate(event, params):
    if event.outcome != params.outcome:
        return []
    return [
        RULE.signal(
            params, subject_type=event.subject_type, subject_id=event.subject_id, jurisdiction=event.jurisdiction,
            occurred_at=event.occurred_at, score=1.0, reason="noted", evidence=(event.source,), metrics={},
        )
    ]


def outbound(event, signal, params):
    return {"header": {"event_id": str(signal.signal_id)}, "noted": event.inspection_id}
'''

TENTH = '''
"""seizure.counted: seizures per customs office (a throwaway stateful rule for the registry test)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from iprx.stream_processors.events import Seizure
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, StatefulParams

RULE = RuleIdentity("seizure.counted", version=1, category="ENFORCEMENT")
EVENT_TYPES = (Seizure,)


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    @classmethod
    def from_ruleset(cls, ruleset):
        return cls(**ParamReader(ruleset, RULE.rule_id).common(cls))


@dataclass(frozen=True)
class State:
    seizures: int = 0


def keys(event, params):
    return (event.customs_office_code,)


def apply(state, event, params):
    return replace(state, seizures=state.seizures + 1), []


def due(state, clock, params):
    return state, []
'''


@pytest.fixture
def extra_rules(tmp_path, monkeypatch):
    """Two rule modules dropped into the rules package (a folder added to its path); nothing else changes."""
    (tmp_path / "zz_inspection_noted.py").write_text(textwrap.dedent(NINTH), encoding="utf-8")
    (tmp_path / "zz_seizure_counted.py").write_text(textwrap.dedent(TENTH), encoding="utf-8")
    (tmp_path / "zz_helper.py").write_text('"""Not a rule: no RULE."""\n', encoding="utf-8")
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(tmp_path)])
    yield
    for name in ("zz_inspection_noted", "zz_seizure_counted", "zz_helper"):
        sys.modules.pop(f"{rules.__name__}.{name}", None)


def test_a_new_rule_module_is_picked_up_without_touching_other_files(extra_rules):
    modules = rule_modules()
    names = [m.__name__.rsplit(".", 1)[1] for m in modules]
    assert names[-2:] == ["zz_inspection_noted", "zz_seizure_counted"] and "zz_helper" not in names
    shipped = load_ruleset()
    sections = {
        "inspection.noted": {"outcome": "NONCOMPLIANT"},
        "seizure.counted": {"severity": "LOW", "grace_hours": 1},
    }
    book = Rulebook.from_ruleset(RuleSet("t-9", shipped.rules | sections, "t.toml"), modules)

    [noted] = book.stateless_for(inspection("i-1", at(0)))
    [signal] = noted.evaluate(inspection("i-1", at(0)))
    assert (signal.rule_id, signal.rule_version, signal.ruleset_version) == ("inspection.noted", 3, "t-9")
    assert (signal.category, signal.severity) == ("COMPLIANCE", "LOW")
    assert noted.outbound(inspection("i-1", at(0)), signal) == [
        {"header": {"event_id": str(signal.signal_id)}, "noted": "I-i-1"}
    ]
    assert book.signals(inspection("i-2", at(0), outcome="COMPLIANT")) == []

    readers = {r.rule_id for r in book.stateful_for(seizure("s-1", at(0)))}
    assert readers == {"seizure.repeat_offender", "crossborder.joint_match", "seizure.counted"}
    counted = book.rule("seizure.counted")
    state, _ = counted.apply(counted.new_state(), seizure("s-1", at(0)))
    assert counted.keys(seizure("s-1", at(0))) == ("5300",) and counted.load(counted.dump(state)) == state


def test_a_rule_module_of_neither_kind_is_refused(tmp_path, monkeypatch):
    (tmp_path / "zz_half_written.py").write_text(
        "from iprx.stream_processors.rules.identity import RuleIdentity\n"
        'RULE = RuleIdentity("half.written", version=1, category="OTHER")\n'
        "def keys(event, params):\n    return ()\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, f"{rules.__name__}.zz_half_written", raising=False)
    with pytest.raises(TypeError, match="zz_half_written needs either evaluate"):
        rule_modules()
    sys.modules.pop(f"{rules.__name__}.zz_half_written", None)
