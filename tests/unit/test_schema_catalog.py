"""Every event type round-trips, every published version decodes into the current schema, and
messages written by the reference `avro` library decode too."""

import contextlib
import io
import json

import avro.io
import avro.schema
import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iprx.schemas import DecodeError, SchemaError, SingleObjectCodec, default_catalog
from iprx.schemas.catalog import SchemaCatalog, load_directory, load_history
from iprx.schemas.history import snapshot

from tests.avro_records import records, uuids_as_text

catalog = default_catalog()
codec = SingleObjectCodec()
RECORDS = [s for s in catalog if s.expanded["type"] == "record"]
OLD_VERSIONS = [v for s in catalog for v in catalog.versions(s.name) if v.fingerprint != s.fingerprint]
EVENT_FAMILIES = {
    "iprx.procurement.ProcurementRelease",
    "iprx.inspection.InspectionCompleted",
    "iprx.case.CaseOpened",
    "iprx.case.CaseReferred",
    "iprx.case.CaseReferralDecided",
    "iprx.case.CaseClosed",
    "iprx.seizure.SeizureRecorded",
    "iprx.cooperation.PartnerNoticeReceived",
    "iprx.cooperation.PartnerNoticeSent",
    "iprx.signal.Signal",
    "iprx.deadletter.DeadLetter",
}
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_event_family_has_a_schema_and_events_carry_the_common_header():
    assert set(catalog.names()) >= EVENT_FAMILIES
    for name in EVENT_FAMILIES - {"iprx.deadletter.DeadLetter"}:
        first = catalog.get(name).expanded["fields"][0]
        assert first["name"] == "header" and first["type"]["name"].endswith("EventHeader"), name


def test_every_enum_can_evolve_and_every_field_is_documented_or_obvious():
    def walk(schema):
        if isinstance(schema, list):
            for branch in schema:
                yield from walk(branch)
        elif isinstance(schema, dict):
            yield schema
            for f in schema.get("fields", []):
                yield from walk(f["type"])
            for key in ("items", "values"):
                if key in schema:
                    yield from walk(schema[key])

    for s in catalog:
        for node in walk(s.expanded):
            if node.get("type") == "enum":
                assert node.get("default") in node["symbols"], f"{s.name}: enum {node['name']} needs a default"
            if node.get("type") == "record":
                assert node.get("doc"), f"{s.name}: record {node['name']} needs a doc"


def test_money_uses_decimal_and_times_use_timestamp_millis():
    text = json.dumps([s.expanded for s in catalog])
    assert '"logicalType": "decimal"' in text
    for s in RECORDS:
        for f in s.expanded["fields"]:
            if f["name"].endswith("_at") and f["type"] != "iprx.common.EventHeader":
                assert f["type"] == {"type": "long", "logicalType": "timestamp-millis"}, f"{s.name}.{f['name']}"
            if f["name"].endswith("_cny"):
                assert "decimal" in json.dumps(f["type"]), f"{s.name}.{f['name']}"


@pytest.mark.parametrize("schema", RECORDS, ids=lambda s: s.name)
def test_property_every_record_type_round_trips(schema):
    @SLOW
    @given(record=records(schema.expanded))
    def round_trip(record):
        name, decoded = codec.decode(codec.encode(schema.name, record), expect=schema.name)
        assert name == schema.name
        assert decoded == record

    round_trip()


@pytest.mark.parametrize("schema", RECORDS, ids=lambda s: s.name)
def test_property_messages_written_by_the_avro_library_decode(schema):
    """The reference `avro` implementation writes the body; the single-object framing is built by hand."""
    writer_schema = avro.schema.parse(json.dumps(schema.expanded))
    # avro-python's canonical_form keeps {"type": "long"} for logical types, against the spec's
    # [PRIMITIVES] rule, so its fingerprint of the full schema differs from every other implementation.
    # Its fingerprint of the Parsing Canonical Form itself is the spec's.
    fingerprint = avro.schema.parse(schema.canonical).fingerprint("CRC-64-AVRO")

    @SLOW
    @given(record=records(schema.expanded))
    def foreign(record):
        buf = io.BytesIO()
        avro.io.DatumWriter(writer_schema).write(uuids_as_text(record), avro.io.BinaryEncoder(buf))
        framed = b"\xc3\x01" + fingerprint + buf.getvalue()
        assert codec.decode(framed) == (schema.name, record)

    foreign()


def test_history_holds_the_current_version_of_every_schema(tmp_path):
    """A changed schema must be published with `iprx schemas snapshot` before it can land."""
    for s in catalog:
        assert s.version is not None, f"{s.name} changed but has no history entry; run `iprx schemas snapshot`"
        assert catalog.versions(s.name)[-1].fingerprint == s.fingerprint, s.name


def test_snapshot_writes_only_changed_schemas(tmp_path):
    avro_dir = tmp_path / "avro"
    avro_dir.mkdir()
    (avro_dir / "t.R.avsc").write_text(json.dumps({"type": "record", "name": "R", "namespace": "t", "fields": []}))
    history = tmp_path / "history"
    assert snapshot(avro_dir, history) == [("t.R", 1)]
    assert snapshot(avro_dir, history) == []
    (avro_dir / "t.R.avsc").write_text(
        json.dumps(
            {"type": "record", "name": "R", "namespace": "t", "fields": [{"name": "a", "type": "int", "default": 0}]}
        )
    )
    assert snapshot(avro_dir, history) == [("t.R", 2)]
    assert [v.version for v in load_history(history)["t.R"]] == [1, 2]
    assert SchemaCatalog(avro_dir, history).get("t.R").version == 2


@pytest.mark.parametrize("old", OLD_VERSIONS, ids=lambda s: f"{s.name}-v{s.version}")
def test_property_every_older_version_decodes_into_the_current_schema(old):
    current = catalog.get(old.name)
    assert OLD_VERSIONS, "the history must hold at least one superseded version"
    fields_now = {f["name"]: f for f in current.expanded["fields"]}
    fields_then = {f["name"] for f in old.expanded["fields"]}

    @SLOW
    @given(record=records(old.expanded))
    def decode_old(record):
        buf = io.BytesIO()
        schemaless_writer(buf, old.parsed, record)
        name, decoded = codec.decode(b"\xc3\x01" + old.fingerprint + buf.getvalue())
        assert name == old.name
        assert set(decoded) == set(fields_now)
        for field, spec in fields_now.items():
            if field in fields_then:
                assert decoded[field] == record[field], field
            else:
                assert decoded[field] == spec["default"], field  # a field added later takes its default

    decode_old()


def test_the_history_really_contains_superseded_versions():
    assert {s.name for s in OLD_VERSIONS} >= {"iprx.seizure.SeizureRecorded", "iprx.signal.Signal"}


def test_a_version_unknown_to_the_reader_is_a_typed_error():
    old = catalog.versions("iprx.signal.Signal")[0]
    without_history = SchemaCatalog(history=None)
    with pytest.raises(DecodeError) as err:
        SingleObjectCodec(without_history).decode(b"\xc3\x01" + old.fingerprint + b"\x00" * 20)
    assert err.value.code == "decode.unknown_fingerprint"


def test_misnamed_or_broken_schema_files_are_refused(tmp_path):
    (tmp_path / "a.B.avsc").write_text(json.dumps({"type": "record", "name": "C", "namespace": "a", "fields": []}))
    with pytest.raises(SchemaError, match=r"name the file a\.C\.avsc"):
        load_directory(tmp_path)
    (tmp_path / "a.B.avsc").write_text(
        json.dumps({"type": "record", "name": "B", "namespace": "a", "fields": [{"name": "x", "type": "a.Missing"}]})
    )
    with pytest.raises(SchemaError) as err:
        load_directory(tmp_path)
    assert err.value.code == "schema.invalid"


@given(st.binary(max_size=64))
@settings(max_examples=300, deadline=None)
def test_property_arbitrary_bytes_decode_or_raise_decode_error(data):
    for fp in (catalog.get("iprx.case.CaseOpened").fingerprint, catalog.versions("iprx.signal.Signal")[0].fingerprint):
        # Some inputs are valid records by chance; anything else must be a DecodeError, nothing else.
        with contextlib.suppress(DecodeError):
            codec.decode(b"\xc3\x01" + fp + data)
