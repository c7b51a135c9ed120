"""The Confluent wire format against a real Confluent-compatible schema registry.

The registry is the session's `schema_registry_url` (tests/conftest.py): the vendored Karapace started
next to the test broker, or any Confluent-compatible one at IPRX_TEST_SCHEMA_REGISTRY_URL.
"""

from __future__ import annotations

import io
import json
import uuid

import avro.io
import avro.schema
import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from iprx.schemas import ConfluentCodec, DecodeError, RegistryError, SchemaRegistryClient, default_catalog

from tests.avro_records import records, uuids_as_text

pytestmark = pytest.mark.integration
catalog = default_catalog()
RECORDS = [s for s in catalog if s.expanded["type"] == "record"]


@pytest.fixture(scope="module")
def registry(schema_registry_url: str) -> SchemaRegistryClient:
    client = SchemaRegistryClient(schema_registry_url, timeout_s=10)
    try:
        client.subjects()
    except RegistryError as exc:
        pytest.fail(f"the schema registry at {schema_registry_url} does not answer: {exc}")
    return client


@pytest.mark.parametrize("schema", RECORDS, ids=lambda s: s.name)
def test_every_record_type_round_trips_through_the_registry(registry, schema):
    codec = ConfluentCodec(registry)

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record=records(schema.expanded))
    def round_trip(record):
        data = codec.encode(schema.name, record)
        assert data[:1] == b"\x00" and int.from_bytes(data[1:5], "big") == codec.schema_id(schema.name)
        # A fresh codec has no cache: the writer schema really comes from the registry by id.
        assert ConfluentCodec(SchemaRegistryClient(registry.url)).decode(data) == (schema.name, record)

    round_trip()


def test_an_older_version_registered_by_another_producer_decodes_into_the_current_schema(registry):
    old = catalog.versions("iprx.signal.Signal")[0]
    old_id = registry.register(f"iprx-test-{uuid.uuid4().hex[:8]}", json.dumps(old.expanded))
    record = records(old.expanded).example()
    buf = io.BytesIO()
    schemaless_writer(buf, old.parsed, record)
    name, decoded = ConfluentCodec(registry).decode(b"\x00" + old_id.to_bytes(4, "big") + buf.getvalue())
    assert name == "iprx.signal.Signal"
    assert decoded["subject_name"] is None  # added in v2, filled from its default
    assert decoded["rule_id"] == record["rule_id"]


def test_a_message_written_by_the_avro_library_decodes(registry):
    schema = catalog.get("iprx.case.CaseReferred")
    schema_id = ConfluentCodec(registry).schema_id(schema.name)
    record = records(schema.expanded).example()
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(schema.json)).write(uuids_as_text(record), avro.io.BinaryEncoder(buf))
    framed = b"\x00" + schema_id.to_bytes(4, "big") + buf.getvalue()
    assert ConfluentCodec(SchemaRegistryClient(registry.url)).decode(framed) == (schema.name, record)


def test_an_unknown_schema_id_is_a_decode_error(registry):
    with pytest.raises(DecodeError) as err:
        ConfluentCodec(registry).decode(b"\x00\x7f\xff\xff\xf0\x00")
    assert err.value.code == "decode.unknown_schema_id"


def test_the_registry_refuses_an_incompatible_change_under_full_transitive(registry):
    subject = f"iprx-test-{uuid.uuid4().hex[:8]}"
    base = {"type": "record", "name": "R", "namespace": "t", "fields": [{"name": "a", "type": "string"}]}
    registry.register(subject, json.dumps(base))
    registry.set_compatibility(subject, "FULL_TRANSITIVE")
    changed = dict(base, fields=[{"name": "a", "type": "int"}])
    with pytest.raises(RegistryError) as err:
        registry.register(subject, json.dumps(changed))
    assert err.value.code == "registry.incompatible"
