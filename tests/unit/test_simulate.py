"""`iprx simulate`'s generator: deterministic, valid records, every rule planted, noise that fires nothing.

The ground truth is written by the planted patterns from their own facts. Here it is checked against
the rules themselves, replayed in-process the way the Faust layer drives them, with a wall-clock
sweep after every event (the harshest timing the worker can produce): if a planted event could be
pruned or judged before what it needs arrives, or noise could fire a rule, the sets differ.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from iprx.cli.main import main
from iprx.kernel.checks import FieldError
from iprx.kernel.event_checks import check_event
from iprx.producers.families import FAMILIES
from iprx.schemas import SingleObjectCodec
from iprx.simulation import EVENTS_PER_COPY, Simulation, minimum_count, simulate
from iprx.simulation.output import write_files
from iprx.simulation.patterns import ASSUMED, TOLERANCE, ruleset_mismatches
from iprx.simulation.scene import NOISE
from iprx.simulation.truth import read_truth, truth_record, write_truth
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.ruleset import load_ruleset

ANCHOR = datetime(2026, 11, 2, tzinfo=UTC)
RULES = {
    "licence.shortfall",
    "hardware.os_not_preloaded",
    "inspection.repeat_noncompliance",
    "referral.threshold_met",
    "referral.overdue",
    "seizure.repeat_offender",
    "crossborder.joint_match",
    "seizure.significant",
}
CODEC = SingleObjectCodec()


def truth_keys(simulation: Simulation) -> dict[tuple, str]:
    keys = {s.key: (s.severity, s.revision) for s in simulation.expected}
    assert len(keys) == len(simulation.expected), "a signal is expected twice"
    return keys


# --- replaying the rules in-process ------------------------------------------------------------


def replay(simulation: Simulation, wall_clock: datetime, sweep_every: int = 1) -> dict[tuple, str]:
    """The latest revision of each signal the rules raise: (rule, subject type, subject, evidence ids) ->
    (severity, revision)."""
    rulebook = Rulebook.from_ruleset(load_ruleset())
    tables: dict[str, dict[str, object]] = {r.rule_id: {} for r in rulebook.stateful}
    clocks: dict[str, datetime] = {}  # one event-time clock per rule: every key on one partition, the worst case
    raised = []
    offsets = itertools.count()

    def store(rule, key, state) -> None:
        if state is None:
            tables[rule.rule_id].pop(key, None)
        else:
            tables[rule.rule_id][key] = rule.dump(state)

    def sweep() -> None:
        for rule in rulebook.stateful:
            table = tables[rule.rule_id]
            for key in sorted(table):
                state, signals = rule.due(rule.load(table[key]), wall_clock)
                raised.extend(signals)
                store(rule, key, state)

    for n, planned in enumerate(p for phase in simulation.phases() for p in phase):
        family = FAMILIES[planned.family]
        event = SCHEMAS[family.schema_for(planned.record)].from_record(
            planned.record, family.topic.name, 0, next(offsets)
        )
        raised.extend(rulebook.signals(event))
        for rule in rulebook.stateful_for(event):
            clock = clocks[rule.rule_id] = max(event.occurred_at, clocks.get(rule.rule_id, event.occurred_at))
            for key in rule.keys(event):
                state, signals = rule.apply(rule.load(tables[rule.rule_id].get(key)), event)
                state, due = rule.due(state, clock)
                raised.extend(signals + due)
                store(rule, key, state)
        if n % sweep_every == 0:
            sweep()
    sweep()
    latest = {s.signal_id: s for s in raised}  # an episode's revisions share the id; the last is current
    return {
        (s.rule_id, s.subject_type, s.subject_id, frozenset(e.event_id for e in s.evidence)): (s.severity, s.revision)
        for s in latest.values()
    }


@pytest.mark.parametrize("late", [timedelta(0), TOLERANCE], ids=["at-anchor", "tolerance-later"])
def test_the_rules_raise_exactly_the_ground_truth(late):
    simulation = simulate(3, minimum_count() + 200, ANCHOR)
    assert replay(simulation, ANCHOR + late) == truth_keys(simulation)


def test_noise_fires_nothing_at_scale():
    simulation = simulate(8, 3 * EVENTS_PER_COPY + 500, ANCHOR)
    assert Counter(p.origin == NOISE for p in simulation.planned)[True] > 5000
    assert replay(simulation, ANCHOR, sweep_every=97) == truth_keys(simulation)


# --- the generator -----------------------------------------------------------------------------


def test_same_seed_same_records_and_truth(tmp_path):
    a, b = simulate(11, 1500, ANCHOR), simulate(11, 1500, ANCHOR)
    assert a == b
    write_truth(tmp_path / "a.jsonl", a.expected)
    write_truth(tmp_path / "b.jsonl", b.expected)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    other = simulate(12, 1500, ANCHOR)
    assert [p.record for p in other.planned] != [p.record for p in a.planned]


def test_every_rule_is_planted_with_near_misses():
    simulation = simulate(1, minimum_count(), ANCHOR)
    assert set(simulation.signals_per_rule()) == RULES
    assert set(simulation.near_misses_per_rule()) == RULES
    severities = {(s.rule_id, s.severity) for s in simulation.expected}
    assert {("referral.threshold_met", "HIGH"), ("referral.threshold_met", "CRITICAL")} <= severities
    assert {("licence.shortfall", s) for s in ("LOW", "MEDIUM", "HIGH")} <= severities
    patterns = {s.pattern for s in simulation.expected if s.rule_id == "referral.threshold_met"}
    assert any("online" in p for p in patterns) and any("online" not in p for p in patterns)
    # every near miss names planted events that no expected signal cites
    cited = {e for s in simulation.expected for e in s.evidence}
    ids = {p.record["header"]["event_id"] for p in simulation.planned}
    for miss in simulation.near_misses:
        assert miss.event_ids and set(miss.event_ids) <= ids
        if miss.rule_id not in ("referral.overdue", "hardware.os_not_preloaded"):
            assert not set(miss.event_ids) & cited, miss


@pytest.mark.parametrize("count", [minimum_count(), 500, EVENTS_PER_COPY, 2 * EVENTS_PER_COPY + 1, 9000])
def test_count_is_the_number_of_events(count):
    simulation = simulate(5, count, ANCHOR)
    assert len(simulation.planned) == count
    copies = max(1, count // EVENTS_PER_COPY)
    assert len(simulation.expected) == copies * len(simulate(5, minimum_count(), ANCHOR).expected)
    assert set(simulation.per_family()) == set(FAMILIES)


def test_too_small_a_count_is_refused():
    with pytest.raises(ValueError, match="at least"):
        simulate(5, minimum_count() - 1, ANCHOR)


def test_phases_and_event_time_order():
    simulation = simulate(2, 3000, ANCHOR)
    first, second = simulation.phases()
    for phase in (first, second):
        assert [p.order for p in phase] == sorted(p.order for p in phase)
        assert len({p.phase for p in phase}) == 1
    # computers waiting for OS licences go out after every OS licence award of the phase
    late = [p for p in first if p.late]
    assert late and all(a.record["items"][0].get("hardware") for a in late)
    assert first[-len(late) :] == late
    assert max(p.record["header"]["occurred_at"] for p in simulation.planned) <= ANCHOR
    # what is judged comes second; what judgements wait for comes first
    assert {p.family for p in first} >= {"procurement", "seizure", "case"}
    assert {p.family for p in second} == {"inspection", "case", "cooperation"}


def validation_errors(family: str, record: dict) -> list:
    """What Publisher.publish checks, without a broker: schema by event type, domain checks, Avro encoding."""
    spec = FAMILIES[family]
    record = {**record, "header": {**record["header"], "published_at": datetime.now(UTC)}}
    schema = spec.schema_for(record)
    if isinstance(schema, FieldError):
        return [schema]
    errors: list = spec.check(record)
    if family in ("inspection", "case", "cooperation"):
        errors += check_event(record)  # what `iprx produce inspections|cooperation` checks besides
    try:
        CODEC.encode(schema, record)
    except Exception as exc:  # a SchemaError names the field
        errors.append(exc)
    return errors


def test_every_record_passes_the_publishers_validation():
    simulation = simulate(4, 4000, ANCHOR)
    failures = [(p.family, p.origin, e) for p in simulation.planned for e in validation_errors(p.family, p.record)]
    assert failures == []


def test_the_assumed_thresholds_are_the_default_rule_set():
    ruleset = load_ruleset()
    assert ruleset_mismatches(ruleset.params) == []
    changed = {**ruleset.params("seizure.significant"), "min_value_cny": "2000000"}
    problems = ruleset_mismatches(lambda r: changed if r == "seizure.significant" else ruleset.params(r))
    assert len(problems) == 1 and "min_value_cny" in problems[0]
    assert {rule for rule, *_ in ASSUMED} == RULES


def test_truth_file_round_trip(tmp_path):
    simulation = simulate(9, minimum_count(), ANCHOR)
    path = tmp_path / "truth.jsonl"
    assert write_truth(path, simulation.expected) == len(simulation.expected)
    rows = read_truth(path)
    assert {(r["rule_id"], r["subject_type"], r["subject_id"], frozenset(r["evidence"])) for r in rows} == set(
        truth_keys(simulation)
    )
    assert all(len(r["signal_id"]) == 36 and r["pattern"] for r in rows)


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        write_files(simulate(13, 600, ANCHOR), tmp_path / name)
    a, b = sorted((tmp_path / "a").iterdir()), sorted((tmp_path / "b").iterdir())
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))


def test_cli_writes_files_truth_and_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    out = tmp_path / "sim"
    assert main(["simulate", "--seed", "3", "--count", "400", "--out", str(out), "--anchor", "2026-11-02"]) == 0
    printed = capsys.readouterr().out
    simulation = simulate(3, 400, ANCHOR)
    assert {r["signal_id"] for r in read_truth(out / "truth.jsonl")} == {
        truth_record(s)["signal_id"] for s in simulation.expected
    }
    for rule, n in simulation.signals_per_rule().items():
        assert re.search(rf"^  {re.escape(rule)} +{n} +{simulation.near_misses_per_rule()[rule]}$", printed, re.M)
    assert f"ground truth: {len(simulation.expected)} signals" in printed


def test_cli_refuses_a_future_anchor_and_too_few_events(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    future = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert main(["simulate", "--count", "400", "--out", str(tmp_path), "--anchor", future]) == 2
    assert main(["simulate", "--count", "10", "--out", str(tmp_path)]) == 2
    assert "in the future" in capsys.readouterr().err
    assert not (tmp_path / "truth.jsonl").exists()
