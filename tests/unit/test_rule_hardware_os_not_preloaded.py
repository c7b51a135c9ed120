import dataclasses
import itertools
import json

import pytest
from iprx.stream_processors.rules import hardware_os_not_preloaded as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import (
    MS,
    RULEBOOK,
    RULESET,
    Tick,
    at,
    award,
    computer_item,
    drive,
    evidence_ids,
    ids,
    os_item,
)

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
LATER = Tick(at(1000))


def judge(*events):
    return drive(RULE, [*events, LATER])[0]


@pytest.mark.parametrize(
    ("os_day", "os_quantity", "fires"),
    [
        (30, 100, False),  # OS bought exactly 30 days after
        (-30, 100, False),  # or before
        (30 + 1 / 86400, 100, True),  # a second too late
        (-30 - 1 / 86400, 100, True),
        (0, 99, True),  # one licence short
        (0, 100, False),
    ],
)
def test_window_and_quantity(os_day, os_quantity, fires):
    signals = judge(award("pcs", at(0), computer_item(100)), award("os", at(os_day), os_item(os_quantity)))
    assert bool(signals) is fires


@pytest.mark.parametrize(
    "item",
    [
        os_item(100, "CPV", "48620000-0"),
        os_item(100, "UNSPSC", "43233004"),
        os_item(100, "CPV", "48000000", flagged=True),  # flagged by the publisher
    ],
)
def test_what_counts_as_an_os_licence(item):
    assert judge(award("pcs", at(0), computer_item(100)), award("os", at(1), item)) == []


def test_not_an_os_licence_and_not_a_computer_without_os():
    assert len(judge(award("pcs", at(0), computer_item(100)), award("os", at(1), os_item(100, "CPV", "48000000")))) == 1
    assert judge(award("pcs", at(0), computer_item(100, os_preloaded=True))) == []
    assert judge(award("pcs", at(0), computer_item(100, os_preloaded=None))) == []  # not stated: not judged


def test_one_licence_covers_one_computer():
    events = [award("pcs1", at(0), computer_item(100)), award("pcs2", at(5), computer_item(100))]
    events.append(award("os", at(3), os_item(150)))
    [s] = judge(*events)
    # the earlier purchase takes 100; the later one is 50 short, citing the award it took 50 from
    assert evidence_ids(s) == {"pcs2", "os"}
    assert (s.severity, s.subject_type, s.subject_id) == ("MEDIUM", "BUYER", "11100000000013127W")
    assert s.metrics == {"computers_without_os": 100.0, "os_licences": 50.0, "shortfall": 50.0}
    assert s.score == 0.5 and s.occurred_at == at(35)
    assert "100 computers without a preloaded operating system" in s.reason and "50 short" in s.reason


def test_computers_and_os_in_one_award():
    assert judge(award("both", at(0), computer_item(10), os_item(10))) == []
    [s] = judge(award("both", at(0), computer_item(10), os_item(4)))
    assert [e.event_id for e in s.evidence] == ["both"]


def test_deadline_from_watermark_and_wall_clock():
    pcs = award("pcs", at(0), computer_item(10))
    assert drive(RULE, [pcs, Tick(at(30) + GRACE)])[0] == []  # the watermark is at the deadline, not past it
    assert len(drive(RULE, [pcs, Tick(at(30) + GRACE + MS)])[0]) == 1
    assert len(drive(RULE, [pcs, Tick(at(40)), Tick(at(50))])[0]) == 1  # a timer firing twice signals once


def test_os_licence_arriving_late_within_grace_covers():
    pcs = award("pcs", at(0), computer_item(10))
    assert drive(RULE, [pcs, Tick(at(30) + GRACE), award("os", at(29), os_item(10)), LATER])[0] == []
    assert len(drive(RULE, [pcs, Tick(at(30) + GRACE + MS), award("os", at(29), os_item(10)), LATER])[0]) == 1


def test_other_buyers_licences_do_not_count():
    assert len(judge(award("pcs", at(0), computer_item(10)), award("os", at(1), os_item(10), buyer_id="OTHER"))) == 1


def test_same_ids_whatever_the_arrival_order():
    events = [
        award("pcs1", at(0), computer_item(100)),
        award("pcs2", at(0), computer_item(100)),  # same time: ordered by event id
        award("os1", at(1), os_item(60)),
        award("os2", at(2), os_item(60)),
    ]
    results = {frozenset(ids(judge(*order))) for order in itertools.permutations(events)}
    assert len(results) == 1 and len(next(iter(results))) == 1
    # pcs1 takes os1's 60 and 40 of os2; pcs2 gets the other 20 and is 80 short
    [s] = judge(*events)
    assert evidence_ids(s) == {"pcs2", "os2"} and s.metrics["shortfall"] == 80.0


def test_state_keeps_only_which_processes_counted_once_judged_and_out_of_window():
    _, table = drive(RULE, [award("pcs", at(0), computer_item(10)), award("os", at(1), os_item(20)), LATER])
    [state] = [RULE.load(json.loads(v)) for v in table.values()]
    assert (state.computers, state.os_licences, state.counted) == ((), (), ("ocds-x-pcs", "ocds-x-os"))


def test_the_contract_of_an_award_does_not_count_the_computers_again():
    pcs = award("pcs", at(0), computer_item(10))
    contract = dataclasses.replace(award("pcs-contract", at(3), computer_item(10)), ocid=pcs.ocid)
    [s] = judge(pcs, award("os", at(1), os_item(5)), contract)
    assert s.metrics["computers_without_os"] == 10.0 and s.metrics["shortfall"] == 5.0
    assert evidence_ids(s) == {"pcs", "os"}


def test_a_purchase_redelivered_after_its_judgement_is_not_judged_again():
    pcs = award("pcs", at(0), computer_item(10))
    late_os = award("os", at(2), os_item(5))  # would change the verdict if the purchase were judged again
    signals, _ = drive(RULE, [pcs, LATER, late_os, pcs, Tick(at(2000))])
    assert len(signals) == 1


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"os_classifications": ["48620000"]}, "os_classifications"),
        ({"computer_classifications": []}, "computer_classifications"),
        ({"window_days": -1}, "window_days"),
        ({"severity": "medium"}, "severity"),
    ],
)
def test_bad_parameters(section, message):
    bad = RULESET.rules[rule.RULE.rule_id] | section
    with pytest.raises(RuleSetError, match=message):
        rule.Params.from_ruleset(RuleSet("v", {rule.RULE.rule_id: bad}, "bad.toml"))


def test_licences_a_pending_purchase_can_still_use_are_kept():
    # The watermark passes day 29 while the computers of day 0 still wait for their deadline (day 30);
    # the OS licences of day -30 are in their window and must survive that pruning.
    steps = [award("os", at(-30), os_item(10)), award("pcs", at(0), computer_item(10)), Tick(at(29) + GRACE), LATER]
    assert drive(RULE, steps)[0] == []
