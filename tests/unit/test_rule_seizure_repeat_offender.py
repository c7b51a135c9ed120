import itertools

import pytest
from iprx.stream_processors.rules import seizure_repeat_offender as rule

from tests.unit.rule_harness import MS, RULEBOOK, Tick, at, drive, evidence_ids, ids, seizure

RULE = RULEBOOK.rule(rule.RULE.rule_id)
GRACE = RULE.params.grace
LATER = Tick(at(400))


@pytest.mark.parametrize(
    ("seizures", "fires"),
    [
        ([("a", 0, "5300"), ("b", 90, "2200")], True),  # two offices, exactly 90 days apart
        ([("a", 0, "5300"), ("b", 90.001, "2200")], False),  # just outside the window
        ([("a", 0, "5300"), ("b", 10, "5300")], False),  # two seizures at one office
        ([("a", 0, "5300"), ("b", 10, "5300"), ("c", 90, "5300")], True),  # three at one office
        ([("a", 0, "5300"), ("b", 10, "5300"), ("c", 90.001, "5300")], False),
    ],
)
def test_thresholds_and_window_edges(seizures, fires):
    events = [seizure(eid, at(day), office=office) for eid, day, office in seizures]
    signals, _ = drive(RULE, [*events, LATER])
    assert bool(signals) is fires


def test_a_repeat_offender_is_one_episode_revised_with_every_seizure():
    events = [seizure("a", at(0), "5300"), seizure("b", at(5), "2200"), seizure("c", at(6), "5300")]
    signals, _ = drive(RULE, [*events, LATER])
    assert [(evidence_ids(s), s.revision) for s in signals] == [({"a", "b"}, 0), ({"a", "b", "c"}, 1)]
    assert len(ids(signals)) == 1  # one signal id: the episode's, from the seizures that opened it
    s = signals[-1]
    assert (s.severity, s.category, s.subject_type, s.subject_id) == (
        "HIGH",
        "ENFORCEMENT",
        "EXPORTER",
        "914403001922038216",
    )
    assert "3 seizures at 2 customs offices (2200, 5300), each within 90 days" in s.reason
    assert s.metrics["offices"] == 2.0 and s.metrics["seizures"] == 3.0


def test_seizures_without_exporter_or_of_other_exporters_do_not_count():
    events = [seizure("a", at(0), "5300"), seizure("b", at(1), "2200", exporter_id=None)]
    events.append(seizure("c", at(2), "2200", exporter_id="OTHER"))
    assert drive(RULE, [*events, LATER])[0] == []


def test_judged_only_when_the_watermark_passes():
    events = [seizure("a", at(0), "5300"), seizure("b", at(1), "2200")]
    assert drive(RULE, [*events, Tick(at(1) + GRACE)])[0] == []
    assert len(drive(RULE, [*events, Tick(at(1) + GRACE + MS)])[0]) == 1


def test_reordering_within_grace_gives_the_same_signal_ids():
    events = [seizure("a", at(0), "5300"), seizure("b", at(1), "2200"), seizure("c", at(1), "4200")]
    events.append(seizure("d", at(2), "5300"))
    results = {
        tuple((s.signal_id, s.revision, frozenset(evidence_ids(s))) for s in drive(RULE, [*order, LATER])[0])
        for order in itertools.permutations(events)
    }
    assert len(results) == 1 and len(next(iter(results))) == 3  # one episode in three revisions, in every order


def test_late_seizure_beyond_grace_is_judged_but_does_not_rejudge_later_ones():
    on_time = [seizure("b", at(10), "2200"), seizure("c", at(11), "4200")]
    late = seizure("a", at(9), "5300")
    # in order: b's window holds a, b and c's holds a, b, c
    in_order, _ = drive(RULE, [late, *on_time, LATER])
    assert [evidence_ids(s) for s in in_order] == [{"a", "b"}, {"a", "b", "c"}]
    # a arrives after c was judged: c keeps its signal on {b, c}; a is judged on its own window
    beyond, _ = drive(RULE, [*on_time, Tick(at(12) + GRACE), late, LATER])
    assert [evidence_ids(s) for s in beyond] == [{"b", "c"}]


def test_an_episode_ends_a_window_after_its_last_qualifying_seizure():
    run = [seizure("a", at(0), "5300"), seizure("b", at(10), "2200")]
    again = [seizure("c", at(101), "5300"), seizure("d", at(102), "4200")]  # b + 90 days has passed
    signals, _ = drive(RULE, [*run, Tick(at(10) + GRACE + MS), *again, LATER])
    assert [(evidence_ids(s), s.revision) for s in signals] == [({"a", "b"}, 0), ({"c", "d"}, 0)]
    assert len(ids(signals)) == 2


def test_state_is_pruned_out_of_the_window():
    _, table = drive(RULE, [seizure("a", at(0)), Tick(at(90) + GRACE)])
    assert table  # still able to pair with an on-time seizure at day 90
    _, table = drive(RULE, [seizure("a", at(0)), Tick(at(90) + GRACE + MS)])
    assert table == {}


def test_a_long_episode_names_its_latest_seizures_and_cites_them_all():
    events = [seizure(f"s{n:02d}", at(n), "5300" if n % 2 else "2200") for n in range(14)]
    signals, _ = drive(RULE, [*events, LATER])
    latest = signals[-1]
    assert (latest.revision, len(latest.evidence)) == (12, 14)
    assert "4 earlier, then " in latest.reason and latest.reason.count(" at office ") == 10
