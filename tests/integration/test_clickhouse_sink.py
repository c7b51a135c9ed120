"""The sink's ClickHouse side against the real engine (chDB on disk); no Kafka involved."""

from datetime import UTC, datetime

import pytest
from iprx.kernel import dead_letters
from iprx.kernel.config import load_settings
from iprx.schemas import DecodeError, SingleObjectCodec
from iprx.simulation.synthetic import seizures
from iprx.sinks.base import Batch, Progress, SourceRecord
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable
from iprx.sinks.clickhouse.migrations import Migration, MigrationError, load_migrations, migrate
from iprx.sinks.clickhouse.sink import ClickHouseSink
from iprx.sinks.clickhouse.store import Store, StoreInUse
from iprx.stream_processors.signals import SIGNAL_SCHEMA, to_record

from tests.unit.rule_harness import RULEBOOK, Tick, at, drive, seizure

pytestmark = pytest.mark.integration
codec = SingleObjectCodec()
TOPIC = "t.seizure"


@pytest.fixture
def settings(tmp_path):
    return load_settings(env={"IPRX_DATA_DIR": str(tmp_path)})


@pytest.fixture
def store(settings):
    with Store(settings, "test") as s:
        migrate(s.client, s.database)
        yield s


def encoded(seed: int, count: int) -> list[tuple[dict, bytes]]:
    out = []
    for r in seizures(seed, count):
        r["header"]["published_at"] = datetime(2026, 7, 1, tzinfo=UTC)
        out.append((r, codec.encode("iprx.seizure.SeizureRecorded", r)))
    return out


def count(store: Store, table: str, final: bool = False) -> int:
    return store.client.query(f"SELECT count() FROM iprx.{table} {'FINAL' if final else ''}").result_rows[0][0]


def test_migrations_apply_once_and_refuse_edits(store):
    assert migrate(store.client, store.database) == []  # already applied by the fixture
    tables = {r[0] for r in store.client.query("SHOW TABLES FROM iprx").result_rows}
    assert {"seizures", "signals", "dead_letters", "schema_migrations"} <= tables
    edited = [Migration(m.version, m.name, m.sql + "\n-- edited") for m in load_migrations()]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(store.client, store.database, edited)


def test_batch_lands_good_rows_and_dead_letters_with_reasons(store):
    good = encoded(1, 5)
    values = [good[0][1], b"\x00 random garbage bytes", good[1][1], good[2][1][:-4], good[3][1], None, good[4][1]]
    batch = Batch(TOPIC, 0, [SourceRecord(100 + i, v, 0) for i, v in enumerate(values)])
    ClickHouseSink(store).write(batch)

    rows = store.client.query("SELECT seizure_id, _offset, estimated_value_cny FROM iprx.seizures ORDER BY _offset")
    assert [r[0] for r in rows.result_rows] == [good[i][0]["seizure_id"] for i in (0, 1, 3, 4)]
    assert [r[1] for r in rows.result_rows] == [100, 102, 104, 106]
    assert rows.result_rows[0][2] == good[0][0]["estimated_value_cny"]
    dead = store.client.query(
        "SELECT source_offset, stage, error_type, reason, payload_size FROM iprx.dead_letters ORDER BY source_offset"
    ).result_rows
    assert [(d[0], d[1], d[2]) for d in dead] == [
        (101, "sink.decode", "decode.bad_magic"),
        (103, "sink.decode", "decode.truncated"),
        (105, "sink.decode", "decode.tombstone"),
    ]
    assert "0020" in dead[0][3]  # the reason quotes the bytes it found
    assert dead[1][4] == len(good[2][1]) - 4


def test_replaying_a_batch_changes_nothing(store):
    good = encoded(2, 50)
    batch = Batch(TOPIC, 1, [SourceRecord(i, v, 0) for i, (_, v) in enumerate(good)])
    sink = ClickHouseSink(store)
    sink.write(batch)
    sink.write(batch)  # same offset range: the insert deduplication token makes it a no-op
    assert count(store, "seizures") == 50
    # A different cut of the same records gets a different token; ReplacingMergeTree still dedups by event_id.
    sink.write(Batch(TOPIC, 1, batch.records[10:30]))
    assert count(store, "seizures", final=True) == 50


def test_progress_is_the_last_batch_and_whether_all_of_it_landed(store):
    sink = ClickHouseSink(store)
    assert sink.progress(TOPIC, 0) is None
    good = encoded(3, 2)
    sink.write(Batch(TOPIC, 0, [SourceRecord(5, good[0][1], 0), SourceRecord(6, good[1][1], 0)]))
    assert sink.progress(TOPIC, 0) == Progress(5, 6, complete=True)
    sink.write(Batch(TOPIC, 0, [SourceRecord(7, b"bad", 0), SourceRecord(9, b"bad", 0)]))  # dead letters only
    assert sink.progress(TOPIC, 0) == Progress(7, 9, complete=True)
    assert sink.progress(TOPIC, 1) is None


def test_a_batch_stopped_by_one_unwritable_table_is_incomplete_and_its_replay_adds_each_row_once(store):
    # A constraint that fails every insert: the seizures table refuses writes (as with TOO_MANY_PARTS
    # or a read-only disk) while dead_letters and the progress table take them.
    store.client.command("ALTER TABLE iprx.seizures ADD CONSTRAINT unwritable CHECK 0")
    good = encoded(5, 4)
    values = [good[0][1], b"garbage", good[1][1], good[2][1], b"more garbage", good[3][1]]
    batch = Batch(TOPIC, 2, [SourceRecord(40 + i, v, 0) for i, v in enumerate(values)])
    sink = ClickHouseSink(store)
    sink.write(Batch(TOPIC, 2, [SourceRecord(39, b"earlier", 0)]))
    with pytest.raises(ClickHouseUnavailable, match="VIOLATED_CONSTRAINT"):
        sink.write(batch)
    # The dead letters of the batch are in, its seizures are not: the progress says so, not max(_offset).
    assert count(store, "dead_letters") == 3 and count(store, "seizures") == 0
    assert sink.progress(TOPIC, 2) == Progress(40, 45, complete=False)

    store.client.command("ALTER TABLE iprx.seizures DROP CONSTRAINT unwritable")
    sink.write(batch)  # the replay of exactly that range
    assert sink.progress(TOPIC, 2) == Progress(40, 45, complete=True)
    seizure_offsets = store.client.query("SELECT _offset FROM iprx.seizures ORDER BY _offset").result_rows
    dead_offsets = store.client.query("SELECT source_offset FROM iprx.dead_letters ORDER BY 1").result_rows
    assert [r[0] for r in seizure_offsets] == [40, 42, 43, 45]
    assert [r[0] for r in dead_offsets] == [39, 41, 44]  # no FINAL: the replay inserted no second copy


def test_dead_letter_records_and_garbage_in_one_batch_land_together(store):
    # A DeadLetter record decodes with a uuid.UUID id, the sink's own dead letters have a str one;
    # in one insert that used to raise AttributeError on every start of the sink.
    forwarded = dead_letters.from_kafka("worker.decode", ValueError("bad"), b"\x01", "iprx.seizure", 0, 17)
    record = codec.encode("iprx.deadletter.DeadLetter", forwarded)
    for topic in ("iprx.deadletter", "iprx.seizure"):  # its own topic, and an input topic
        ClickHouseSink(store).write(Batch(topic, 0, [SourceRecord(0, record, 0), SourceRecord(1, b"junk", 0)]))
    rows = store.client.query(
        "SELECT _topic, _offset, dead_letter_id, stage, reason, error_type FROM iprx.dead_letters "
        "ORDER BY _topic, _offset"
    ).result_rows
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("iprx.deadletter", 0, "worker.decode"),
        ("iprx.deadletter", 1, "sink.decode"),
        ("iprx.seizure", 0, "sink.decode"),  # a dead letter is not a seizure-topic schema
        ("iprx.seizure", 1, "sink.decode"),
    ]
    assert str(rows[0][2]) == forwarded["dead_letter_id"]
    assert rows[2][5] == "schema.wrong_topic"
    with pytest.raises(DecodeError) as junk:
        codec.decode(b"junk")
    assert rows[1][4] == rows[3][4] == junk.value.reason


def test_a_second_process_is_told_the_store_is_in_use(settings, store):
    with pytest.raises(StoreInUse, match="in use by pid"):
        Store(settings, "another command")


def test_a_row_clickhouse_refuses_becomes_a_dead_letter_and_the_rest_lands(store, monkeypatch):
    from iprx.sinks.clickhouse import rows as rows_module
    from iprx.sinks.clickhouse import sink as sink_module

    good = encoded(4, 5)
    poisoned = good[2][0]["seizure_id"]

    def to_row(record):
        row = rows_module.seizure_row(record)
        if record["seizure_id"] == poisoned:
            row["quantity"] = "a great many"  # a value no Int64 column can take
        return row

    mappings = dict(sink_module.MAPPINGS)
    mappings["iprx.seizure.SeizureRecorded"] = rows_module.TableMapping("seizures", to_row)
    monkeypatch.setattr(sink_module, "MAPPINGS", mappings)

    ClickHouseSink(store).write(Batch(TOPIC, 0, [SourceRecord(i, v, 0) for i, (_, v) in enumerate(good)]))

    landed = {r[0] for r in store.client.query("SELECT seizure_id FROM iprx.seizures").result_rows}
    assert landed == {r["seizure_id"] for r, _ in good} - {poisoned}
    [(stage, offset, field, reason)] = store.client.query(
        "SELECT stage, source_offset, field, reason FROM iprx.dead_letters"
    ).result_rows
    assert (stage, offset, field) == ("sink.insert", 2, "quantity")
    assert reason.startswith("column quantity (Int64): invalid literal for int()"), reason


def test_an_episode_shows_its_latest_revision_and_keeps_every_revision_in_the_history(store):
    rule = RULEBOOK.rule("seizure.repeat_offender")
    events = [seizure("a", at(0), "5300"), seizure("b", at(5), "2200"), seizure("c", at(40), "5300")]
    opened, revised = drive(rule, [*events, Tick(at(400))])[0]
    assert opened.signal_id == revised.signal_id and (opened.revision, revised.revision) == (0, 1)
    assert opened.occurred_at.month != events[2].occurred_at.month  # the latest seizure is in another month
    sink = ClickHouseSink(store)
    published = datetime(2026, 7, 1, tzinfo=UTC)
    first = Batch("t.signals", 0, [SourceRecord(0, codec.encode(SIGNAL_SCHEMA, to_record(opened, published)), 0)])
    sink.write(first)
    sink.write(Batch("t.signals", 0, [SourceRecord(1, codec.encode(SIGNAL_SCHEMA, to_record(revised, published)), 0)]))
    sink.write(first)  # a replay of the first batch (same offsets) changes nothing

    q = store.client.query
    current = q("SELECT signal_id, revision, length(evidence), occurred_at FROM iprx.signals FINAL").result_rows
    assert [(str(r[0]), r[1], r[2]) for r in current] == [(str(revised.signal_id), 1, 3)]
    assert current[0][3].replace(tzinfo=UTC) == opened.occurred_at  # every revision carries the episode's opening time
    history = q("SELECT revision, length(evidence) FROM iprx.signal_revisions FINAL ORDER BY revision").result_rows
    assert history == [(0, 2), (1, 3)]
