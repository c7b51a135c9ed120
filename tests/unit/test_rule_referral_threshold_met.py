import pytest
from iprx.stream_processors.rules import referral_threshold_met as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import RULEBOOK, RULESET, at, case_opened

PARAMS = rule.Params.from_ruleset(RULESET)


def severity(**figures) -> str | None:
    signals = rule.evaluate(case_opened("e-1", at(), **figures), PARAMS)
    assert len(signals) <= 1
    return signals[0].severity if signals else None


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        # 2004/2007 print and copy: each criterion exactly at, and just below, its threshold
        ({"illegal_gains_cny": "30000"}, "HIGH"),
        ({"illegal_gains_cny": "29999.99"}, None),
        ({"illegal_business_volume_cny": "50000"}, "HIGH"),
        ({"illegal_business_volume_cny": "49999.99"}, None),
        ({"infringing_copies": 500}, "HIGH"),
        ({"infringing_copies": 499}, None),
        # CRITICAL tier, at and below
        ({"illegal_gains_cny": "150000"}, "CRITICAL"),
        ({"illegal_gains_cny": "149999.99"}, "HIGH"),
        ({"illegal_business_volume_cny": "250000"}, "CRITICAL"),
        ({"illegal_business_volume_cny": "249999.99"}, "HIGH"),
        ({"infringing_copies": 2500}, "CRITICAL"),
        ({"infringing_copies": 2499}, "HIGH"),
        # 2011 online criteria apply to online cases only
        ({"online": True, "works": 500}, "HIGH"),
        ({"online": True, "works": 499}, None),
        ({"online": True, "online_clicks": 50000}, "HIGH"),
        ({"online": True, "online_clicks": 49999}, None),
        ({"online": True, "registered_members": 1000}, "HIGH"),
        ({"online": True, "registered_members": 999}, None),
        ({"online": False, "works": 5000, "online_clicks": 10**6}, None),
        # two online criteria each at half
        ({"online": True, "works": 250, "online_clicks": 25000}, "HIGH"),
        ({"online": True, "works": 250, "online_clicks": 24999}, None),
        ({"online": True, "registered_members": 500, "illegal_business_volume_cny": "25000"}, "HIGH"),
        ({"online": True, "registered_members": 499, "illegal_business_volume_cny": "25000"}, None),
        ({"online": True, "works": 499}, None),  # one criterion at half is not enough
        ({"online": False, "works": 250, "illegal_business_volume_cny": "25000"}, None),
        ({}, None),
    ],
)
def test_thresholds(figures, expected):
    assert severity(**figures) == expected


def test_half_of_two_can_be_switched_off():
    rules = RULESET.rules | {
        rule.RULE.rule_id: RULESET.rules[rule.RULE.rule_id]
        | {"online": RULESET.rules[rule.RULE.rule_id]["online"] | {"half_of_two": False}}
    }
    params = rule.Params.from_ruleset(RuleSet("t", rules, "t.toml"))
    assert rule.evaluate(case_opened("e-1", at(), online=True, works=250, online_clicks=25000), params) == []


def test_signal_names_the_case_the_grounds_and_the_numbers():
    [s] = RULEBOOK.signals(case_opened("e-9", at(), illegal_gains_cny="45000", infringing_copies=700))
    assert (s.rule_id, s.rule_version, s.ruleset_version) == (rule.RULE.rule_id, rule.RULE.version, RULESET.version)
    assert (s.category, s.subject_type, s.subject_id, s.jurisdiction) == ("ENFORCEMENT", "CASE", "C-1", "310000")
    assert [e.event_id for e in s.evidence] == ["e-9"]
    assert "illegal gains CNY 45,000 >= 30,000" in s.reason and "infringing copies 700 >= 500" in s.reason
    assert s.score == 1.5  # the largest figure/threshold ratio: 45,000 / 30,000
    assert s.metrics["illegal_gains_cny"] == 45000.0


def test_two_at_half_reason_lists_both_figures():
    [s] = rule.evaluate(case_opened("e-1", at(), online=True, works=300, registered_members=600), PARAMS)
    assert "two at half" in s.reason and "works disseminated 300" in s.reason and "registered members 600" in s.reason


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"print_and_copy": {"illegal_gains_cny": "30000", "business_volume_cny": "50000"}}, "infringing_copies"),
        ({"online": "yes"}, "online"),
        ({"critical": {"illegal_gains_cny": "-1", "business_volume_cny": "1", "infringing_copies": 1}}, "positive"),
        ({"severity": "URGENT"}, "severity"),
    ],
)
def test_bad_parameters_name_the_key(section, message):
    bad = RULESET.rules[rule.RULE.rule_id] | section
    with pytest.raises(RuleSetError, match=message) as err:
        rule.Params.from_ruleset(RuleSet("v", {rule.RULE.rule_id: bad}, "bad.toml"))
    assert "bad.toml" in str(err.value) and rule.RULE.rule_id in str(err.value)
