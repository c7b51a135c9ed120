import itertools

import pytest
from iprx.stream_processors.rules import crossborder_joint_match as rule
from iprx.stream_processors.ruleset import RuleSet, RuleSetError

from tests.unit.rule_harness import MS, RULEBOOK, RULESET, Tick, at, drive, evidence_ids, ids, notice, seizure

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
EXPORTER = "914403001922038216"


@pytest.mark.parametrize(
    ("partner", "fires"),
    [
        (notice("n", at(30), container_no="MSKU1234567"), True),  # exactly 30 days later
        (notice("n", at(-30), container_no="MSKU1234567"), True),  # or earlier
        (notice("n", at(30) + MS, container_no="MSKU1234567"), False),
        (notice("n", at(5), container_no="msku 123456-7"), True),  # same number, other spelling
        (notice("n", at(5), container_no="MSKU7654321"), False),
        (notice("n", at(5), bill_of_lading="COSU6123456780"), True),
        (notice("n", at(5), exporter_id=EXPORTER, hs_code="8523.80"), True),  # same heading 8523
        (notice("n", at(5), exporter_id=EXPORTER, hs_code="852190"), False),  # other heading
        (notice("n", at(5), exporter_id="OTHER", hs_code="852349"), False),
        (notice("n", at(5), hs_code="852349"), False),  # HS heading alone is not a match
    ],
)
def test_match_criteria_and_window(partner, fires):
    domestic = seizure("s", at(0), container_no="MSKU1234567", bill_of_lading="COSU6123456780", hs_code="852349")
    signals, _ = drive(RULE, [domestic, partner])
    assert bool(signals) is fires


def test_signal_names_everything_shared_and_cites_both_events():
    domestic = seizure("s", at(0), container_no="MSKU1234567", bill_of_lading="COSU6123456780")
    partner = notice("n", at(2), container_no="MSKU1234567", bill_of_lading="COSU6123456780")
    [s] = drive(RULE, [domestic, partner])[0][:1]
    assert (s.rule_id, s.severity, s.subject_type, s.subject_id) == (
        "crossborder.joint_match",
        "HIGH",
        "PARTNER_NOTICE",
        "US/GOV/CBP/ipr/N-n",
    )
    assert evidence_ids(s) == {"s", "n"} and s.jurisdiction == "440300" and s.occurred_at == at(2)
    assert "container MSKU1234567 and bill of lading COSU6123456780" in s.reason and "2.0 days apart" in s.reason


def test_one_pair_found_under_several_keys_has_one_id_and_one_content():
    domestic = seizure("s", at(0), container_no="MSKU1234567", bill_of_lading="B1", hs_code="852349")
    partner = notice("n", at(1), container_no="MSKU1234567", bill_of_lading="B1", exporter_id=EXPORTER, hs_code="8523")
    signals, _ = drive(RULE, [domestic, partner])
    assert len(signals) == 3 and all(s == signals[0] for s in signals)  # identical: the sink's dedup keeps one


def test_any_arrival_order_within_grace_gives_the_same_ids():
    events = [
        seizure("s1", at(0), container_no="C1"),
        seizure("s2", at(hours=1), container_no="C1", office="2200"),
        notice("n1", at(hours=2), container_no="C1"),
        notice("n2", at(hours=3), container_no="C2"),
    ]
    results = {frozenset(ids(drive(RULE, order)[0])) for order in itertools.permutations(events)}
    assert len(results) == 1 and len(next(iter(results))) == 2  # n1 with s1 and with s2


def test_redelivery_signals_nothing_new():
    events = [seizure("s", at(0), container_no="C1"), notice("n", at(1), container_no="C1")]
    assert len(drive(RULE, [*events, *events])[0]) == 1


def test_notice_kinds_come_from_the_ruleset():
    section = RULESET.rules[rule.RULE.rule_id] | {"notice_kinds": ["SEIZURE_NOTICE"]}
    params = rule.Params.from_ruleset(RuleSet("t", {rule.RULE.rule_id: section}, "t.toml"))
    assert rule.keys(notice("n", at(0), container_no="C1", kind="INFORMATION_REQUEST"), params) == ()
    assert rule.keys(notice("n", at(0), container_no="C1"), params) == ("container:C1",)


def test_keys_name_each_identifier():
    s = seizure("s", at(0), container_no="msku 1234567", bill_of_lading="b-1", hs_code="8523.49")
    assert RULE.keys(s) == ("container:MSKU1234567", "bl:B1", f"exporter-hs:{EXPORTER}/8523")
    assert RULE.keys(seizure("s", at(0), exporter_id=None)) == ()


def test_late_counterpart_within_grace_matches_beyond_grace_does_not():
    domestic = seizure("s", at(0), container_no="C1")
    # the stream has moved on to day 30 + grace; a notice from day 0 is late by exactly the grace
    filler = seizure("x", at(30) + GRACE, container_no="C1", exporter_id=None)
    assert len(drive(RULE, [domestic, filler, notice("n", at(0), container_no="C1")])[0]) == 1
    filler = seizure("x", at(30) + GRACE + MS, container_no="C1", exporter_id=None)
    assert drive(RULE, [domestic, filler, notice("n", at(0), container_no="C1")])[0] == []


def test_due_prunes_idle_keys():
    _, table = drive(RULE, [seizure("s", at(0), container_no="C1"), Tick(at(30) + GRACE)])
    assert "container:C1" in table
    _, table = drive(RULE, [seizure("s", at(0), container_no="C1"), Tick(at(30) + GRACE + MS)])
    assert table == {}


@pytest.mark.parametrize("section", [{"notice_kinds": ["FAX"]}, {"hs_heading_digits": 1}, {"grace_hours": -1}])
def test_bad_parameters(section):
    bad = RULESET.rules[rule.RULE.rule_id] | section
    with pytest.raises(RuleSetError, match=next(iter(section))):
        rule.Params.from_ruleset(RuleSet("v", {rule.RULE.rule_id: bad}, "bad.toml"))


def test_exporter_alone_without_hs_heading_is_not_a_criterion():
    domestic = seizure("s", at(0), container_no="C1", hs_code="85")
    [s] = drive(RULE, [domestic, notice("n", at(1), container_no="C1", exporter_id=EXPORTER)])[0]
    assert "exporter" not in s.reason and s.metrics["criteria_matched"] == 1.0
