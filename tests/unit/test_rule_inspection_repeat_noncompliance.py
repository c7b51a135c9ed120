import itertools

import pytest
from iprx.stream_processors.rules import inspection_repeat_noncompliance as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import MS, RULEBOOK, RULESET, Tick, at, drive, evidence_ids, ids, inspection

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
LATER = Tick(at(800))


@pytest.mark.parametrize(
    ("second_day", "second_outcome", "fires"),
    [
        (365, "NONCOMPLIANT", True),  # exactly 365 days apart
        (365 + 1 / 86400, "NONCOMPLIANT", False),  # one second outside
        (30, "COMPLIANT", False),
        (30, "RECTIFICATION_ORDERED", False),  # not counted by the shipped rule set
    ],
)
def test_window_and_outcomes(second_day, second_outcome, fires):
    events = [inspection("i1", at(0)), inspection("i2", at(second_day), outcome=second_outcome)]
    assert bool(drive(RULE, [*events, LATER])[0]) is fires


def test_signal():
    [s] = drive(RULE, [inspection("i1", at(0)), inspection("i2", at(100)), LATER])[0]
    assert (s.rule_id, s.category, s.severity, s.subject_type, s.subject_id) == (
        "inspection.repeat_noncompliance",
        "COMPLIANCE",
        "HIGH",
        "AGENCY",
        "11100000000013127W",
    )
    assert evidence_ids(s) == {"i1", "i2"} and s.occurred_at == at(100)
    assert "2 times, each within 365 days" in s.reason and "I-i1" in s.reason and "I-i2" in s.reason
    assert s.revision == 0


def test_a_third_finding_revises_the_episode_and_a_finding_after_it_ends_opens_another():
    events = [inspection("i1", at(0)), inspection("i2", at(100)), inspection("i3", at(200))]
    events += [inspection("i4", at(800)), inspection("i5", at(900))]  # a year after i3: a new episode
    signals, table = drive(RULE, [*events, LATER, Tick(at(2000))])
    assert [(evidence_ids(s), s.revision) for s in signals] == [
        ({"i1", "i2"}, 0),
        ({"i1", "i2", "i3"}, 1),
        ({"i4", "i5"}, 0),
    ]
    first, revised, second = signals
    assert first.signal_id == revised.signal_id != second.signal_id  # revisions keep the episode's id
    assert first.occurred_at == revised.occurred_at == at(100)  # the episode's opening, in every revision
    assert table == {}  # closed and pruned once the watermark is a window past its last finding


def test_outcomes_come_from_the_ruleset():
    section = RULESET.rules[rule.RULE.rule_id] | {"outcomes": ["NONCOMPLIANT", "RECTIFICATION_ORDERED"]}
    params = rule.Params.from_ruleset(RuleSet("t", {rule.RULE.rule_id: section}, "t.toml"))
    state, _ = rule.apply(rule.State(), inspection("i1", at(0)), params)
    state, _ = rule.apply(state, inspection("i2", at(1), outcome="RECTIFICATION_ORDERED"), params)
    _, signals = rule.due(state, at(30), params)
    assert len(signals) == 1


def test_other_subjects_do_not_count():
    events = [inspection("i1", at(0)), inspection("i2", at(1), subject_id="OTHER")]
    assert drive(RULE, [*events, LATER])[0] == []


def test_watermark_edge_and_late_arrival_within_grace():
    # i1 arrives after i2 but before the watermark passes i2: the same signal as in order
    in_order = drive(RULE, [inspection("i1", at(0)), inspection("i2", at(5)), LATER])[0]
    late = drive(RULE, [inspection("i2", at(5)), Tick(at(5) + GRACE), inspection("i1", at(0)), LATER])[0]
    assert ids(in_order) == ids(late) and len(in_order) == 1
    assert drive(RULE, [inspection("i1", at(0)), inspection("i2", at(5)), Tick(at(5) + GRACE)])[0] == []


def test_reordering_gives_the_same_ids():
    events = [inspection(f"i{n}", at(n * 50)) for n in range(4)]
    results = {
        tuple((s.signal_id, s.revision, frozenset(evidence_ids(s))) for s in drive(RULE, [*order, LATER])[0])
        for order in itertools.permutations(events)
    }
    assert len(results) == 1 and len(next(iter(results))) == 3  # one episode in three revisions, in every order


@pytest.mark.parametrize("section", [{"outcomes": ["BAD"]}, {"min_findings": 1}, {"window_days": 0}, {"outcomes": []}])
def test_bad_parameters(section):
    bad = RULESET.rules[rule.RULE.rule_id] | section
    with pytest.raises(RuleSetError, match=next(iter(section))):
        rule.Params.from_ruleset(RuleSet("v", {rule.RULE.rule_id: bad}, "bad.toml"))


def test_pruned_after_the_window():
    _, table = drive(RULE, [inspection("i1", at(0)), Tick(at(365) + GRACE + MS)])
    assert table == {}
