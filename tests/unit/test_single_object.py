import contextlib
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import avro.io
import avro.schema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iprx.schemas import DecodeError, EncodeError, SingleObjectCodec, default_catalog
from iprx.simulation.synthetic import seizures

SEIZURE = "iprx.seizure.SeizureRecorded"
codec = SingleObjectCodec()


def crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO exactly as the Avro specification writes it (an independent oracle)."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


def test_fingerprints_follow_the_specification():
    for schema in default_catalog()._by_name.values():
        expected = crc64_avro(schema.canonical.encode()).to_bytes(8, "little")
        assert schema.fingerprint == expected, schema.name


def test_seizure_round_trip():
    record = next(seizures(1, 1))
    record["header"]["published_at"] = datetime(2026, 2, 1, tzinfo=UTC)
    data = codec.encode(SEIZURE, record)
    assert data[:2] == b"\xc3\x01"
    name, decoded = codec.decode(data)
    assert name == SEIZURE
    assert decoded["header"]["event_id"] == uuid.UUID(record["header"]["event_id"])
    assert decoded["estimated_value_cny"] == record["estimated_value_cny"]
    assert decoded["exporter"] == record["exporter"]
    assert decoded["seized_at"] == record["seized_at"]


@settings(max_examples=200, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2),
    quantity=st.integers(min_value=0, max_value=2**62),
    text=st.text(max_size=40),
    millis=st.integers(min_value=0, max_value=4_102_444_800_000),
)
def test_property_any_valid_seizure_round_trips(value, quantity, text, millis):
    record = next(seizures(3, 1))
    at = datetime.fromtimestamp(millis / 1000, UTC)
    record["header"].update(published_at=at, occurred_at=at)
    record.update(estimated_value_cny=value, quantity=quantity, goods_description=text, concealment=text or None)
    _, decoded = codec.decode(codec.encode(SEIZURE, record))
    assert decoded["estimated_value_cny"] == value
    assert decoded["quantity"] == quantity
    assert decoded["goods_description"] == text
    assert decoded["header"]["occurred_at"] == at


def test_message_written_by_the_reference_avro_library_decodes():
    """Another Avro implementation (the `avro` package) plus hand-built single-object framing."""
    loaded = default_catalog().get(SEIZURE)
    schema = avro.schema.parse(loaded.canonical)  # canonical form: plain types, no logical types
    header = {
        "event_id": "3f1b0a52-8f0d-4c1e-9a55-2d4b7f0c9e11",
        "event_type": "seizure.recorded",
        "occurred_at": 1_767_225_600_000,
        "published_at": 1_767_225_601_000,
        "publisher": "CN/GOV/GACC/seizures",
        "jurisdiction": "440300",
        "causation_id": None,
        "correlation_id": None,
    }
    datum = {
        "header": header,
        "seizure_id": "5300-1",
        "customs_office_code": "5300",
        "seized_at": 1_767_225_600_000,
        "direction": "EXPORT",
        "transport_mode": "SEA",
        "declaration_no": None,
        "bill_of_lading": "BL1",
        "container_no": None,
        "hs_code": "852349",
        "goods_description": "discs",
        "ipr_type": "COPYRIGHT",
        "right_holder": None,
        "brand": None,
        "quantity": 500,
        "unit": "PCS",
        "estimated_value_cny": (1_234_567).to_bytes(4, "big", signed=True),  # 12,345.67 at scale 2
        "exporter": None,
        "consignee": None,
        "declarant": None,
        "origin_country": "CN",
        "destination_country": "US",
        "route": ["HKG"],
        "concealment": None,
        "disposition": None,
    }
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    fp = crc64_avro(loaded.canonical.encode()).to_bytes(8, "little")
    _, decoded = codec.decode(b"\xc3\x01" + fp + buf.getvalue())
    assert decoded["estimated_value_cny"] == Decimal("12345.67")
    assert decoded["header"]["occurred_at"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert decoded["route"] == ["HKG"]


def _valid() -> bytes:
    record = next(seizures(1, 1))
    record["header"]["published_at"] = datetime(2026, 2, 1, tzinfo=UTC)
    return codec.encode(SEIZURE, record)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "decode.truncated"),
        (b"\xc3\x01\x00", "decode.truncated"),
        (b"\x00\x00\x00\x00\x01hello world", "decode.bad_magic"),
        (b"\xc3\x01" + b"\xff" * 8 + b"\x00", "decode.unknown_fingerprint"),
        (_valid()[:-5], "decode.truncated"),
        (_valid() + b"\x00", "decode.trailing_bytes"),
    ],
)
def test_malformed_input_raises_one_typed_error(data, code):
    with pytest.raises(DecodeError) as err:
        codec.decode(data)
    assert err.value.code == code


def test_random_bytes_after_a_valid_header_never_escape_as_other_exceptions():
    import random

    rng = random.Random(0)
    fp = default_catalog().get(SEIZURE).fingerprint
    for _ in range(300):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        with contextlib.suppress(DecodeError):
            codec.decode(b"\xc3\x01" + fp + body)


def test_decode_checks_the_expected_schema():
    with pytest.raises(DecodeError) as err:
        codec.decode(_valid(), expect="iprx.signal.Signal")
    assert err.value.code == "decode.unexpected_schema"


def test_decode_accepts_any_of_several_expected_schemas():
    name, _ = codec.decode(_valid(), expect={"iprx.case.CaseOpened", SEIZURE})
    assert name == SEIZURE
    # The schema is checked before the body is read: a wrong schema is named as such, not as a malformed body.
    fp = default_catalog().get("iprx.signal.Signal").fingerprint
    with pytest.raises(DecodeError) as err:
        codec.decode(b"\xc3\x01" + fp + b"\x00", expect={"iprx.case.CaseOpened", SEIZURE})
    assert err.value.code == "decode.unexpected_schema"


def test_encode_error_names_the_field():
    record = next(seizures(1, 1))
    record["header"]["published_at"] = datetime(2026, 2, 1, tzinfo=UTC)
    record["quantity"] = "ten"
    with pytest.raises(EncodeError) as err:
        codec.encode(SEIZURE, record)
    assert err.value.field == "iprx.seizure.SeizureRecorded.quantity"
