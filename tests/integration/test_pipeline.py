"""The seizure slice end to end: publisher -> Kafka -> Faust worker -> Kafka -> sink -> ClickHouse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.producers import Publisher
from iprx.schemas import SingleObjectCodec, default_catalog
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store
from iprx.stream_processors.ruleset import load_ruleset
from kafka import KafkaProducer

from tests.clickhouse_events import migrate_without_merges

pytestmark = pytest.mark.integration
COUNT = 300


def publish_bad_records(topic: str, bootstrap: str) -> dict[int, str]:
    """Send malformed values straight to the topic; return {sequence: expected error type}."""
    record = next(seizures(99, 1))
    record["header"]["published_at"] = record["header"]["occurred_at"]
    good = SingleObjectCodec().encode("iprx.seizure.SeizureRecorded", record)
    bad = {
        "random bytes": (b"\x8a\x17 not avro at all \xff\x00", "decode.bad_magic"),
        "truncated": (good[:-7], "decode.truncated"),
        "unknown fingerprint": (b"\xc3\x01" + b"\x13" * 8 + good[10:], "decode.unknown_fingerprint"),
        "signal on the seizure topic": (
            b"\xc3\x01" + default_catalog().get("iprx.signal.Signal").fingerprint + b"\x00",
            "schema.wrong_topic",
        ),
    }
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for name, (value, _) in bad.items():
        producer.send(topic, key=name.encode(), value=value)
    producer.flush()
    producer.close()
    return {code: value for value, code in bad.values()}


def test_seizures_become_rows_and_signals_with_evidence(pipeline_env):
    settings = pipeline_env.settings()
    seizure_topic = settings.topic("seizure")
    children = [Child(name, [name], pipeline_env.data_dir, pipeline_env.process_env()) for name in ("worker", "sink")]
    try:
        published = []
        with Publisher(settings) as publisher:
            for record in seizures(2024, COUNT):
                publisher.publish("seizure", record)
                published.append(record)
        bad = publish_bad_records(seizure_topic, settings.kafka.bootstrap_servers)
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()

    threshold = Decimal("1000000")  # DESIGN.md §4, independent of the rule's own code
    expected_signals = {r["seizure_id"] for r in published if r["estimated_value_cny"] >= threshold}
    assert expected_signals, "the seeded batch must contain significant seizures"

    with Store(settings, "test") as store:
        q = store.client.query
        seized = q("SELECT toString(event_id), seizure_id, _offset, _partition FROM iprx.seizures").result_rows
        assert len(seized) == COUNT  # no FINAL: not one duplicate row
        assert {r[0] for r in seized} == {r["header"]["event_id"] for r in published}
        position = {r[0]: (r[3], r[2]) for r in seized}

        rules = {r[0] for r in q("SELECT DISTINCT rule_id FROM iprx.signals").result_rows}
        # Seizures alone can only raise the seizure rules (stateful ones have their own tests).
        assert rules <= {"seizure.significant", "seizure.repeat_offender", "crossborder.joint_match"}
        signals = q(
            "SELECT subject_id, rule_id, ruleset_version, severity, reason, evidence FROM iprx.signals"
            " WHERE rule_id = 'seizure.significant'"
        ).result_rows
        assert sorted(s[0] for s in signals) == sorted(expected_signals)
        for subject, rule, version, severity, reason, evidence in signals:
            assert (rule, version, severity) == ("seizure.significant", load_ruleset().version, "MEDIUM")
            assert subject in reason
            [ref] = evidence
            # The evidence points at the very Kafka record the seizure row was landed from.
            assert ref["topic"] == seizure_topic
            assert (ref["partition"], ref["offset"]) == position[ref["event_id"]]

        dead = q("SELECT source_topic, error_type, payload_size FROM iprx.dead_letters FINAL").result_rows
        assert sorted(d[1] for d in dead) == sorted(bad)
        assert all(d[0] == seizure_topic for d in dead)
        assert {d[1]: d[2] for d in dead} == {code: len(value) for code, value in bad.items()}
        stages = {r[0] for r in q("SELECT DISTINCT stage FROM iprx.dead_letters").result_rows}
        assert stages == {"worker.decode", "sink.decode"}  # both stages reported them; FINAL keeps one each


def test_replaying_every_topic_from_offset_zero_changes_nothing(pipeline_env):
    settings = pipeline_env.settings()
    # Counted without FINAL, so no background merge may collapse rows meanwhile: an episode's revisions
    # share a signal id and a partition, and a merge keeps only the latest (one row fewer, not a replay).
    migrate_without_merges(settings, ("seizures", "signals"))
    children = [Child(name, [name], pipeline_env.data_dir, pipeline_env.process_env()) for name in ("worker", "sink")]
    try:
        with Publisher(settings) as publisher:
            for record in seizures(7, 200):
                publisher.publish("seizure", record)
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()

    def counts() -> tuple[int, int]:
        with Store(settings, "test") as store:
            return tuple(
                store.client.query(f"SELECT count() FROM iprx.{t}").result_rows[0][0] for t in ("seizures", "signals")
            )

    before = counts()
    assert before[0] == 200
    # A new sink group starts from offset zero on every topic: the whole history is offered again.
    replay = pipeline_env.settings(IPRX_SINK_GROUP_ID=settings.sink.group_id + "-replay")
    child = Child(
        "sink-replay",
        ["sink"],
        pipeline_env.data_dir,
        pipeline_env.process_env(IPRX_SINK_GROUP_ID=replay.sink.group_id),
    )
    try:
        wait_until_caught_up(replay, pipeline_groups(replay)[1:], [child], timeout_s=120)
    finally:
        child.stop()
    assert counts() == before  # counted without FINAL: the replay inserted nothing


def test_the_sink_creates_missing_topics_before_it_joins(kafka_bootstrap, tmp_path, monkeypatch):
    # No pipeline_env: nothing is created beforehand. A consumer that joins before its topics exist
    # is assigned nothing for them until its next metadata refresh, so the sink creates them first.
    from iprx.kernel.kafka_admin import admin_client, public_topics
    from iprx.pipeline.services import run_sink
    from iprx.sinks.runner import SinkRunner

    from tests.conftest import PipelineEnv

    settings = PipelineEnv(kafka_bootstrap, tmp_path).settings()

    def close_instead_of_consuming(runner: SinkRunner) -> None:
        # chDB allows one store per process: a store left open would break every later test's.
        runner.consumer.close(autocommit=False)
        runner.sink.close()

    # run_sink up to the consumer's subscription, then return instead of consuming
    monkeypatch.setattr(SinkRunner, "run", close_instead_of_consuming)
    run_sink(settings)
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    assert {t.name for t in public_topics(settings)} <= existing
