"""Dead letters (kernel/dead_letters.py): one reason vocabulary, a bounded payload with its hash, and the
source record's publisher and headers."""

from __future__ import annotations

import hashlib

from iprx.kernel import dead_letters
from iprx.kernel.checks import FieldError
from iprx.kernel.reasons import Reason, Rejected
from iprx.schemas import DecodeError, SingleObjectCodec


def test_the_dead_letter_of_an_oversized_payload_keeps_an_excerpt_and_the_hash():
    payload = bytes(range(256)) * 3907  # 1,000,192 bytes
    record = dead_letters.from_kafka("worker.decode", DecodeError("decode.bad_magic", "x"), payload, "t", 0, 7)
    assert record["payload"] == payload[: dead_letters.MAX_PAYLOAD] and dead_letters.MAX_PAYLOAD == 64 << 10
    assert record["payload_size"] == len(payload)
    assert record["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    encoded = SingleObjectCodec().encode(dead_letters.DEAD_LETTER_SCHEMA, record)
    assert len(encoded) < 70_000  # far below Kafka's 1,000,000-byte default message limit


def test_the_publisher_and_headers_of_the_source_record_are_kept():
    headers = [("iprx-publisher", b"US/GOV/CBP/ipr"), ("trace", None), ("big", b"x" * 5000)]
    record = dead_letters.from_kafka(
        "sink.decode", Rejected(Reason.TOMBSTONE, "no value"), None, "t", 1, 2, headers=headers
    )
    assert record["publisher"] == "US/GOV/CBP/ipr"
    assert [h["key"] for h in record["headers"]] == ["iprx-publisher", "trace", "big"]
    assert record["headers"][1]["value"] is None
    assert len(record["headers"][2]["value"]) == dead_letters.MAX_HEADER_VALUE
    SingleObjectCodec().encode(dead_letters.DEAD_LETTER_SCHEMA, record)  # valid DeadLetter v2


def test_reasons_come_from_the_vocabulary():
    cases = [
        (DecodeError("decode.truncated", "short"), "decode.truncated", "short", None),
        (Rejected(Reason.WRONG_TOPIC, "not here"), "schema.wrong_topic", "not here", None),
        (
            FieldError("quantity", "must be >= 0, got -5", Reason.CHECK_NEGATIVE),
            "check.negative",
            "must be >= 0, got -5",
            "quantity",
        ),
    ]
    for error, code, reason, field in cases:
        record = dead_letters.from_kafka("worker.decode", error, b"v", "t", 0, 1)
        assert (record["error_type"], record["reason"], record["field"]) == (code, reason, field)


def test_an_unanticipated_exception_is_internal_and_keeps_its_type():
    record = dead_letters.from_kafka(
        "worker.decode", TypeError("object of type 'NoneType' has no len()"), None, "t", 0, 1
    )
    assert record["error_type"] == Reason.UNEXPECTED
    assert record["reason"].startswith("TypeError: ")
