"""Evidence bundles: a signal with the exact records it was raised on, checkable offline.

``export_bundle`` finds the signal in ClickHouse (its Kafka position and evidence list) and copies the
signal record and every evidence record byte for byte from Kafka, with their headers (signatures).
``verify_bundle`` needs neither: it decodes every record with the schemas shipped in the package and
checks, against the member registry the verifier trusts (its own, not the bundle's), that

* the signal record is the signal named, and lists exactly the bundle's events at their positions;
* each event is the event the signal cites, from a member allowed its family, with a valid signature
  of that member's key valid when it was published;
* the signal carries the exchange's valid signature (when signatures are in use).

Format ``iprx-evidence-1``: JSON; record values and header values are base64.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import connecting, kafka_python_options
from iprx.kernel.members import MemberRegistry, authorize
from iprx.kernel.signatures import SIGNATURE_HEADER, verify
from iprx.schemas import DecodeError, Serializer
from kafka import KafkaConsumer, TopicPartition

FORMAT = "iprx-evidence-1"
SIGNAL_SCHEMA = "iprx.signal.Signal"


class EvidenceError(RuntimeError):
    """The bundle cannot be made: the signal is unknown, or a record is no longer in Kafka."""


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def read_record(consumer: KafkaConsumer, topic: str, partition: int, offset: int) -> dict[str, Any]:
    """The record at a Kafka position, as it is stored: value and headers, base64."""
    tp = TopicPartition(topic, partition)
    consumer.assign([tp])
    consumer.seek(tp, offset)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = consumer.poll(timeout_ms=1000, max_records=1).get(tp, [])
        if records and records[0].offset == offset:
            record = records[0]
            return {
                "topic": topic,
                "partition": partition,
                "offset": offset,
                "value": _b64(record.value),
                "headers": [[k, _b64(v)] for k, v in record.headers],
            }
        if records:
            break  # the next record is a later one: the offset is gone
    raise EvidenceError(f"{topic}:{partition}@{offset} is no longer in Kafka (retention or compaction)")


def export_bundle(settings: Settings, client: Any, database: str, signal_id: str) -> dict[str, Any]:
    """The evidence bundle of ``signal_id``, from the store (``client``) and Kafka."""
    rows = client.query(
        f"SELECT _topic, _partition, _offset, evidence FROM {database}.signals FINAL "
        "WHERE signal_id = {id:UUID} LIMIT 1",
        parameters={"id": signal_id},
    ).result_rows
    if not rows:
        raise EvidenceError(f"no signal {signal_id} has landed")
    topic, partition, offset, evidence = rows[0]
    partition, offset = int(partition), int(offset)  # the client's integer types are not always int
    with connecting(settings.kafka):
        consumer = KafkaConsumer(**kafka_python_options(settings.kafka), enable_auto_commit=False, group_id=None)
    try:
        signal = read_record(consumer, topic, partition, offset)
        cited = [(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in evidence]  # named tuples
        events = [read_record(consumer, t, int(p), int(o)) | {"event_id": e} for e, t, p, o in cited]
    finally:
        consumer.close()
    return {
        "format": FORMAT,
        "signal_id": signal_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "signal": signal,
        "events": events,
    }


@dataclass(frozen=True)
class Finding:
    """One check of a bundle: what was checked, whether it held, and why not."""

    subject: str
    ok: bool
    detail: str


def verify_bundle(
    bundle: dict[str, Any], members: MemberRegistry, codec: Serializer, allow_unsigned: bool = False
) -> list[Finding]:
    """Every check of ``bundle`` (see the module docstring); the bundle holds if all are ``ok``.

    Events must be signed unless ``allow_unsigned``: without signatures who published them is a claim.
    """
    return list(_checks(bundle, members, codec, allow_unsigned))


def _headers(item: dict[str, Any]) -> list[tuple[str, bytes | None]]:
    return [(k, _unb64(v)) for k, v in item.get("headers", [])]


def _checks(
    bundle: dict[str, Any], members: MemberRegistry, codec: Serializer, allow_unsigned: bool
) -> Iterator[Finding]:
    if bundle.get("format") != FORMAT:
        yield Finding("bundle", False, f"format {bundle.get('format')!r}, expected {FORMAT}")
        return
    signal_item = bundle["signal"]
    where = f"signal {bundle['signal_id']}"
    try:
        _, signal = codec.decode(_unb64(signal_item["value"]) or b"", expect=SIGNAL_SCHEMA)
    except DecodeError as exc:
        yield Finding(where, False, f"the signal record does not decode: {exc}")
        return
    yield Finding(where, str(signal["signal_id"]) == bundle["signal_id"], f"the record is signal {signal['signal_id']}")
    cited = [(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in signal["evidence"]]
    bundled = [(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in bundle["events"]]
    yield Finding(where, cited == bundled, f"cites {len(cited)} event(s); the bundle holds {len(bundled)}")
    yield from _signature(where, signal, signal_item, members, required=False)
    for item in bundle["events"]:
        subject = f"event {item['event_id']} at {item['topic']}:{item['partition']}@{item['offset']}"
        try:
            event_schema, event = codec.decode(_unb64(item["value"]) or b"")
        except DecodeError as exc:
            yield Finding(subject, False, f"does not decode: {exc}")
            continue
        header = event.get("header") or {}
        yield Finding(subject, str(header.get("event_id")) == item["event_id"], "the record is the event cited")
        refused = authorize(members, event_schema, header.get("publisher"))
        yield Finding(subject, refused is None, refused.reason if refused else f"published by {header['publisher']}")
        yield from _signature(subject, event, item, members, required=not allow_unsigned)


def _signature(
    subject: str, record: dict[str, Any], item: dict[str, Any], members: MemberRegistry, required: bool
) -> Iterator[Finding]:
    header = record.get("header") or {}
    headers = _headers(item)
    if not required and not any(k == SIGNATURE_HEADER for k, _ in headers):
        yield Finding(subject, True, "not signed (accepted: signatures not required)")
        return
    member = members.get(header.get("publisher"))
    if member is None:
        yield Finding(subject, False, f"signer {header.get('publisher')!r} is not in the verifier's registry")
        return
    refused = verify(member, _unb64(item["value"]) or b"", headers, header["published_at"])
    yield Finding(subject, refused is None, refused.reason if refused else f"signed by {member.publisher_id}")


def dumps(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, indent=2, ensure_ascii=False)
