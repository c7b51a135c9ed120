import json
from datetime import datetime

import pytest
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures
from iprx.stream_processors import statecodec
from iprx.stream_processors.events import Seizure
from iprx.stream_processors.rulebook import RULE_MODULES, Rulebook
from iprx.stream_processors.rules import licence_shortfall
from iprx.stream_processors.ruleset import DEFAULT_RULESET, RuleSet, RuleSetError, load_ruleset
from iprx.stream_processors.signals import Evidence

from tests.unit.rule_harness import at, award, case_opened, inspection, licence_item, notice, seizure

DESIGN_RULES = {
    "licence.shortfall",
    "hardware.os_not_preloaded",
    "inspection.repeat_noncompliance",
    "referral.threshold_met",
    "referral.overdue",
    "seizure.repeat_offender",
    "crossborder.joint_match",
    "seizure.significant",
}


def test_shipped_ruleset_builds_every_rule_of_the_design():
    ruleset = load_ruleset(DEFAULT_RULESET)
    assert set(ruleset.rules) == DESIGN_RULES
    book = Rulebook.from_ruleset(ruleset)
    built = {r.rule_id for r in book.stateful} | {r.rule_id for r in book.stateless}
    assert built == DESIGN_RULES
    assert {r.rule_id for r in book.stateless} == {"seizure.significant", "referral.threshold_met"}
    for module in RULE_MODULES:
        assert isinstance(module.RULE.version, int) and module.RULE.version >= 1
        assert module.Params.from_ruleset(ruleset).ruleset_version == ruleset.version


@pytest.mark.parametrize("rule_id", sorted(DESIGN_RULES))
def test_a_missing_section_is_named(rule_id):
    ruleset = load_ruleset()
    rules = {k: v for k, v in ruleset.rules.items() if k != rule_id}
    with pytest.raises(RuleSetError, match=rf"no \[rules.'{rule_id}'\] section"):
        Rulebook.from_ruleset(RuleSet(ruleset.version, rules, "partial.toml"))


def test_events_go_to_the_rules_that_read_them():
    book = Rulebook.from_ruleset(load_ruleset())

    def readers(event):
        return {r.rule_id for r in book.stateful if r.keys(event)}

    assert readers(seizure("s", at(0), container_no="C1")) == {"seizure.repeat_offender", "crossborder.joint_match"}
    assert readers(notice("n", at(0), container_no="C1")) == {"crossborder.joint_match"}
    assert readers(inspection("i", at(0))) == {"licence.shortfall", "inspection.repeat_noncompliance"}
    assert readers(award("p", at(0), licence_item(1))) == {"licence.shortfall"}
    assert readers(case_opened("c", at(0))) == {"referral.overdue"}


def test_every_signal_records_rule_and_ruleset_versions():
    ruleset = RuleSet("2099.9", load_ruleset().rules, "t.toml")
    book = Rulebook.from_ruleset(ruleset)
    [s] = book.signals(case_opened("c", at(0), infringing_copies=600))
    assert (s.rule_id, s.rule_version, s.ruleset_version) == ("referral.threshold_met", 1, "2099.9")
    rule = book.rule("inspection.repeat_noncompliance")
    state, _ = rule.apply(rule.new_state(), inspection("i", at(0)))
    state, _ = rule.apply(state, inspection("j", at(1)))
    [s] = rule.due(state, at(10))[1]
    assert (s.rule_id, s.rule_version, s.ruleset_version) == ("inspection.repeat_noncompliance", 2, "2099.9")


def test_state_json_round_trip_keeps_every_type():
    rule = Rulebook.from_ruleset(load_ruleset()).rule(licence_shortfall.RULE.rule_id)
    state, _ = rule.apply(rule.new_state(), award("p", at(0), licence_item(5, end=at(100))))
    state, _ = rule.apply(state, inspection("i", at(1)))
    text = json.dumps(rule.dump(state))
    assert rule.load(json.loads(text)) == state


def test_state_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="tz-aware"):
        statecodec.to_json({"at": datetime(2026, 1, 1)})


def test_events_refuse_naive_event_times():
    with pytest.raises(ValueError, match="tz-aware"):
        seizure("s", datetime(2026, 1, 1))


def test_seizure_from_record_reads_the_avro_fields():
    codec = SingleObjectCodec()
    for record in seizures(seed=7, count=40):
        # the publisher stamps published_at when it sends; here nothing sends
        record["header"]["published_at"] = record["header"].get("published_at") or record["header"]["occurred_at"]
        _, decoded = codec.decode(codec.encode("iprx.seizure.SeizureRecorded", record))
        s = Seizure.from_record(decoded, "iprx.seizure", 1, 42)
        assert s.source == Evidence(str(record["header"]["event_id"]), "iprx.seizure", 1, 42)
        assert s.occurred_at.tzinfo is not None
        assert (s.container_no, s.bill_of_lading) == (record["container_no"], record["bill_of_lading"])
        assert s.exporter_id == (record["exporter"] or {}).get("id")
        if record["consignee"]:
            assert s.consignee.natural_person == record["consignee"]["natural_person"]
            assert s.consignee.name == record["consignee"]["name"]
        assert s.route == tuple(record["route"]) and s.goods_description == record["goods_description"]
        assert s.seized_at == decoded["seized_at"] and s.transport_mode == record["transport_mode"]
