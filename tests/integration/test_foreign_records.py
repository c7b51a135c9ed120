"""Records from publishers that skip the Python Publisher's checks, end to end on the real broker and chDB.

Worker and sink run the same admission (kernel/admission.py): an invalid seizure written raw (as a Java
publisher might), valid Avro of the wrong family, a forged Signal on the seizure topic, a value beyond
decimal(18, 2) and a tombstone are dead-lettered by both with the same reason, land in no table and
raise no signal; a 1,000,000-byte undecodable value does not stop the valid seizures behind it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import fastavro
import pytest
from iprx.kernel.config import load_settings
from iprx.kernel.dead_letters import DEAD_LETTER_SCHEMA
from iprx.kernel.kafka_admin import create_topics
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.schemas import SingleObjectCodec, default_catalog
from iprx.simulation.synthetic import seizures
from iprx.sinks.base import Batch, SourceRecord
from iprx.sinks.clickhouse.migrations import migrate
from iprx.sinks.clickhouse.sink import ClickHouseSink
from iprx.sinks.clickhouse.store import Store
from iprx.stream_processors.signals import SIGNAL_SCHEMA, Evidence, Signal, to_record
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.conftest import PipelineEnv

pytestmark = pytest.mark.integration
SEIZURE = "iprx.seizure.SeizureRecorded"
FOREIGN = "XX/GOV/JAVA/seizures"  # the iprx-publisher header a foreign publisher sets
HIGH = Decimal("2500000.00")  # >= 1M CNY: seizure.significant (DESIGN.md §4)
VALID_AFTER_HUGE = 20


def foreign_encode(schema_name: str, record: dict) -> bytes:
    """Avro single-object encoding by plain fastavro: no domain checks, as another language would write it."""
    schema = default_catalog().get(schema_name)
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema.parsed, record)
    return b"\xc3\x01" + schema.fingerprint + body.getvalue()


def seizure(seed: int, **changes) -> dict:
    record = next(seizures(seed, 1))
    now = datetime.now(UTC).replace(microsecond=0)
    record["header"].update(occurred_at=now - timedelta(hours=1), published_at=now)
    record["seizure_id"] = f"FOREIGN-{seed}"  # synthetic ids restart per seed
    record["estimated_value_cny"] = HIGH
    record.update(changes)
    return record


class Run:
    """What was sent where, and the tables after worker and sink caught up."""

    def __init__(self, env: PipelineEnv) -> None:
        self.settings = env.settings()
        self.bad = seizure(1, quantity=-5, hs_code="ABC")
        self.bad["header"]["occurred_at"] = datetime.now(UTC) + timedelta(days=10)
        self.huge_value = seizure(2, estimated_value_cny=Decimal("1E+30"))
        self.wrong_family = seizure(3)
        self.after_huge = [seizure(100 + i) for i in range(VALID_AFTER_HUGE)]
        forged = Signal(
            "seizure.significant", 1, "forged", "ENFORCEMENT", "HIGH", "ENTERPRISE", "914403001922038216",
            "440300", datetime.now(UTC), 1.0, "forged", (Evidence(self.bad["header"]["event_id"], "x", 0, 0),),
        )  # fmt: skip
        self.forged_signal_id = str(forged.signal_id)
        seizure_topic, inspection_topic = self.settings.topic("seizure"), self.settings.topic("inspection")
        # name -> (topic, partition, value)
        self.sent = {
            "bad": (seizure_topic, 1, foreign_encode(SEIZURE, self.bad)),
            "huge_value": (seizure_topic, 1, foreign_encode(SEIZURE, self.huge_value)),
            "wrong_family": (inspection_topic, 0, foreign_encode(SEIZURE, self.wrong_family)),
            "forged_signal": (seizure_topic, 1, foreign_encode(SIGNAL_SCHEMA, to_record(forged, datetime.now(UTC)))),
            "tombstone": (seizure_topic, 1, None),
            "huge_payload": (seizure_topic, 0, b"\x8a\x17" + b"\xab" * 999_998),
        }
        producer = KafkaProducer(
            bootstrap_servers=self.settings.kafka.bootstrap_servers, acks="all", max_request_size=2_000_000
        )
        headers = [("iprx-publisher", FOREIGN.encode()), ("x-trace", b"abc")]
        self.offsets = {}
        for name, (topic, partition, value) in self.sent.items():
            meta = producer.send(topic, value=value, key=name.encode(), partition=partition, headers=headers)
            self.offsets[name] = meta.get(timeout=30).offset
        # Behind the huge value on the same partition: the rest of the worker's batch.
        for record in self.after_huge:
            producer.send(seizure_topic, value=foreign_encode(SEIZURE, record), partition=0, headers=headers)
        producer.flush()
        producer.close()
        children = [Child(n, [n], env.data_dir, env.process_env()) for n in ("worker", "sink")]
        try:
            wait_until_caught_up(self.settings, pipeline_groups(self.settings), children, timeout_s=240)
        finally:
            for child in children:
                child.stop()
        self.worker_dead = self._worker_dead_letters()
        with Store(self.settings, "test") as store:
            q = store.client.query
            self.dead = q(
                "SELECT source_topic, source_partition, source_offset, stage, error_type, field, reason, publisher,"
                " headers, payload_size, length(payload), payload_sha256, toString(dead_letter_id)"
                " FROM iprx.dead_letters FINAL"
            ).result_rows
            self.seizure_ids = {r[0] for r in q("SELECT seizure_id FROM iprx.seizures").result_rows}
            self.signals = q("SELECT toString(signal_id), rule_id, evidence.event_id FROM iprx.signals").result_rows
            self.notices = {r[0] for r in q("SELECT seizure_id FROM iprx.partner_notices_sent").result_rows}
            self.inspections = q("SELECT count() FROM iprx.inspections").result_rows[0][0]

    def _worker_dead_letters(self) -> list[dict]:
        """The dead letters on the dead-letter topic: the worker's verdicts, before any table merges them."""
        topic = self.settings.topic("deadletter")
        consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka.bootstrap_servers, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            end = consumer.end_offsets(partitions)
            records = []
            while any(consumer.position(p) < end[p] for p in partitions):
                for batch in consumer.poll(timeout_ms=1000).values():
                    records += [SingleObjectCodec().decode(r.value, expect=DEAD_LETTER_SCHEMA)[1] for r in batch]
            return records
        finally:
            consumer.close()

    def position(self, name: str) -> tuple[str, int, int]:
        topic, partition, _ = self.sent[name]
        return topic, partition, self.offsets[name]

    def dead_letters_of(self, name: str) -> list[tuple]:
        """The table's (merged) dead letters of the record sent as ``name``."""
        return [d for d in self.dead if (d[0], d[1], d[2]) == self.position(name)]

    def worker_verdict(self, name: str) -> tuple:
        [dead] = [
            d
            for d in self.worker_dead
            if (d["source_topic"], d["source_partition"], d["source_offset"]) == self.position(name)
        ]
        assert dead["stage"] == "worker.decode"
        return dead["error_type"], dead["field"]

    def table_verdict(self, name: str) -> tuple:
        [dead] = self.dead_letters_of(name)  # worker and sink wrote one dead_letter_id: one row
        return dead[4], dead[5]

    def signalled_events(self) -> set[str]:
        return {event_id for _, _, evidence in self.signals for event_id in evidence}


@pytest.fixture(scope="module")
def run(kafka_bootstrap, tmp_path_factory) -> Run:
    env = PipelineEnv(kafka_bootstrap, tmp_path_factory.mktemp("foreign"))
    create_topics(env.settings())
    return Run(env)


@pytest.fixture(scope="module")
def sink_verdicts(run, tmp_path_factory) -> dict[str, tuple]:
    """The sink's own verdicts: the same records through ClickHouseSink alone, into a fresh chDB."""
    settings = load_settings(env={"IPRX_DATA_DIR": str(tmp_path_factory.mktemp("sink-only"))})
    with Store(settings, "test") as store:
        migrate(store.client, store.database)
        sink = ClickHouseSink(store)
        for name, (topic, partition, value) in run.sent.items():
            sink.write(Batch(topic, partition, [SourceRecord(run.offsets[name], value, 0, ())]))
        rows = store.client.query(
            "SELECT source_offset, source_topic, source_partition, stage, error_type, field FROM iprx.dead_letters"
        ).result_rows
    by_position = {(r[1], r[2], r[0]): r for r in rows}
    # name -> (stage, error type, field) of its dead letter; None: the sink landed it
    return {name: by_position[p][3:] if (p := run.position(name)) in by_position else None for name in run.sent}


def assert_same_verdict(run, sink_verdicts, name: str, expected: tuple) -> None:
    """Worker, sink and the merged table row all give ``expected`` (error type, field) for ``name``."""
    assert run.worker_verdict(name) == expected
    assert sink_verdicts[name] == ("sink.decode", *expected)
    assert run.table_verdict(name) == expected


def test_a_bad_seizure_written_raw_is_rejected_by_worker_and_sink_alike(run, sink_verdicts):
    assert_same_verdict(run, sink_verdicts, "bad", ("check.future_time", "header.occurred_at"))
    [dead] = run.dead_letters_of("bad")
    for part in ("quantity: must be >= 0, got -5", "hs_code: 'ABC' is not", "is in the future"):
        assert part in dead[6]
    assert dead[7] == FOREIGN  # the publisher, from the record's header
    assert {"key": "x-trace", "value": "abc"} in dead[8]  # and its headers
    assert run.bad["seizure_id"] not in run.seizure_ids
    assert run.bad["header"]["event_id"] not in run.signalled_events()
    assert run.bad["seizure_id"] not in run.notices


def test_a_value_beyond_decimal_18_2_raises_no_signal_and_lands_nowhere(run, sink_verdicts):
    assert_same_verdict(run, sink_verdicts, "huge_value", ("check.out_of_range", "estimated_value_cny"))
    assert run.huge_value["header"]["event_id"] not in run.signalled_events()
    assert run.huge_value["seizure_id"] not in run.notices
    assert run.huge_value["seizure_id"] not in run.seizure_ids


def test_each_topic_takes_only_its_own_schemas(run, sink_verdicts):
    for name in ("wrong_family", "forged_signal"):
        assert_same_verdict(run, sink_verdicts, name, ("schema.wrong_topic", None))
    assert run.wrong_family["seizure_id"] not in run.seizure_ids  # not landed in the other family's table
    assert run.inspections == 0
    assert run.forged_signal_id not in {s[0] for s in run.signals}  # no forged signal


def test_a_tombstone_gets_one_reason_from_worker_and_sink(run, sink_verdicts):
    assert_same_verdict(run, sink_verdicts, "tombstone", ("decode.tombstone", None))


def test_an_oversized_record_is_dead_lettered_bounded_and_the_rest_of_the_batch_goes_on(run, sink_verdicts):
    assert_same_verdict(run, sink_verdicts, "huge_payload", ("decode.bad_magic", None))
    payload = run.sent["huge_payload"][2]
    [dead] = run.dead_letters_of("huge_payload")
    assert (dead[9], dead[10], dead[11]) == (len(payload), 64 << 10, hashlib.sha256(payload).hexdigest())
    # Exactly one record of the partition is dead: the huge one.
    assert [d for d in run.dead if (d[0], d[1]) == (run.sent["huge_payload"][0], 0)] == [dead]
    wanted = {r["header"]["event_id"] for r in run.after_huge}
    significant = [s for s in run.signals if s[1] == "seizure.significant" and set(s[2]) & wanted]
    assert len({s[0] for s in significant}) == VALID_AFTER_HUGE
    assert {r["seizure_id"] for r in run.after_huge} <= run.seizure_ids
