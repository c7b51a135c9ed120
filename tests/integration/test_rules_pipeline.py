"""Every rule end to end on the real broker: publisher -> worker (agents, re-key topics, tables) -> sink -> ClickHouse.

The planted scenario (tests/integration/rules_scenario.py) says which signals must exist, with which
evidence; the signals table must hold exactly those, with the deterministic ids, also when the
worker is SIGKILLed mid-run and restarted, and when two workers share the partitions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from iprx.supervise import Child, pipeline_groups, wait_until_caught_up
from producers import Publisher
from schemas import SingleObjectCodec
from sinks.clickhouse.store import Store
from stream_processors.signals import SIGNAL_SCHEMA, signal_id
from tests.integration.rules_scenario import Scenario, build

pytestmark = pytest.mark.integration
SWEEP = {"IPRX_WORKER_DEADLINE_SWEEP_S": "1"}
GARBAGE = b"\x8a\x17 not avro \xff"
CODEC = SingleObjectCodec()


def publish(settings, records: list[tuple[str, dict]]) -> None:
    with Publisher(settings) as publisher:  # flushes on exit; raises if anything was not delivered
        for family, record in records:
            publisher.publish(family, record)
    assert publisher.report.delivered == len(records)


def landed_signals(settings) -> dict[str, tuple]:
    """signal id -> (rule, subject type, subject, evidence event ids), and every row's id."""
    with Store(settings, "test") as store:
        rows = store.client.query(
            "SELECT signal_id, rule_id, subject_type, subject_id, evidence.event_id FROM iprx.signals FINAL"
        ).result_rows
    return {str(r[0]): (r[1], r[2], r[3], frozenset(r[4])) for r in rows}


def expected_ids(scenario: Scenario) -> dict[str, tuple]:
    return {
        str(signal_id(rule, kind, subject, ids)): (rule, kind, subject, ids)
        for rule, kind, subject, ids in scenario.expected
    }


def emitted_ids(settings) -> set[str]:
    """Signal ids on the signals topic so far (ClickHouse cannot be read while the sink holds chDB)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, consumer_timeout_ms=1000)
    topic = settings.topic("signals")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()])
    consumer.seek_to_beginning()
    ids = {str(CODEC.decode(m.value, expect=SIGNAL_SCHEMA)[1]["signal_id"]) for m in consumer}
    consumer.close()
    return ids


def settle(settings, children: list[Child], scenario: Scenario, timeout_s: float = 120) -> None:
    """Wait until the pipeline is caught up and every expected signal was emitted, then once more.

    The wall-clock sweep fires deadlines asynchronously, so caught-up alone does not mean done; a
    few more sweeps and another catch-up give anything unexpected the chance to show up too.
    """
    want = set(expected_ids(scenario))
    deadline = time.monotonic() + timeout_s
    while True:
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=timeout_s)
        if emitted_ids(settings) >= want or time.monotonic() > deadline:
            break
        time.sleep(1)
    time.sleep(3)  # three sweeps
    wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=timeout_s)


def assert_exactly(got: dict, scenario: Scenario) -> None:
    want = expected_ids(scenario)
    assert sorted(got.values(), key=repr) == sorted(want.values(), key=repr)
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
    scenario = build(datetime.now(UTC), seed=5)
    children = [*workers(pipeline_env, "worker"), sink(pipeline_env)]
    try:
        publish(settings, scenario.phases[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        publish(settings, scenario.phases[1])
        publish_garbage(settings)
        settle(settings, children, scenario)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)

    assert {rule for rule, *_ in scenario.expected} == {
        "licence.shortfall",
        "hardware.os_not_preloaded",
        "inspection.repeat_noncompliance",
        "referral.threshold_met",
        "referral.overdue",
        "seizure.repeat_offender",
        "crossborder.joint_match",
        "seizure.significant",
    }
    assert_exactly(got, scenario)
    significant = next(i for i, v in got.items() if v[0] == "seizure.significant")
    with Store(settings, "test") as store:
        q = store.client.query
        notices = q("SELECT signal_id, handling, seizure_container_no FROM iprx.partner_notices_sent FINAL").result_rows
        dead = q("SELECT source_topic, error_type FROM iprx.dead_letters WHERE stage = 'worker.decode'").result_rows
    assert notices == [(significant, "AMBER", "MSKU1234565")]
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
    per_rule = Counter(rule for rule, *_ in scenario.expected)
    reported = Counter()
    for row in json.loads(report.stdout)["signals_by_rule"]:
        reported[row["rule_id"]] += row["signals"]
    assert reported == per_rule


def test_a_worker_killed_mid_run_restarts_to_the_same_signals(pipeline_env):
    settings = pipeline_env.settings()
    scenario = build(datetime.now(UTC), seed=6)
    first, sink_child = workers(pipeline_env, "worker")[0], sink(pipeline_env)
    children = [first, sink_child]
    try:
        publish(settings, scenario.phases[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        publish(settings, scenario.phases[1])
        time.sleep(1.5)  # let it start on phase 2, then kill it without any chance to commit
        first.proc.kill()
        first.proc.wait()
        first.stop()
        children = [*workers(pipeline_env, "worker-restarted"), sink_child]
        settle(settings, children, scenario)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)
    assert_exactly(got, scenario)


def test_a_second_worker_joining_mid_run_finds_the_same_signals(pipeline_env):
    settings = pipeline_env.settings()
    scenario = build(datetime.now(UTC), seed=7)
    children = [*workers(pipeline_env, "worker-a"), sink(pipeline_env)]
    try:
        publish(settings, scenario.phases[0])
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        children += workers(pipeline_env, "worker-b")  # the partitions and their tables are shared out
        publish(settings, scenario.phases[1])
        settle(settings, children, scenario, timeout_s=180)
    finally:
        for child in children:
            child.stop()
    got = landed_signals(settings)
    assert_exactly(got, scenario)
