import dataclasses
import itertools

import pytest
from iprx.stream_processors.rules import licence_shortfall as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import (
    MS,
    RULEBOOK,
    RULESET,
    Tick,
    at,
    award,
    drive,
    evidence_ids,
    found,
    ids,
    inspection,
    licence_item,
)

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
LATER = Tick(at(1000))


def judge(*events):
    signals, _ = drive(RULE, [*events, LATER])
    return signals


@pytest.mark.parametrize(
    ("installed", "licensed", "severity"),
    [
        (100, 100, None),  # exactly entitled
        (101, 100, "LOW"),
        (125, 100, "MEDIUM"),  # ratio 0.2 exactly
        (124, 100, "LOW"),  # ratio 0.1935...
        (200, 100, "HIGH"),  # ratio 0.5 exactly
        (199, 100, "MEDIUM"),
        (50, 0, "HIGH"),  # ratio 1
    ],
)
def test_severity_by_shortfall_ratio(installed, licensed, severity):
    events = [award("p", at(0), licence_item(licensed))] if licensed else []
    signals = judge(*events, inspection("i", at(10), found(installed)))
    assert (signals[0].severity if signals else None) == severity


@pytest.mark.parametrize(
    ("start", "end", "awarded", "entitled"),
    [
        (at(0), at(10), at(0), True),  # term ends exactly at the inspection
        (at(0), at(10) - MS, at(0), False),  # ended just before
        (at(10), None, at(0), True),  # starts exactly at it, perpetual
        (at(10) + MS, None, at(0), False),  # not started yet
        (None, None, at(10), True),  # awarded exactly at the inspection
        (None, None, at(10) + MS, False),  # bought after the inspection: does not excuse it
    ],
)
def test_licence_must_be_active_at_inspection_time(start, end, awarded, entitled):
    signals = judge(award("p", awarded, licence_item(100, start=start, end=end)), inspection("i", at(10), found(100)))
    assert (signals == []) is entitled


@pytest.mark.parametrize(
    ("subject_type", "judged"),
    [
        ("AGENCY", True),
        ("SOE", True),
        ("FINANCIAL", True),
        ("ENTERPRISE", False),  # publishes no procurement: no licences to compare with
        ("INDIVIDUAL", False),
        ("OTHER", False),
    ],
)
def test_only_subjects_that_procure_are_judged(subject_type, judged):
    signals, table = drive(RULE, [inspection("i", at(10), found(50), subject_type=subject_type), LATER])
    assert [(s.subject_type, s.severity) for s in signals] == ([(subject_type, "HIGH")] if judged else [])
    if not judged:
        assert table == {}  # not even kept waiting for the watermark


def test_subject_types_come_from_the_ruleset():
    section = RULESET.rules[rule.RULE.rule_id] | {"subject_types": ["AGENCY", "ENTERPRISE"]}
    params = rule.Params.from_ruleset(RuleSet("t", {rule.RULE.rule_id: section}, "t.toml"))
    enterprise = inspection("i", at(10), found(50), subject_type="ENTERPRISE")
    soe = inspection("j", at(10), found(50), subject_type="SOE")
    assert rule.keys(enterprise, params) == (enterprise.subject_id,)
    assert rule.keys(soe, params) == ()


def test_an_inspection_stored_under_an_older_ruleset_is_not_judged_if_its_type_no_longer_procures():
    older = rule.Params.from_ruleset(
        RuleSet(
            "old", {rule.RULE.rule_id: RULESET.rules[rule.RULE.rule_id] | {"subject_types": ["ENTERPRISE"]}}, "old.toml"
        )
    )
    state, _ = rule.apply(rule.State(), inspection("i", at(10), found(50), subject_type="ENTERPRISE"), older)
    state, signals = rule.due(state, at(1000), RULE.params)
    assert signals == [] and state is not None and state.judged == ("i",)


def test_metrics_products_and_editions():
    # SITE covers any number; CORE is not comparable; another product does not count
    assert judge(award("p", at(0), licence_item(1, metric="SITE")), inspection("i", at(1), found(5000))) == []
    assert len(judge(award("p", at(0), licence_item(1000, metric="CORE")), inspection("i", at(1), found(10)))) == 1
    assert len(judge(award("p", at(0), licence_item(100, product="Visio")), inspection("i", at(1), found(10)))) == 1
    # names match without case or spacing, editions are ignored by the shipped rule set
    item = licence_item(100, product="  office ", edition="Standard")
    assert judge(award("p", at(0), item), inspection("i", at(1), found(100, edition="Professional"))) == []


def test_match_edition_from_the_ruleset():
    section = RULESET.rules[rule.RULE.rule_id] | {"match_edition": True}
    params = rule.Params.from_ruleset(RuleSet("t", {rule.RULE.rule_id: section}, "t.toml"))
    state, _ = rule.apply(rule.State(), award("p", at(0), licence_item(100, edition="Standard")), params)
    state, _ = rule.apply(state, inspection("i", at(1), found(100, edition="Professional")), params)
    assert len(rule.due(state, at(100), params)[1]) == 1


def test_one_signal_per_inspection_names_every_short_product_and_its_evidence():
    awards = [
        award("p1", at(0), licence_item(60, item_id="a"), licence_item(10, product="Visio", item_id="b")),
        award("p2", at(1), licence_item(20)),
        award("p3", at(2), licence_item(999, product="Project")),
    ]
    findings = (found(100), found(40, product="Visio"), found(5, product="Project"))
    [s] = judge(*awards, inspection("i", at(5), *findings))
    assert evidence_ids(s) == {"i", "p1", "p2"}  # p3 covered Project fully and contributed nothing to the shortfall
    assert (s.category, s.subject_type, s.subject_id, s.severity) == (
        "COMPLIANCE",
        "AGENCY",
        "11100000000013127W",
        "HIGH",
    )
    assert s.score == 0.75  # Visio: (40 - 10) / 40
    assert "Microsoft Office Professional: 100 installed, 80 licensed (shortfall 20, ratio 0.20)" in s.reason
    assert "Microsoft Visio Professional: 40 installed, 10 licensed (shortfall 30, ratio 0.75)" in s.reason
    assert s.metrics["shortfall_copies"] == 50.0 and s.metrics["products_short"] == 2.0


def test_procurement_arriving_after_the_inspection_within_grace_is_counted():
    insp = inspection("i", at(10), found(100))
    steps = [insp, Tick(at(10) + GRACE), award("p", at(5), licence_item(100)), LATER]
    assert drive(RULE, steps)[0] == []


def test_procurement_arriving_beyond_grace_is_not():
    insp = inspection("i", at(10), found(100))
    steps = [insp, Tick(at(10) + GRACE + MS), award("p", at(5), licence_item(100)), LATER]
    assert len(drive(RULE, steps)[0]) == 1


def test_same_ids_whatever_the_arrival_order():
    events = [
        award("p1", at(0), licence_item(30)),
        award("p2", at(1), licence_item(30)),
        inspection("i", at(2), found(100)),
    ]
    events.append(inspection("j", at(3), found(50)))
    results = {frozenset(ids(judge(*order))) for order in itertools.permutations(events)}
    assert len(results) == 1 and len(next(iter(results))) == 1  # j: 50 installed, 60 licensed


def test_expired_licences_are_pruned_perpetual_ones_kept():
    _, table = drive(RULE, [award("p", at(0), licence_item(5, end=at(10))), Tick(at(10) + GRACE)])
    assert table
    _, table = drive(RULE, [award("p", at(0), licence_item(5, end=at(10))), Tick(at(10) + GRACE + MS)])
    assert table == {}
    _, table = drive(RULE, [award("p", at(0), licence_item(5)), LATER])
    assert table


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"high_ratio": 0.1}, "medium_ratio < high_ratio"),
        ({"high_ratio": 1.5}, "high_ratio"),
        ({"counted_metrics": ["DEVICE", "SEAT"]}, "counted_metrics"),
        ({"unlimited_metrics": ["DEVICE"]}, "both"),
        ({"match_edition": "no"}, "match_edition"),
        ({"subject_types": ["AGENCY", "COMPANY"]}, "subject_types"),
        ({"subject_types": []}, "subject_types"),
    ],
)
def test_bad_parameters(section, message):
    bad = RULESET.rules[rule.RULE.rule_id] | section
    with pytest.raises(RuleSetError, match=message):
        rule.Params.from_ruleset(RuleSet("v", {rule.RULE.rule_id: bad}, "bad.toml"))


def contract_of(first, event_id, when, *items):
    """A later release (e.g. the contract) of the same contracting process as ``first``."""
    return dataclasses.replace(award(event_id, when, *items), ocid=first.ocid)


@pytest.mark.parametrize("contract_first", [False, True])
def test_an_award_and_its_contract_are_one_purchase_not_two(contract_first):
    first = award("a", at(0), licence_item(100))
    second = contract_of(first, "c", at(5), licence_item(100))
    events = [second, first] if contract_first else [first, second]
    [signal] = judge(*events, inspection("i", at(10), found(150)))
    assert signal.metrics["entitled_copies"] == 100  # not 200
    assert evidence_ids(signal) == {"i", "c"}  # the latest release states the line


def test_a_contract_signed_after_the_inspection_keeps_the_award_date():
    first = award("a", at(0), licence_item(100))
    assert judge(first, contract_of(first, "c", at(20), licence_item(100)), inspection("i", at(10), found(100))) == []


def test_an_amendment_restates_the_quantity():
    first = award("a", at(0), licence_item(100))
    [signal] = judge(first, contract_of(first, "m", at(5), licence_item(60)), inspection("i", at(10), found(100)))
    assert signal.metrics["entitled_copies"] == 60


def test_an_inspection_redelivered_after_its_judgement_is_not_judged_again():
    first = award("a", at(0), licence_item(100))
    found_150 = inspection("i", at(10), found(150))
    restated = contract_of(first, "c", at(5), licence_item(120))  # would change the verdict's evidence
    signals, _ = drive(RULE, [first, found_150, LATER, restated, found_150, Tick(at(2000))])
    assert len(signals) == 1
