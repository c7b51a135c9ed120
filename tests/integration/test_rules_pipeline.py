"""Every rule end to end on the real broker: publisher -> worker (agents, re-key topics, tables) -> sink -> ClickHouse.

The planted patterns of `iprx simulate` (simulation/patterns/) say which signals must
exist, with which evidence and severity; the signals table must hold exactly those, with the
deterministic ids, also when the worker is SIGKILLed mid-run and restarted, and when two workers
share the partitions. A little background noise rides along and must fire nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from iprx.pipeline import watermark
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.producers import Publisher
from iprx.schemas import SingleObjectCodec
from iprx.simulation import ExpectedSignal, Planned, Simulation, minimum_count, simulate
from iprx.sinks.clickhouse.store import Store
from kafka import KafkaProducer

pytestmark = pytest.mark.integration
SWEEP = {"IPRX_WORKER_DEADLINE_SWEEP_S": "1"}
GARBAGE = b"\x8a\x17 not avro \xff"
CODEC = SingleObjectCodec()


def scenario(seed: int) -> Simulation:
    """Every planted pattern once, plus some noise; event times relative to now."""
    return simulate(seed, minimum_count() + 60, datetime.now(UTC))


def publish(settings, records: list[Planned]) -> None:
    with Publisher(settings) as publisher:  # flushes on exit; raises if anything was not delivered
        for planned in records:
            publisher.publish(planned.family, {**planned.record, "header": dict(planned.record["header"])})
    assert publisher.report.delivered == len(records)


def landed_signals(settings) -> dict[str, tuple]:
    """signal id -> (rule, subject type, subject, evidence event ids, severity), and every row's id."""
    with Store(settings, "test") as store:
        rows = store.client.query(
            "SELECT signal_id, rule_id, subject_type, subject_id, evidence.event_id, severity FROM iprx.signals FINAL"
        ).result_rows
    return {str(r[0]): (r[1], r[2], r[3], frozenset(r[4]), r[5]) for r in rows}


def expected_ids(expected: Iterable[ExpectedSignal]) -> dict[str, tuple]:
    return {str(s.signal_id): (*s.key, s.severity) for s in expected}


def settle(settings, children: list[Child], timeout_s: float = 180) -> None:
    """Close event time now, as `iprx watermark` does, and wait until the sink has landed everything."""
    watermark.settle(settings, children=children, timeout_s=timeout_s)


def assert_exactly(got: dict, expected: Iterable[ExpectedSignal]) -> None:
    want = expected_ids(expected)
    missing, extra = set(want.values()) - set(got.values()), set(got.values()) - set(want.values())
    assert not missing and not extra, f"missing: {sorted(missing, key=repr)}\nextra: {sorted(extra, key=repr)}"
    assert len(got) == len(want)
    assert got == want  # the same ids, derived from rule, subject and evidence


def workers(pipeline_env, *names: str) -> list[Child]:
    return [Child(n, ["worker"], pipeline_env.data_dir, pipeline_env.process_env(**SWEEP)) for n in names]


def sink(pipeline_env) -> Child:
    return Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env())


def publish_garbage(settings) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    producer.send(settings.topic("inspection"), key=b"garbage", value=GARBAGE)
    producer.flush()
    producer.close()


def test_every_rule_fires_exactly_its_planted_signals(pipeline_env):
    settings = pipeline_env.settings()
    sim = scenario(5)
    children = [*workers(pipeline_env, "worker"), sink(pipeline_env)]
    try:
        publish(settings, sim.phases()[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        publish(settings, sim.phases()[1])
        publish_garbage(settings)
        settle(settings, children)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)

    assert {s.rule_id for s in sim.expected} == {
        "licence.shortfall",
        "hardware.os_not_preloaded",
        "inspection.repeat_noncompliance",
        "referral.threshold_met",
        "referral.overdue",
        "seizure.repeat_offender",
        "crossborder.joint_match",
        "seizure.significant",
    }
    assert_exactly(got, sim.expected)
    # Every significant seizure is shared with partners, once, redacted.
    seizures = {p.record["seizure_id"]: p.record for p in sim.planned if p.family == "seizure"}
    significant = sorted(
        (i, "AMBER", seizures[v[2]]["container_no"]) for i, v in got.items() if v[0] == "seizure.significant"
    )
    with Store(settings, "test") as store:
        q = store.client.query
        notices = q("SELECT signal_id, handling, seizure_container_no FROM iprx.partner_notices_sent FINAL").result_rows
        dead = q("SELECT source_topic, error_type FROM iprx.dead_letters WHERE stage = 'worker.decode'").result_rows
        redacted = q(
            "SELECT seizure_consignee_name FROM iprx.partner_notices_sent FINAL WHERE seizure_consignee_natural_person"
        ).result_rows
    assert sorted(notices) == significant and len(significant) == 2
    assert redacted == [("[REDACTED]",)]  # the planted natural person consignee's name never leaves
    # Only the undecodable bytes are dead letters; the inspection without a subject id is skipped by the rules.
    assert dead == [(settings.topic("inspection"), "decode.bad_magic")]

    # What an analyst sees first: `iprx report` counts the planted signals per rule.
    report = subprocess.run(
        [sys.executable, "-m", "iprx", "report", "--format", "json", "--section", "signals_by_rule"],
        env=pipeline_env.process_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    per_rule = Counter(s.rule_id for s in sim.expected)
    reported = Counter()
    for row in json.loads(report.stdout)["signals_by_rule"]:
        reported[row["rule_id"]] += row["signals"]
    assert reported == per_rule


def test_a_worker_killed_mid_run_restarts_to_the_same_signals(pipeline_env):
    settings = pipeline_env.settings()
    sim = scenario(6)
    first, sink_child = workers(pipeline_env, "worker")[0], sink(pipeline_env)
    children = [first, sink_child]
    try:
        publish(settings, sim.phases()[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        publish(settings, sim.phases()[1])
        time.sleep(1.5)  # let it start on phase 2, then kill it without any chance to commit
        first.proc.kill()
        first.proc.wait()
        first.stop()
        children = [*workers(pipeline_env, "worker-restarted"), sink_child]
        settle(settings, children)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)
    assert_exactly(got, sim.expected)


def test_a_second_worker_joining_mid_run_finds_the_same_signals(pipeline_env):
    settings = pipeline_env.settings()
    sim = scenario(7)
    children = [*workers(pipeline_env, "worker-a"), sink(pipeline_env)]
    try:
        publish(settings, sim.phases()[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        children += workers(pipeline_env, "worker-b")  # the partitions and their tables are shared out
        publish(settings, sim.phases()[1])
        settle(settings, children)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)
    assert_exactly(got, sim.expected)
