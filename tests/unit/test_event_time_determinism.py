"""Signals do not depend on when or in what order events arrive: the simulate ground truth, replayed
through the rule agents' own batch logic (``RuleBatch``, ``EventClock``, the sweep's liveness test),
gives the identical signal set, by signal id, however it is delivered.

Each delivery plays what the worker can see: events re-keyed to partitions and taken in batches; a
pause between phases, during which the wall-clock sweep ticks every partition it deems live; a
worker restart, which loses the in-memory event-time clocks but keeps the tables; then the
watermark of ``iprx watermark`` at the end.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from iprx.producers.families import FAMILIES
from iprx.simulation import Simulation, minimum_count, simulate
from iprx.simulation.scene import Planned
from iprx.stream_processors import rekey
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.eventtime import EventClock, is_live
from iprx.stream_processors.rulebatch import RuleBatch
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.ruleset import load_ruleset
from iprx.stream_processors.signals import Signal

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # the wall clock of the replay
LIVE_WITHIN = timedelta(hours=1)  # worker.live_within_s's default
PARTITIONS = 3


@dataclass(frozen=True)
class Delivery:
    """How the published events reach the worker."""

    order: str = "phases"  # phases | reversed-families | shuffled-partitions
    batch: int = 500
    pause: bool = False  # the wall-clock sweep runs between phases
    restart: bool = False  # the worker restarts between phases (event-time clocks lost)


def published(simulation: Simulation, order: str, seed: int = 7) -> list[list[Planned]]:
    """The events in publishing groups (phases), each group in the order the worker reads it."""
    phases = simulation.phases()
    if order == "reversed-families":
        # Every family of the simulation as one group, the families in reverse of their first appearance.
        families = list(dict.fromkeys(p.family for phase in phases for p in phase))
        return [[p for phase in phases for p in phase if p.family == f] for f in reversed(families)]
    if order == "shuffled-partitions":
        # Input partitions read at different speeds: within a phase, any interleaving that keeps each
        # input partition's own order (the key's partition: events of one key stay in order).
        rng = random.Random(seed)
        mixed = []
        for phase in phases:
            lanes: dict[int, list[Planned]] = {}
            for p in phase:
                lanes.setdefault(zlib.crc32(FAMILIES[p.family].key(p.record).encode()) % 4, []).append(p)
            queues = [list(reversed(lane)) for lane in lanes.values()]
            out = []
            while queues:
                lane = rng.choice(queues)
                out.append(lane.pop())
                if not lane:
                    queues.remove(lane)
            mixed.append(out)
        return mixed
    return phases


def deliver(simulation: Simulation, delivery: Delivery, watermark: datetime) -> dict[str, Signal]:
    """Every signal raised, by signal id."""
    rulebook = Rulebook.from_ruleset(load_ruleset())
    tables: dict[str, dict[str, object]] = {r.rule_id: {} for r in rulebook.stateful}
    clocks = {r.rule_id: EventClock() for r in rulebook.stateful}
    raised: list[Signal] = []
    offsets = itertools.count()

    def run(rule, steps) -> None:
        table = tables[rule.rule_id]
        batch = RuleBatch(rule, lambda key: rule.load(table.get(key)), PARTITIONS, clocks[rule.rule_id])
        for step in steps:
            step(batch, table)
        raised.extend(batch.signals)
        for key, (state, _) in batch.pending.items():
            if state is None:
                table.pop(key, None)
            else:
                table[key] = rule.dump(state)

    for n, group in enumerate(published(simulation, delivery.order)):
        if n and delivery.restart:
            clocks = {r.rule_id: EventClock() for r in rulebook.stateful}
        for start in range(0, len(group), delivery.batch):
            per_rule: dict[str, list] = {r.rule_id: [] for r in rulebook.stateful}
            for planned in group[start : start + delivery.batch]:
                family = FAMILIES[planned.family]
                event = SCHEMAS[family.schema_for(planned.record)].from_record(
                    planned.record, family.topic.name, 0, next(offsets)
                )
                raised.extend(rulebook.signals(event))
                for rule in rulebook.stateful_for(event):
                    for key in rule.keys(event):
                        p = rekey.partition_for(key, PARTITIONS)
                        per_rule[rule.rule_id].append(lambda b, t, k=key, e=event, p=p: b.event(k, e, p))
            for rule in rulebook.stateful:
                run(rule, per_rule[rule.rule_id])
        if delivery.pause:
            for rule in rulebook.stateful:
                live = [p for p in range(PARTITIONS) if is_live(clocks[rule.rule_id].newest(p), NOW, LIVE_WITHIN)]
                run(rule, [lambda b, t, p=p: b.tick(NOW, p, list(t)) for p in live])
    for rule in rulebook.stateful:
        run(rule, [lambda b, t, p=p: b.watermark(watermark, p, list(t)) for p in range(PARTITIONS)])
    # By id, as the sink keeps them: the latest revision of an episode; and a partner notice that
    # matches one seizure under two of its keys (container and bill of lading) raises one id twice.
    return {str(s.signal_id): s for s in raised}


def truth(simulation: Simulation) -> dict[tuple, str]:
    return {s.key: (s.severity, s.revision) for s in simulation.expected}


def keys(signals: dict[str, Signal]) -> dict[tuple, str]:
    return {
        (s.rule_id, s.subject_type, s.subject_id, frozenset(e.event_id for e in s.evidence)): (s.severity, s.revision)
        for s in signals.values()
    }


DELIVERIES = {
    "one-go": Delivery(),
    "event-by-event": Delivery(batch=1),
    "pauses": Delivery(pause=True),
    "restart-between-phases": Delivery(restart=True),
    "pauses-and-restarts-small-batches": Delivery(batch=7, pause=True, restart=True),
    "reversed-families": Delivery(order="reversed-families", pause=True),
    "reversed-families-restarts": Delivery(order="reversed-families", restart=True),
    "shuffled-partitions": Delivery(order="shuffled-partitions", batch=50, pause=True),
}


@pytest.fixture(scope="module", params=[timedelta(0), timedelta(days=365)], ids=["anchor-today", "anchor-year-ago"])
def simulation(request) -> Simulation:
    return simulate(5, minimum_count() + 300, datetime(2026, 12, 2, tzinfo=UTC) - request.param)


@pytest.fixture(scope="module")
def reference(simulation) -> dict[str, Signal]:
    return deliver(simulation, DELIVERIES["one-go"], NOW)


def test_one_go_gives_the_ground_truth(simulation, reference):
    assert keys(reference) == truth(simulation)


@pytest.mark.parametrize("name", [n for n in DELIVERIES if n != "one-go"])
def test_every_delivery_gives_the_same_signal_ids(simulation, reference, name):
    signals = deliver(simulation, DELIVERIES[name], NOW)
    assert keys(signals) == truth(simulation)
    assert sorted(signals) == sorted(reference)
