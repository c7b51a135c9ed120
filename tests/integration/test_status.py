"""`iprx status` against a real broker: every figure it prints is checked against what the test sent.

Records are sent with chosen Kafka record times (an old publisher, an old dead letter, signals in a
known order), so the windows (last minute, last 24 h, silent after 1 h) are tested at their edges.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from iprx.kernel import dead_letters, topics
from iprx.kernel.dead_letters import DEAD_LETTER_SCHEMA, PUBLISHER_HEADER
from iprx.kernel.kafka_clients import kafka_python_options
from iprx.kernel.serialization import serializer_for
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.schemas.errors import DecodeError
from iprx.simulation.synthetic import seizures
from iprx.stream_processors.signals import SIGNAL_SCHEMA, Evidence, Signal, to_record
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

pytestmark = pytest.mark.integration
GACC = "CN/GOV/GACC/seizures"
NINGBO = "CN/GOV/GACC/ningbo"
OLD = "CN/GOV/GACC/retired"  # its only record is two hours old: silent after 1 h


def iprx(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iprx", *args], env=env, capture_output=True, text=True, timeout=60)


def millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def a_signal(rule: str, severity: str, subject: str, occurred_at: datetime) -> Signal:
    return Signal(
        rule, 1, "v1", "ENFORCEMENT", severity, "ENTERPRISE", subject, "440300", occurred_at, 1.0, "test",
        (Evidence(f"event-{rule}-{subject}", "t", 0, 0),),
    )  # fmt: skip


@pytest.fixture
def sent(pipeline_env):
    """Publish seizures of three publishers, dead letters and signals; return what status must report."""
    settings = pipeline_env.settings()
    codec = serializer_for(settings)
    now = datetime.now(UTC)
    records = list(seizures(23, 6))
    raw = KafkaProducer(**kafka_python_options(settings.kafka), acks="all")
    try:
        # Sent first: the one-minute rate counts from the first record of the last minute on.
        old = records.pop()
        old["header"]["published_at"] = now - timedelta(hours=2)
        raw.send(
            settings.topic(topics.SEIZURE.name),
            codec.encode("iprx.seizure.SeizureRecorded", old),
            headers=[(PUBLISHER_HEADER, OLD.encode())],
            timestamp_ms=millis(now - timedelta(hours=2)),
        ).get(timeout=30)
        # A dead letter of yesterday: outside the 24 h window.
        stale = dead_letters.from_file("producer.validate", DecodeError("decode.malformed", "x"), b"x", "old.csv", 1)
        raw.send(
            settings.topic(topics.DEAD_LETTER.name),
            codec.encode(DEAD_LETTER_SCHEMA, stale),
            partition=0,
            timestamp_ms=millis(now - timedelta(hours=25)),
        ).get(timeout=30)
        signals = [  # (rule, severity, subject, minutes ago raised)
            ("seizure.significant", "MEDIUM", "914403001922038216", 10),
            ("seizure.significant", "HIGH", "91310000MA1FL0001X", 5),  # the newest of its rule
            ("seizure.repeat_offender", "CRITICAL", "914403001922038216", 1),
        ]
        for rule, severity, subject, minutes in signals:
            raised = now - timedelta(minutes=minutes)
            record = to_record(a_signal(rule, severity, subject, raised - timedelta(days=3)), raised)
            raw.send(
                settings.topic(topics.SIGNALS.name), codec.encode(SIGNAL_SCHEMA, record), timestamp_ms=millis(raised)
            ).get(timeout=30)
    finally:
        raw.close()
    recent_dead = [
        dead_letters.from_kafka("worker.decode", DecodeError("decode.bad_magic", "no magic"), b"\x00", "t", 0, 1),
        dead_letters.from_kafka("worker.decode", DecodeError("decode.bad_magic", "no magic"), b"\x01", "t", 0, 2),
        dead_letters.from_file(
            "producer.validate", DecodeError("decode.truncated", "short"), b"\x02", "a.csv", 3, GACC
        ),
    ]
    with Publisher(settings) as publisher:
        for n, record in enumerate(records):
            record["header"]["publisher"] = NINGBO if n < 2 else GACC
            publisher.publish("seizure", record)
        for letter in recent_dead:
            publisher.publish_dead_letter(letter)
        publisher.flush(30)
    return {
        "now": now,
        "seizure_events": [*records, old],
        "fresh_seizures": len(records),
        "dead_by_reason": Counter(d["error_type"] for d in recent_dead),
        "signals": signals,
    }


def offsets(settings, name: str) -> tuple[dict[TopicPartition, int], list[TopicPartition]]:
    consumer = KafkaConsumer(**kafka_python_options(settings.kafka), enable_auto_commit=False)
    try:
        parts = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name))]
        return consumer.end_offsets(parts), parts
    finally:
        consumer.close()


def commit(settings, group: str, ends: dict[TopicPartition, int]) -> None:
    consumer = KafkaConsumer(**kafka_python_options(settings.kafka), group_id=group, enable_auto_commit=False)
    try:
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def test_status_reports_exactly_what_kafka_holds(pipeline_env, sent):
    settings = pipeline_env.settings()
    seizure_topic = settings.topic(topics.SEIZURE.name)
    seizure_ends, _ = offsets(settings, seizure_topic)
    commit(settings, settings.sink.group_id, seizure_ends)  # the sink has landed every seizure, nothing else

    started = time.monotonic()
    result = iprx(pipeline_env.process_env(), "status", "--json", "--silent-after", "1h")
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)

    assert status["broker"]["bootstrap_servers"] == settings.kafka.bootstrap_servers
    assert status["broker"]["answer_ms"] >= 0
    # No worker serves metrics here: no event time, and the screen says where it looked.
    assert status["event_time"] == {} and status["event_time_source"].startswith("no worker metrics at http://")
    assert status["missing_topics"] == []
    by_name = {t["name"]: t for t in status["topics"]}
    assert list(by_name) == [settings.topic(t.name) for t in topics.ALL]
    assert all(t["partitions"] == settings.kafka.partitions for t in by_name.values())
    seizure = by_name[seizure_topic]
    assert seizure["end_offsets"] == [seizure_ends[TopicPartition(seizure_topic, p)] for p in range(3)]
    assert seizure["end_offset"] == len(sent["seizure_events"]) == 6
    # The two-hour-old record is not of the last minute.
    assert seizure["appended_last_minute"] == sent["fresh_seizures"] == 5
    assert seizure["rate_per_s"] == pytest.approx(5 / 60)
    newest = max(r["header"]["occurred_at"] for r in sent["seizure_events"])
    assert seizure["latest_event_time"] == newest.isoformat()
    for t in topics.WORKER_INPUTS:
        if t is not topics.SEIZURE:
            assert by_name[settings.topic(t.name)]["appended_last_minute"] == 0
            assert by_name[settings.topic(t.name)]["latest_event_time"] is None
    assert by_name[settings.topic(topics.SIGNALS.name)]["end_offset"] == 3
    assert by_name[settings.topic(topics.DEAD_LETTER.name)]["end_offset"] == 4

    groups = {g["group"]: g for g in status["groups"]}
    worker, sink = groups[settings.worker.group_id], groups[settings.sink.group_id]
    assert (worker["committed"], worker["lag"]) == (False, 6)  # never ran: all the input is ahead of it
    assert worker["topics"][seizure_topic]["lag"] == 6
    assert (sink["committed"], sink["lag"]) == (True, 3 + 4)  # signals and dead letters still to land
    assert sink["topics"][seizure_topic] == {"lag": 0, "partitions": [0, 0, 0]}

    dead = status["dead_letters"]
    assert dead["by_reason"] == dict(sent["dead_by_reason"]) == {"decode.bad_magic": 2, "decode.truncated": 1}
    assert (dead["read"], dead["capped"], dead["undecodable"], dead["complete"]) == (3, False, 0, True)

    rules = {s["rule_id"]: s for s in status["signals"]["last_per_rule"]}
    assert status["signals"]["read"] == 3
    assert {r: (s["severity"], s["subject_id"]) for r, s in rules.items()} == {
        "seizure.significant": ("HIGH", "91310000MA1FL0001X"),
        "seizure.repeat_offender": ("CRITICAL", "914403001922038216"),
    }
    raised = datetime.fromisoformat(rules["seizure.repeat_offender"]["raised_at"])
    assert abs(raised - (sent["now"] - timedelta(minutes=1))) < timedelta(milliseconds=2)

    publishers = {p["publisher"]: p for p in status["publishers"]}
    assert {name: p["silent"] for name, p in publishers.items()} == {OLD: True, GACC: False, NINGBO: False}
    assert all(p["topics"] == [seizure_topic] for p in publishers.values())
    assert status["incomplete"] == []
    assert took < 15, f"iprx status took {took:.1f} s"


def test_the_dead_letter_cap_reads_only_the_newest_and_says_so(pipeline_env, sent):
    settings = pipeline_env.settings()
    ends, parts = offsets(settings, settings.topic(topics.DEAD_LETTER.name))
    assert len(parts) == 3
    # The stale one went to partition 0; the recent three went where their keys hashed.
    recent = [ends[tp] - (1 if tp.partition == 0 else 0) for tp in parts]
    result = iprx(pipeline_env.process_env(), "status", "--json", "--dead-letter-cap", "2")
    assert result.returncode == 0, result.stderr
    dead = json.loads(result.stdout)["dead_letters"]
    assert dead["capped"] is True  # three recent ones, two read
    # A cap of 2 over 3 partitions: the newest one of partitions 0 and 1 each, none of partition 2.
    assert dead["read"] == min(recent[0], 1) + min(recent[1], 1) == sum(dead["by_reason"].values())


def test_the_screen_names_every_topic_and_flags_the_silent_publisher(pipeline_env, sent):
    settings = pipeline_env.settings()
    result = iprx(pipeline_env.process_env(COLUMNS="200"), "status", "--silent-after", "1h")
    assert result.returncode == 0, result.stderr
    for t in topics.ALL:
        assert settings.topic(t.name) in result.stdout
    silent = [line for line in result.stdout.splitlines() if OLD in line]
    assert len(silent) == 1 and "SILENT" in silent[0]
    assert "decode.bad_magic" in result.stdout and "seizure.repeat_offender" in result.stdout


def test_watch_refreshes_until_interrupted(pipeline_env, sent):
    settings = pipeline_env.settings()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "iprx", "status", "--watch", "0.5"],
        env=pipeline_env.process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while sum(line.startswith("iprx status") for line in lines) < 3 and time.monotonic() < deadline:
            lines.append(watcher.stdout.readline())
        watcher.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    screens = "".join(lines).split("iprx status  ")[1:]
    assert len(screens) == 3  # the third only begun
    assert all(settings.topic(topics.SEIZURE.name) in screen for screen in screens[:2])
    assert watcher.returncode == 0, err
    assert "Traceback" not in err


def test_status_works_while_the_sink_holds_the_store(pipeline_env, sent):
    settings = pipeline_env.settings()
    landed = [settings.topic(t.name) for t in topics.ALL]
    sink = Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env())
    try:
        wait_until_caught_up(settings, [(settings.sink.group_id, landed)], [sink], timeout_s=120)
        summary = iprx(pipeline_env.process_env(), "summary")  # the store is the sink's now
        assert summary.returncode == 2 and "in use by pid" in summary.stderr, summary.stderr
        result = iprx(pipeline_env.process_env(), "status", "--json")
        assert result.returncode == 0, result.stderr
        sink.check_alive()
    finally:
        sink.stop()
    groups = {g["group"]: g for g in json.loads(result.stdout)["groups"]}
    assert (groups[settings.sink.group_id]["committed"], groups[settings.sink.group_id]["lag"]) == (True, 0)


def test_missing_topics_are_flagged(pipeline_env):
    env = pipeline_env.process_env(IPRX_KAFKA_TOPIC_PREFIX=f"absent-{time.time_ns()}.")
    result = iprx(env, "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert len(status["missing_topics"]) == len(topics.ALL)
    assert all(not t["exists"] and t["partitions"] == 0 for t in status["topics"])


def test_no_broker_is_one_line_and_exit_2(tmp_path):
    env = {"IPRX_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19399", "PATH": "/usr/bin:/bin"}
    started = time.monotonic()
    for args in (["status"], ["status", "--json"], ["watermark"]):  # watermark: before its --timeout of 300 s
        result = iprx(env, *args)
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: no Kafka broker answered at 127.0.0.1:19399"), lines
    assert time.monotonic() - started < 30  # bounded: a few seconds each, not the client's default 30 (or --timeout)
