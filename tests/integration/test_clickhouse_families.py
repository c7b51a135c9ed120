"""Every landed schema on the real engine (chDB): generated records go through the sink and come back whole."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from iprx.kernel import record_checks
from iprx.kernel.config import load_settings
from iprx.kernel.topics import DEAD_LETTER_TABLE
from iprx.schemas import SingleObjectCodec, default_catalog
from iprx.sinks.base import Batch, SourceRecord
from iprx.sinks.clickhouse.migrations import load_migrations, migrate
from iprx.sinks.clickhouse.rows import MAPPINGS
from iprx.sinks.clickhouse.sink import ClickHouseSink
from iprx.sinks.clickhouse.store import Store

from tests.avro_records import records
from tests.clickhouse_events import case_closed, case_opened, case_referred, header, inspection

pytestmark = pytest.mark.integration
catalog = default_catalog()
codec = SingleObjectCodec(catalog)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MESSAGES = [
    s.name
    for s in catalog
    if s.expanded["type"] == "record" and any(f["name"] == "header" for f in s.expanded["fields"])
]


@pytest.fixture
def store(tmp_path):
    with Store(load_settings(env={"IPRX_DATA_DIR": str(tmp_path)}), "test") as s:
        migrate(s.client, s.database)
        yield s


def test_every_message_schema_and_every_topic_lands():
    assert set(MESSAGES) | {"iprx.deadletter.DeadLetter"} == set(MAPPINGS)


# --- what "landed" means -------------------------------------------------------------------------


def _scalar(value: Any) -> tuple[str, Any]:
    """A value in a form comparable across Avro and ClickHouse (UUIDs as text, times as epoch ms)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float | Decimal):
        return ("number", value)
    if isinstance(value, uuid.UUID):
        return ("text", str(value))
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # ClickHouse returns naive UTC
        return ("time", (aware - EPOCH) // timedelta(milliseconds=1))
    if isinstance(value, bytes):
        return ("bytes", value)
    return ("text", value)


def leaves(value: Any) -> list[tuple[str, Any]]:
    """Every non-null scalar inside ``value`` (record and map values, array elements, tuples)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaves(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in leaves(v)]
    return [_scalar(value)]


def _record_type(avro_type: Any, named: dict[str, Any]) -> dict[str, Any] | None:
    """The record schema of a field's type (through a nullable union or a name), else None."""
    if isinstance(avro_type, list):
        branches = [b for b in avro_type if b != "null"]
        return _record_type(branches[0], named) if len(branches) == 1 else None
    if isinstance(avro_type, str):
        return named.get(avro_type)
    if avro_type.get("type") == "record":
        named[avro_type["name"]] = named[f"{avro_type.get('namespace', '')}.{avro_type['name']}"] = avro_type
        for field in avro_type["fields"]:
            _record_type(field["type"], named)  # register nested named types
        return avro_type
    return None


def unlanded_fields(schema: dict[str, Any], columns: list[str], named: dict[str, Any]) -> list[str]:
    """Fields with no column: a column is named after the field, or prefixed with it (``field_x``,
    ``field.x``); a record flattened without a prefix (the header, case metrics) lands if its fields do."""
    missing = []
    for field in schema["fields"]:
        name = field["name"]
        if any(c == name or c.startswith((f"{name}_", f"{name}.")) for c in columns):
            continue
        record = _record_type(field["type"], named)
        if record is None or unlanded_fields(record, columns, named):
            missing.append(name)
    return missing


# --- the test ------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema_name", sorted(MAPPINGS))
def test_every_field_of_a_generated_record_lands(store, schema_name, monkeypatch):
    # Generated values are schema-valid, not domain-valid (codes, ids, times): this test is about the
    # mapping to columns, so the sink's domain checks (tested in test_foreign_records) are off here.
    monkeypatch.setattr(record_checks, "CHECKS", {})
    schema = catalog.get(schema_name).expanded
    table = MAPPINGS[schema_name].table
    sink = ClickHouseSink(store)
    offsets = itertools.count()
    topic = f"t.{schema_name}"
    named: dict[str, Any] = {}
    _record_type(schema, named)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record=records(schema))
    def lands_whole(record):
        offset = next(offsets)
        sink.write(Batch(topic, 0, [SourceRecord(offset, codec.encode(schema_name, record), 0)]))
        result = store.client.query(
            f"SELECT * FROM iprx.{table} WHERE _topic = {{t:String}} AND _offset = {{o:Int64}}",
            parameters={"t": topic, "o": offset},
            column_formats={"payload": "bytes"},
        )
        assert len(result.result_rows) == 1, "one Kafka record is one row"
        row = dict(zip(result.column_names, result.result_rows[0], strict=True))
        if table == DEAD_LETTER_TABLE:
            assert row["dead_letter_id"] == record["dead_letter_id"], f"the sink rejected it: {row['reason']}"
        else:
            dead = store.client.query(
                "SELECT reason FROM iprx.dead_letters WHERE _topic = {t:String} AND _offset = {o:Int64}",
                parameters={"t": topic, "o": offset},
            ).result_rows
            assert not dead, f"{schema_name} became a dead letter: {dead}"

        assert unlanded_fields(schema, list(row), named) == []
        landed = set(leaves(row))
        for field in schema["fields"]:
            if (schema_name, field["name"]) == ("iprx.deadletter.DeadLetter", "headers"):
                continue  # Kafka header values (bytes) come back as text; test_foreign_records reads them
            lost = [v for v in leaves(record[field["name"]]) if v not in landed]
            assert not lost, f"{schema_name}.{field['name']}: values {lost[:3]} are in no column"

    lands_whole()


def test_upgrading_a_store_keeps_what_landed_before(store):
    """Rows landed under 0001 read sensible values in the columns later migrations add."""
    client = store.client
    client.command("DROP DATABASE iprx SYNC")
    migrate(client, "iprx", load_migrations()[:1])
    signal_id = uuid.uuid4()
    client.insert(
        "iprx.signals",
        [[signal_id, EPOCH, EPOCH, "p", "110000", "seizure.significant", 7, "v", "ENFORCEMENT", "HIGH", "S", "x", 1.0,
          {}, "r", [], "t", 0, 0]],
        column_names=["signal_id", "occurred_at", "published_at", "publisher", "jurisdiction", "rule_id",
                      "rule_version", "ruleset_version", "category", "severity", "subject_type", "subject_id", "score",
                      "metrics", "reason", "evidence", "_topic", "_partition", "_offset"],
    )  # fmt: skip
    assert [m.version for m in migrate(client, "iprx")] == [m.version for m in load_migrations()[1:]]
    assert client.query(
        "SELECT event_id, event_type, rule_version, subject_name, correlation_id FROM iprx.signals"
    ).result_rows == [(signal_id, "signal.raised", 7, None, None)]


def test_one_batch_mixing_case_events_and_inspections_lands_each_in_its_table(store):
    """The inspection topic carries inspections and all four case events; one insert takes every case event."""
    at = datetime(2026, 5, 1, tzinfo=UTC)
    decided = {
        "header": header("case.accepted", at),
        "case_id": "C1",
        "decided_at": at,
        "decision": "ACCEPTED",
        "police_case_no": "P-1",
        "reason": None,
    }
    mixed = [
        ("iprx.case.CaseOpened", case_opened("C1", at, gains="30000.00")),
        ("iprx.inspection.InspectionCompleted", inspection("110000", at, [])),
        ("iprx.case.CaseReferred", case_referred("C1", at)),
        ("iprx.case.CaseReferralDecided", decided),
        ("iprx.case.CaseClosed", case_closed("C1", at)),
    ]
    batch = Batch("t.inspection", 0, [SourceRecord(i, codec.encode(n, r), 0) for i, (n, r) in enumerate(mixed)])
    ClickHouseSink(store).write(batch)

    assert store.client.query("SELECT count() FROM iprx.dead_letters").result_rows == [(0,)]
    assert store.client.query("SELECT _offset FROM iprx.inspections").result_rows == [(1,)]
    assert store.client.query(
        "SELECT case_event, _offset, illegal_gains_cny, police_case_no, fine_cny FROM iprx.cases ORDER BY _offset"
    ).result_rows == [
        ("opened", 0, Decimal("30000"), None, None),
        ("referred", 2, Decimal("0"), None, None),
        ("referral_decided", 3, None, "P-1", None),
        ("closed", 4, None, None, Decimal("1000")),
    ]
