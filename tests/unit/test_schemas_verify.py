"""`iprx schemas verify`: what a foreign publisher's sample is told, without Kafka."""

from __future__ import annotations

import io
import json
import socket

import avro.io
import avro.schema
import pytest
from fastavro import parse_schema, schemaless_writer
from iprx.cli.main import main
from iprx.cli.verify import Sample, python_avro_fingerprints, verify
from iprx.kernel import topics
from iprx.kernel.config import load_settings
from iprx.schemas import SingleObjectCodec, default_catalog
from iprx.simulation.synthetic import seizures

from tests.avro_records import uuids_as_text

SEIZURE = "iprx.seizure.SeizureRecorded"
catalog = default_catalog()


def seizure() -> dict:
    record = next(seizures(5, 1))
    record["header"]["published_at"] = record["header"]["occurred_at"]
    return record


def run_verify(tmp_path, value: bytes, capsys) -> tuple[int, str]:
    sample = tmp_path / "sample.bin"
    sample.write_bytes(value)
    code = main(["schemas", "verify", str(sample)])
    return code, capsys.readouterr().out


def test_a_valid_single_object_seizure_is_accepted(tmp_path, capsys):
    code, out = run_verify(tmp_path, SingleObjectCodec().encode(SEIZURE, seizure()), capsys)
    assert code == 0, out
    assert f"OK   {tmp_path / 'sample.bin'}: {SEIZURE}" in out
    assert f"fingerprint {catalog.get(SEIZURE).fingerprint.hex()}" in out
    assert "publish it to topic seizure" in out
    assert "1 accepted, 0 rejected" in out


def test_python_avro_fingerprints_differ_from_the_spec_for_logical_types():
    # The schema of seizures has timestamp-millis, decimal and uuid logical types.
    schema = catalog.get(SEIZURE)
    python = bytes(avro.schema.parse(schema.json).fingerprint("CRC-64-AVRO"))
    assert python != schema.fingerprint
    assert python_avro_fingerprints(catalog)[python].startswith(SEIZURE)


def test_a_message_framed_with_python_avros_fingerprint_is_rejected_with_the_reason(tmp_path, capsys):
    schema = catalog.get(SEIZURE)
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(schema.json)).write(uuids_as_text(seizure()), avro.io.BinaryEncoder(buf))
    python_fp = bytes(avro.schema.parse(schema.json).fingerprint("CRC-64-AVRO"))
    code, out = run_verify(tmp_path, b"\xc3\x01" + python_fp + buf.getvalue(), capsys)
    assert code == 1
    assert "decode.unknown_fingerprint" in out and "Apache avro for Python" in out
    assert f"iprx schemas show {SEIZURE}" in out


def test_an_unpublished_schema_change_is_rejected_as_unknown_fingerprint(tmp_path, capsys):
    changed = json.loads(catalog.get(SEIZURE).json)
    changed["fields"].append({"name": "vessel", "type": ["null", "string"], "default": None})
    # Compatible with the current schema, but no version here has its fingerprint.
    from iprx.schemas.catalog import compile_schema

    writer = compile_schema(SEIZURE, changed)
    buf = io.BytesIO()
    schemaless_writer(buf, parse_schema(changed), seizure() | {"vessel": None})
    code, out = run_verify(tmp_path, b"\xc3\x01" + writer.fingerprint + buf.getvalue(), capsys)
    assert code == 1
    assert "decode.unknown_fingerprint" in out and "not published here" in out


def test_domain_checks_apply_to_a_well_formed_message(tmp_path, capsys):
    record = seizure() | {"quantity": -5, "hs_code": "ABC"}
    code, out = run_verify(tmp_path, SingleObjectCodec().encode(SEIZURE, record), capsys)
    assert code == 1
    assert "problem: quantity: must be >= 0, got -5" in out
    assert "problem: hs_code: 'ABC' is not a 6, 8 or 10 digit HS code" in out


def test_an_event_type_of_another_schema_is_a_problem(tmp_path, capsys):
    record = seizure()
    record["header"]["event_type"] = "case.opened"
    code, out = run_verify(tmp_path, SingleObjectCodec().encode(SEIZURE, record), capsys)
    assert code == 1 and "header.event_type" in out


def test_confluent_framing_under_the_single_object_configuration_says_so(tmp_path, capsys):
    body = SingleObjectCodec().encode(SEIZURE, seizure())[10:]
    code, out = run_verify(tmp_path, b"\x00\x00\x00\x00\x07" + body, capsys)
    assert code == 1
    assert "decode.bad_magic" in out and "looks like the Confluent wire format" in out


def test_an_event_id_that_is_not_a_uuid_is_rejected(tmp_path, capsys):
    record = seizure()
    record["header"]["event_id"] = "seizure-17"
    schema = json.loads(catalog.get(SEIZURE).json)
    schema["fields"][0]["type"]["fields"][0]["type"] = "string"  # the same bytes, without the uuid check
    buf = io.BytesIO()
    schemaless_writer(buf, parse_schema(schema), record)
    code, out = run_verify(tmp_path, b"\xc3\x01" + catalog.get(SEIZURE).fingerprint + buf.getvalue(), capsys)
    assert code == 1
    assert "decode.malformed" in out and "UUID" in out


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_a_signal_may_not_be_published(tmp_path, capsys):
    signal = catalog.get("iprx.signal.Signal")
    from tests.avro_records import records

    value = SingleObjectCodec().encode(signal.name, records(signal.expanded).example())
    code, out = run_verify(tmp_path, value, capsys)
    assert code == 1 and "written only by the pipeline" in out


def test_key_and_headers_of_a_topic_record_are_checked():
    record = seizure()
    value = SingleObjectCodec().encode(SEIZURE, record)
    key = topics.SEIZURE.families[0].key(record).encode()
    right = [
        ("iprx-schema", SEIZURE.encode()),
        ("iprx-event-type", b"seizure.recorded"),
        ("iprx-publisher", record["header"]["publisher"].encode()),
    ]
    settings = load_settings(env={})
    good, wrong_key, no_headers, wrong_type = verify(
        [
            Sample("a", value, topics.SEIZURE, key, right),
            Sample("b", value, topics.SEIZURE, b"someone-else", right),
            Sample("c", value, topics.SEIZURE, key, []),
            Sample("d", value, topics.SEIZURE, key, [*right[:1], ("iprx-event-type", b"case.opened"), right[2]]),
        ],
        settings,
    )
    assert good.ok and not any("header" in n for n in good.notes)
    assert not wrong_key.ok and "record key 'someone-else'" in wrong_key.problems[0]
    assert no_headers.ok and sum("is missing" in n for n in no_headers.notes) == 3
    assert not wrong_type.ok and "iprx-event-type" in wrong_type.problems[0]


def test_a_schema_another_topic_carries_is_rejected_on_a_topic():
    record = seizure()
    [verdict] = verify(
        [Sample("x", SingleObjectCodec().encode(SEIZURE, record), topics.INSPECTION)], load_settings(env={})
    )
    assert not verdict.ok and "decode.unexpected_schema" in verdict.problems[0]


def test_a_missing_file_could_not_run(tmp_path, capsys):
    assert main(["schemas", "verify", str(tmp_path / "absent.bin")]) == 2


@pytest.mark.parametrize("argv", [["schemas", "verify"], ["schemas", "verify", "f", "--topic", "seizure"]])
def test_exactly_one_source(argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2


def test_a_topic_on_an_unreachable_broker_could_not_run(monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # released: nothing listens there
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{port}")
    assert main(["schemas", "verify", "--topic", "seizure"]) == 2
    assert "could not read seizure" in capsys.readouterr().err


def test_an_unknown_topic_could_not_run(capsys):
    assert main(["schemas", "verify", "--topic", "nope"]) == 2
    assert "'nope' is not a topic of the catalogue" in capsys.readouterr().err
