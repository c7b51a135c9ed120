"""The generated Avro writers and readers (schemas/compiled.py) agree with fastavro wherever they succeed.

For every record schema of the catalogue, current and published: the generated writer's bytes are
fastavro's for any valid record; the generated reader returns fastavro's values (types, Decimal
exponents and datetime time zones included) and stops where fastavro stops; and on any other input
(wrong Python types, garbage, truncated bodies) the codec's result is still fastavro's, because the
generated code refuses and fastavro runs.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastavro import schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iprx.schemas import DecodeError, EncodeError, default_catalog
from iprx.schemas.avro_body import read_body, write_body
from iprx.schemas.compiled import compile_decoder, compile_encoder

from tests.avro_records import records

catalog = default_catalog()
SCHEMAS = {
    f"{v.name}@{v.version}": v
    for s in catalog
    for v in [s, *catalog.versions(s.name)]
    if v.expanded["type"] == "record"
}
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exact(value: Any) -> Any:
    """``value`` with every type and representation spelled out: Decimal('1.0') and Decimal('1.00') differ."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, repr(value))


def fastavro_bytes(schema, record) -> bytes:
    buf = io.BytesIO()
    schemaless_writer(buf, schema.parsed, record)
    return buf.getvalue()


def fastavro_read(schema, data: bytes) -> tuple[dict[str, Any], int]:
    body = io.BytesIO(data)
    return schemaless_reader(body, schema.parsed, None), body.tell()


def test_every_schema_and_version_of_the_catalogue_has_a_generated_writer_and_reader():
    missing = [key for key, s in SCHEMAS.items() if s.encoder is None or s.decoder is None]
    assert missing == []


@pytest.mark.parametrize("key", sorted(SCHEMAS))
@EXAMPLES
@given(data=st.data())
def test_generated_writer_and_reader_agree_with_fastavro(key, data):
    schema = SCHEMAS[key]
    record = data.draw(records(schema.expanded))
    written = schema.encoder(record)
    assert written == fastavro_bytes(schema, record)
    got, end = schema.decoder(written, 0)
    want, want_end = fastavro_read(schema, written)
    assert (exact(got), end) == (exact(want), want_end)


def outcome(action) -> Any:
    try:
        return ("ok", exact(action()))
    except (DecodeError, EncodeError) as exc:
        return ("error", exc.code)


@pytest.mark.parametrize("key", sorted(SCHEMAS))
@EXAMPLES
@given(data=st.data())
def test_on_garbage_and_truncated_bodies_the_codec_reads_as_fastavro_does(key, data):
    schema = SCHEMAS[key]
    valid = schema.encoder(data.draw(records(schema.expanded)))
    garbage = data.draw(
        st.one_of(
            st.binary(max_size=64),
            st.integers(0, max(len(valid) - 1, 0)).map(lambda n: valid[:n]),  # truncated
            st.tuples(st.integers(0, max(len(valid) - 1, 0)), st.integers(0, 255)).map(
                lambda p: valid[: p[0]] + bytes([p[1]]) + valid[p[0] + 1 :]  # one byte changed
            ),
            st.binary(min_size=1, max_size=4).map(lambda tail: valid + tail),  # trailing bytes
        )
    )
    generated = schema.decoder
    try:
        got = generated(garbage, 0)
    except Exception:
        got = None
    if got is not None and got[1] == len(garbage):
        # Where the generated reader accepts a body, fastavro reads the same values from the same bytes.
        assert (exact(got[0]), got[1]) == (exact(fastavro_read(schema, garbage)[0]), len(garbage))
    # And the codec's answer, fast path or not, is the answer of fastavro alone.
    without = type(schema)(schema.name, schema.parsed, schema.canonical, schema.fingerprint, {}, schema.version)
    assert outcome(lambda: read_body(garbage, 0, schema, schema)) == outcome(
        lambda: read_body(garbage, 0, without, without)
    )


SEIZURE = catalog.get("iprx.seizure.SeizureRecorded")


def seizure(**changes: Any) -> dict[str, Any]:
    header = {
        "event_id": "6f1c1d1e-2b4f-4a8e-9c1a-1b2c3d4e5f60",
        "event_type": "seizure.recorded",
        "occurred_at": datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        "published_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "publisher": "CN/GOV/GACC/seizures",
        "jurisdiction": "CN-440300",
    }
    base = {
        "header": header,
        "seizure_id": "S-1",
        "customs_office_code": "5300",
        "seized_at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        "direction": "EXPORT",
        "transport_mode": "SEA",
        "hs_code": "852352",
        "goods_description": "memory cards",
        "ipr_type": "TRADEMARK",
        "quantity": 10,
        "unit": "PCS",
        "estimated_value_cny": Decimal("1200.50"),
        "route": ["CNSZX", "NLRTM"],
    }
    return base | changes


def codec_outcome(schema, record) -> Any:
    buf = io.BytesIO()
    try:
        write_body(buf, schema, record)
    except EncodeError as exc:
        return ("error", exc.code, str(exc))
    return ("ok", buf.getvalue())


@pytest.mark.parametrize(
    "changes",
    [
        {},  # missing optional fields take their defaults
        {"route": ("CNSZX",)},  # a tuple, which fastavro writes as an array
        {"quantity": True},  # a bool, which fastavro writes as a long
        {"estimated_value_cny": Decimal("1200.5")},  # fewer decimal places than the scale
        {"estimated_value_cny": b"\x01"},  # raw bytes for a decimal
        {"seized_at": 1_700_000_000_000},  # milliseconds for a timestamp
        {"quantity": 2**63},  # out of range
        {"direction": "SIDEWAYS"},  # not a symbol
        {"hs_code": 852352},  # wrong type
        {"estimated_value_cny": Decimal("1.005")},  # more decimal places than the scale
        {"estimated_value_cny": Decimal("NaN")},
        {"exporter": {"name": "only a name"}},  # an incomplete nested record
    ],
)
def test_values_the_generated_writer_refuses_are_written_or_refused_as_fastavro_does(changes):
    record = seizure(**changes)
    without = type(SEIZURE)(SEIZURE.name, SEIZURE.parsed, SEIZURE.canonical, SEIZURE.fingerprint, {}, SEIZURE.version)
    assert without.encoder is None
    assert codec_outcome(SEIZURE, record) == codec_outcome(without, record)


def test_schemas_outside_the_generated_subset_have_no_compiled_form():
    several = {"type": "record", "name": "R", "fields": [{"name": "x", "type": ["null", "string", "long"]}]}
    date = {"type": "record", "name": "D", "fields": [{"name": "d", "type": {"type": "int", "logicalType": "date"}}]}
    assert compile_encoder(several) is None  # fastavro picks among several types by validating each
    assert compile_decoder(several) is not None  # reading is driven by the written index
    assert compile_encoder(date) is None and compile_decoder(date) is None
