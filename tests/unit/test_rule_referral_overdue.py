import itertools

import pytest
from iprx.stream_processors.rules import referral_overdue as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import (
    MS,
    RULEBOOK,
    RULESET,
    Tick,
    at,
    case_closed,
    case_opened,
    case_referred,
    drive,
    ids,
)

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
OPENED = case_opened("open-1", at(0), illegal_gains_cny="40000")
DEADLINE = at(3)  # 72 hours after the opening


def test_shipped_parameters():
    assert (RULE.params.deadline, RULE.params.severity) == (DEADLINE - at(0), "HIGH")


@pytest.mark.parametrize(
    ("clock", "fires"),
    [
        (DEADLINE + GRACE, False),  # watermark exactly at the deadline: a referral at it may still come
        (DEADLINE + GRACE + MS, True),
        (DEADLINE, False),
    ],
)
def test_deadline_fires_when_the_watermark_passes_it(clock, fires):
    signals, _ = drive(RULE, [OPENED, Tick(clock)])
    assert bool(signals) is fires


def test_wall_clock_timer_fires_an_idle_case_once():
    signals, table = drive(RULE, [OPENED, Tick(at(10)), Tick(at(11)), Tick(at(12))])
    [s] = signals
    assert (s.rule_id, s.severity, s.subject_type, s.subject_id) == ("referral.overdue", "HIGH", "CASE", "C-1")
    assert s.occurred_at == DEADLINE
    assert [e.event_id for e in s.evidence] == ["open-1"]
    assert "72 hours" in s.reason and "illegal gains CNY 40,000 >= 30,000" in s.reason
    assert "C-1" in table  # kept until the retention has passed, so a redelivery cannot re-arm it


@pytest.mark.parametrize(
    ("referred_at", "fires"),
    [(at(1), False), (DEADLINE, False), (DEADLINE + MS, True), (at(-1), False)],
)
def test_referral_in_time_cancels(referred_at, fires):
    signals, _ = drive(RULE, [OPENED, case_referred("ref-1", referred_at), Tick(at(20))])
    assert bool(signals) is fires


def test_late_referral_within_grace_cancels():
    # Referred at day 2.9; the record arrives when the stream is already at deadline + grace.
    steps = [OPENED, Tick(DEADLINE + GRACE), case_referred("ref-1", at(2.9)), Tick(DEADLINE + GRACE + MS), Tick(at(9))]
    assert drive(RULE, steps)[0] == []


def test_referral_beyond_grace_does_not_withdraw_the_signal():
    steps = [OPENED, Tick(DEADLINE + GRACE + MS), case_referred("ref-1", at(2.9)), Tick(at(9))]
    signals, _ = drive(RULE, steps)
    assert len(signals) == 1


def test_referral_before_the_opening_arrives_counts():
    assert drive(RULE, [case_referred("ref-1", at(1)), OPENED, Tick(at(20))])[0] == []


def test_closing_the_case_does_not_stop_the_clock():
    assert len(drive(RULE, [OPENED, case_closed("close-1", at(1)), Tick(at(20))])[0]) == 1


def test_below_threshold_case_keeps_no_deadline():
    small = case_opened("open-2", at(0), illegal_gains_cny="29999")
    signals, table = drive(RULE, [small, Tick(at(20))])
    assert signals == [] and table == {}


def test_redelivered_opening_after_firing_does_not_fire_again():
    signals, _ = drive(RULE, [OPENED, Tick(at(10)), OPENED, Tick(at(11))])
    assert len(signals) == 1


def test_state_is_forgotten_after_retention():
    retention = RULE.params.retention
    _, table = drive(RULE, [OPENED, Tick(at(10)), Tick(DEADLINE + retention + GRACE)])
    assert "C-1" in table
    _, table = drive(RULE, [OPENED, Tick(at(10)), Tick(DEADLINE + retention + GRACE + MS)])
    assert table == {}


def test_same_signal_id_whatever_the_arrival_order():
    events = [OPENED, case_opened("open-0", at(0.5), illegal_gains_cny="40000"), case_closed("close-1", at(4))]
    results = {frozenset(ids(drive(RULE, [*order, Tick(at(20))])[0])) for order in itertools.permutations(events)}
    assert len(results) == 1 and len(next(iter(results))) == 1


@pytest.mark.parametrize(
    "section", [{"deadline_hours": "3 days"}, {"deadline_hours": 0}, {"retention_days": 0}, {"grace_hours": True}]
)
def test_bad_parameters(section):
    bad = RULESET.rules | {rule.RULE.rule_id: RULESET.rules[rule.RULE.rule_id] | section}
    with pytest.raises(RuleSetError, match=next(iter(section))):
        rule.Params.from_ruleset(RuleSet("v", bad, "bad.toml"))
