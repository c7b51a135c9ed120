"""A batch lands in every table or is replayed exactly: SIGKILL between any two inserts of mixed batches,
and a table that refuses writes across restarts (real Kafka, real chDB, the `iprx sink` process)."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime

import pytest
from iprx.kernel import topics
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.sinks.clickhouse.store import Store
from kafka import KafkaProducer

from tests.clickhouse_events import case_opened, case_referred, codec, inspection, migrate_without_merges, seizure

pytestmark = pytest.mark.integration
AT = datetime(2026, 5, 4, 10, tzinfo=UTC)
TABLES = ("seizures", "inspections", "cases", "dead_letters")
# A killed member's partitions go to the restarted sink once the broker notices (its minimum session).
SINK_ENV = {"IPRX_SINK_SESSION_TIMEOUT_MS": "6000"}


def prepare_store(settings, *extra_ddl: str) -> None:
    migrate_without_merges(settings, TABLES)
    with Store(settings, "test") as store:
        for ddl in extra_ddl:
            store.client.command(ddl)


def landed(settings) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables, duplicates included (no FINAL), as ``publish_mixed_batches`` lists them."""
    with Store(settings, "test") as store:
        query = {
            "seizures": "SELECT toString(event_id), _offset FROM iprx.seizures",
            "inspections": "SELECT toString(event_id), _offset FROM iprx.inspections",
            "cases": "SELECT toString(event_id), _offset FROM iprx.cases",
            "dead_letters": "SELECT source_topic, source_offset, stage FROM iprx.dead_letters",
        }
        return {t: sorted(store.client.query(q).result_rows) for t, q in query.items()}


# The store's seizures take quantities up to 255 only: a valid seizure of 300 units passes admission and is
# then refused by the insert (the client cannot convert it), as a value a migration has not caught up with
# would be, which makes the sink land that table's batch row by row.
NARROW_QUANTITY = "ALTER TABLE iprx.seizures MODIFY COLUMN quantity UInt8"


def publish_mixed_batches(settings) -> dict[str, list[tuple[object, ...]]]:
    """One batch on partition 0 of the inspection topic (inspections, cases, garbage, a tombstone) and one of
    the seizure topic (seizures, garbage, a value beyond decimal(18, 2) that admission refuses, and a seizure
    of 300 units that the insert refuses once ``NARROW_QUANTITY`` is applied).

    Returns the rows each table must end up with, as ``landed`` reads them.
    """
    out: dict[str, list[tuple[object, ...]]] = {t: [] for t in TABLES}
    inspection_topic, seizure_topic = settings.topic(topics.INSPECTION.name), settings.topic(topics.SEIZURE.name)
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    inspection_schema, seizure_schema = "iprx.inspection.InspectionCompleted", "iprx.seizure.SeizureRecorded"
    too_many = seizure("5302", "851713", AT, quantity=300, value="5.00")
    # (topic, schema to encode with or None for raw bytes, table it lands in or the dead letter's stage, value)
    sends: list[tuple[str, str | None, str, dict | bytes | None]] = [
        (inspection_topic, inspection_schema, "inspections", inspection("110000", AT, [(5, 5)])),
        (inspection_topic, "iprx.case.CaseOpened", "cases", case_opened("CASE-1", AT)),
        (inspection_topic, None, "sink.decode", b"not an event"),
        (inspection_topic, inspection_schema, "inspections", inspection("440300", AT, [(9, 2)])),
        (inspection_topic, "iprx.case.CaseReferred", "cases", case_referred("CASE-1", AT)),
        (inspection_topic, None, "sink.decode", None),
        (seizure_topic, seizure_schema, "seizures", seizure("5300", "851713", AT, quantity=3, value="120.00")),
        (seizure_topic, None, "sink.decode", b"\x00\x01 garbage"),
        (seizure_topic, seizure_schema, "sink.decode", seizure("5300", "851713", AT, quantity=1, value="1E+30")),
        (seizure_topic, seizure_schema, "sink.insert", too_many),
        (seizure_topic, seizure_schema, "seizures", seizure("5301", "640299", AT, quantity=7, value="99.50")),
    ]
    for topic, schema, lands, value in sends:
        payload = codec.encode(schema, value) if schema else value
        offset = producer.send(topic, value=payload, key=b"k", partition=0).get(timeout=30).offset
        if lands in TABLES:
            out[lands].append((str(value["header"]["event_id"]), offset))
        else:
            out["dead_letters"].append((topic, offset, lands))
    producer.close()
    for rows in out.values():
        rows.sort()
    return out


# Inserts of the two batches: inspection topic 'before', cases, dead_letters, inspections, 'after' (5);
# seizure topic 'before', dead_letters, then the refused seizures insert (not counted: it failed) replaced
# row by row by two seizures and the 300-unit seizure's dead letter, 'after' (6). More inserts happen if a
# poll splits a batch, never fewer.
INSERTS = 11


@pytest.mark.parametrize("kill_after", range(1, INSERTS + 1))
def test_a_sink_killed_after_any_insert_of_mixed_batches_lands_each_row_exactly_once(pipeline_env, kill_after):
    settings = pipeline_env.settings()
    prepare_store(settings, NARROW_QUANTITY)
    published = publish_mixed_batches(settings)
    sink_topics = [settings.topic(t.name) for t in (topics.INSPECTION, topics.SEIZURE)]

    env = pipeline_env.process_env(**SINK_ENV, IPRX_SINK_KILL_AFTER_INSERTS=str(kill_after))
    killed = Child(f"sink-killed-{kill_after}", ["sink"], pipeline_env.data_dir, env)
    try:
        assert killed.proc.wait(timeout=120) == -signal.SIGKILL, killed.tail()
    except subprocess.TimeoutExpired:
        pytest.fail(f"the sink made fewer than {kill_after} inserts in 120 s:\n{killed.tail(60)}")
    finally:
        killed.stop()
    assert f"IPRX_SINK_KILL_AFTER_INSERTS={kill_after} reached" in killed.log_path.read_text()

    restarted = Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**SINK_ENV))
    try:
        wait_until_caught_up(settings, [(settings.sink.group_id, sink_topics)], [restarted], timeout_s=120)
    finally:
        restarted.stop()
    assert landed(settings) == published


def test_a_table_refusing_writes_across_restarts_loses_nothing_once_it_takes_them_again(pipeline_env):
    """The fault probe of issue 13 item 6, bounded: seizures refuse every insert (a CHECK constraint
    that always fails stands in for a read-only disk or TOO_MANY_PARTS) while dead letters of the same
    batches land; the sink is stopped three times while it retries; then seizures take writes again."""
    settings = pipeline_env.settings()
    prepare_store(settings, "ALTER TABLE iprx.seizures ADD CONSTRAINT refuse_all CHECK 0")
    seizure_topic = settings.topic(topics.SEIZURE.name)
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    expected: dict[str, list[tuple[object, ...]]] = {t: [] for t in TABLES}
    for n in range(60):
        record = seizure(f"53{n % 10:02d}", "851713", AT, quantity=n + 1, value=f"{100 + n}.00")
        sent = producer.send(seizure_topic, codec.encode("iprx.seizure.SeizureRecorded", record), partition=n % 3)
        expected["seizures"].append((str(record["header"]["event_id"]), sent.get(timeout=30).offset))
    for partition in range(3):  # garbage at the end of each partition: a dead letter in every batch
        sent = producer.send(seizure_topic, b"garbage", partition=partition).get(timeout=30)
        expected["dead_letters"].append((seizure_topic, sent.offset, "sink.decode"))
    producer.close()
    for rows in expected.values():
        rows.sort()

    for round_ in range(3):
        child = Child(f"sink-refused-{round_}", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**SINK_ENV))
        try:
            deadline = time.monotonic() + 60
            while "ClickHouse unavailable" not in child.log_path.read_text() and time.monotonic() < deadline:
                child.check_alive()
                time.sleep(0.5)
            assert "VIOLATED_CONSTRAINT" in child.log_path.read_text(), child.tail()
        finally:
            child.stop()  # SIGTERM while it retries: its last flush lands what other tables take
    with Store(settings, "test") as store:
        assert store.client.query("SELECT count() FROM iprx.seizures").result_rows == [(0,)]
        store.client.command("ALTER TABLE iprx.seizures DROP CONSTRAINT refuse_all")

    child = Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**SINK_ENV))
    try:
        wait_until_caught_up(settings, [(settings.sink.group_id, [seizure_topic])], [child], timeout_s=120)
    finally:
        child.stop()
    assert landed(settings) == expected
