"""Malformed input of every kind ends in one typed error with a precise reason, never a bare
fastavro or struct exception, so processors can dead-letter it."""

import copy
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastavro import schemaless_writer
from iprx.schemas import DecodeError, EncodeError, SingleObjectCodec, default_catalog
from iprx.schemas.catalog import SchemaCatalog

codec = SingleObjectCodec()
PARTY = default_catalog().get("iprx.common.Party")


def zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def party_message(body: bytes) -> bytes:
    return b"\xc3\x01" + PARTY.fingerprint + body


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (zigzag(5), "decode.malformed", "Party"),  # union branch 5 of a two-branch union
        (zigzag(0) + zigzag(2) + b"\xff\xfe" + zigzag(0) + b"\x00", "decode.malformed", "Party"),  # invalid UTF-8
        (
            zigzag(0) + zigzag(-3),
            "decode.truncated",
            "ends early",
        ),  # negative string length: fastavro reads past the end
        (zigzag(0) + zigzag(40) + b"abc", "decode.truncated", "ends early"),  # string longer than the message
        (zigzag(0) + zigzag(1) + b"a" + zigzag(0), "decode.truncated", "ends early"),  # record cut before the end
    ],
)
def test_data_that_does_not_match_the_schema(body, code, words):
    with pytest.raises(DecodeError) as err:
        codec.decode(party_message(body))
    assert err.value.code == code
    assert words in err.value.reason


def test_a_writer_enum_symbol_the_reader_cannot_map_is_unresolvable(tmp_path):
    """Only possible with an enum without default, which the project's schemas never have."""
    old = {
        "type": "record",
        "name": "R",
        "namespace": "t",
        "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "GONE"]}}],
    }
    new = copy.deepcopy(old)
    new["fields"][0]["type"]["symbols"] = ["A", "B"]
    (tmp_path / "avro").mkdir()
    (tmp_path / "avro" / "t.R.avsc").write_text(json.dumps(new))
    (tmp_path / "history" / "t.R").mkdir(parents=True)
    (tmp_path / "history" / "t.R" / "v1.avsc").write_text(json.dumps(old))
    catalog = SchemaCatalog(tmp_path / "avro", tmp_path / "history")
    v1 = catalog.versions("t.R")[0]
    local = SingleObjectCodec(catalog)
    buf = io.BytesIO()
    schemaless_writer(buf, v1.parsed, {"e": "GONE"})
    with pytest.raises(DecodeError) as err:
        local.decode(b"\xc3\x01" + v1.fingerprint + buf.getvalue())
    assert err.value.code == "decode.unresolvable"
    assert "t.R v1" in err.value.reason
    buf = io.BytesIO()
    schemaless_writer(buf, v1.parsed, {"e": "B"})
    assert local.decode(b"\xc3\x01" + v1.fingerprint + buf.getvalue()) == ("t.R", {"e": "B"})


CASE = default_catalog().get("iprx.case.CaseOpened")
VALID_CASE = {
    "header": {
        "event_id": "6f1d3c2a-0b7e-4d5f-9a8c-1e2f3a4b5c6d",
        "event_type": "case.opened",
        "occurred_at": datetime(2026, 3, 1, tzinfo=UTC),
        "published_at": datetime(2026, 3, 1, 0, 5, tzinfo=UTC),
        "publisher": "CN/PROV/440000/copyright",
        "jurisdiction": "440300",
    },
    "case_id": "粤版权罚-2026-12号",
    "authority": {"name": "Guangdong Copyright Administration"},
    "subject": {
        "subject_type": "ENTERPRISE",
        "id": "91440300MA5XXXXXXX",
        "name": "Example Ltd",
        "jurisdiction": "440300",
    },
    "opened_at": datetime(2026, 3, 1, tzinfo=UTC),
    "metrics": {"illegal_business_volume_cny": Decimal("80000.00"), "illegal_gains_cny": Decimal("31000.50")},
}


def test_the_valid_record_encodes():
    _, decoded = codec.decode(codec.encode(CASE.name, VALID_CASE))
    assert decoded["metrics"]["infringing_copies"] == 0  # omitted fields take their defaults
    assert decoded["case_id"] == VALID_CASE["case_id"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda r: r["subject"].update(subject_type="ALIEN"), "iprx.common.Subject.subject_type", "ALIEN"),
        (lambda r: r.pop("case_id"), "iprx.case.CaseOpened.case_id", "expected string"),
        (lambda r: r["metrics"].update(works="many"), "iprx.case.CaseMetrics.works", "expected long"),
        (lambda r: r["metrics"].update(works=2**64), "iprx.case.CaseMetrics.works", "expected long"),
        (lambda r: r.update(opened_at="yesterday"), "iprx.case.CaseOpened.opened_at", "timestamp-millis"),
        (lambda r: r["metrics"].update(illegal_gains_cny=Decimal("1.234")), None, "Scale"),
        (lambda r: r["metrics"].update(illegal_gains_cny=Decimal(10) ** 20), None, "precision"),
    ],
)
def test_records_that_do_not_match_the_schema_raise_encode_error(change, field, words):
    record = copy.deepcopy(VALID_CASE)
    change(record)
    with pytest.raises(EncodeError) as err:
        codec.encode(CASE.name, record)
    assert err.value.code == "encode.invalid"
    assert err.value.field == field
    assert words in err.value.reason


def test_encoding_an_unknown_schema_names_the_known_ones():
    with pytest.raises(KeyError, match=r"iprx\.signal\.Signal"):
        codec.encode("iprx.nope.Nope", {})
