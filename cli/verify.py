"""`iprx schemas verify`: would the pipeline accept this message? For publishers the project did not write.

A message is checked the way the worker reads it (the configured wire format, the topic's schemas),
then against what the Python publisher checks before sending (event type, event_id, domain checks)
and, for records read from a topic, the record key and headers. Each problem names its field.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.serialization import serializer_for
from iprx.producers.families import FAMILIES
from iprx.schemas import DecodeError, Serializer, default_catalog
from iprx.schemas.catalog import SchemaCatalog

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
# Headers the Python publisher sets; the pipeline does not need them, so their absence is only a note.
HEADERS = ("iprx-schema", "iprx-event-type", "iprx-publisher")


@dataclass
class Sample:
    """One message to check: where it came from, its value, and (from a topic) its key and headers."""

    where: str
    value: bytes | None
    topic: topics.TopicSpec | None = None
    key: bytes | None = None
    headers: list[tuple[str, bytes]] | None = None


@dataclass
class Verdict:
    """What was found: the schema it decoded as, the problems (each rejects it) and notes (do not)."""

    where: str
    schema: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        head = f"{'OK  ' if self.ok else 'FAIL'} {self.where}: {self.schema or 'not decoded'}"
        return [head, *(f"     problem: {p}" for p in self.problems), *(f"     note: {n}" for n in self.notes)]


def python_avro_fingerprints(catalog: SchemaCatalog) -> dict[bytes, str]:
    """Fingerprint -> schema label, as Apache avro for Python computes them (not the spec's canonical form).

    Its ``Schema.fingerprint("CRC-64-AVRO")`` keeps logical types in the canonical form, so a schema
    with one gets a fingerprint no reader following the specification knows.
    """
    import avro.schema

    found = {}
    for schema in (*catalog, *(old for s in catalog for old in catalog.versions(s.name))):
        fp = bytes(avro.schema.parse(schema.json).fingerprint("CRC-64-AVRO"))
        if fp != schema.fingerprint:
            found[fp] = f"{schema.name} v{schema.version}" if schema.version is not None else schema.name
    return found


def _framing_problem(value: bytes, wire_format: str, error: DecodeError, catalog: SchemaCatalog) -> str:
    """The decode error, with what the first bytes suggest went wrong."""
    text = f"{error.code}: {error.reason}"
    if wire_format == "single-object" and value[:1] == CONFLUENT_MAGIC:
        return f"{text} (this looks like the Confluent wire format; the pipeline is configured for single-object)"
    if wire_format == "confluent" and value[:2] == SINGLE_OBJECT_MAGIC:
        return f"{text} (this looks like single-object encoding; the pipeline is configured for confluent)"
    if error.code == "decode.unknown_fingerprint":
        known = python_avro_fingerprints(catalog).get(bytes(value[2:10]))
        if known:
            return (
                f"{text}: it is the fingerprint Apache avro for Python computes for {known}, which keeps logical "
                "types in the canonical form against the Avro specification; use the fingerprint of "
                f"`iprx schemas show {known.split()[0]}`"
            )
        return f"{text} (a schema change that is not published here is not accepted: see docs/publishing.md)"
    return text


def _check_record(verdict: Verdict, name: str, record: dict[str, Any], sample: Sample) -> None:
    header = record.get("header") or {}
    event_id = header.get("event_id")
    if not isinstance(event_id, uuid.UUID):
        try:
            uuid.UUID(str(event_id))
        except ValueError:
            verdict.problems.append(f"header.event_id: {event_id!r} is not a UUID")
    carriers = [t for t in topics.ALL if name in {s for f in t.families for s in f.schemas}]
    if not carriers:
        verdict.problems.append(f"{name} is written only by the pipeline; no publisher may send it")
        return
    topic = sample.topic or carriers[0]
    if sample.topic is None:
        verdict.notes.append(f"publish it to topic {topic.name} (with the configured prefix)")
    family = next((FAMILIES[f.name] for f in topic.families if name in f.schemas), None)
    if family is None:
        verdict.problems.append(f"topic {topic.name} does not accept {name} from publishers")
        return
    expected = family.schema_for(record)
    if expected != name:
        verdict.problems.append(
            str(expected)
            if not isinstance(expected, str)
            else (f"header.event_type: {header.get('event_type')!r} is an event of {expected}, not of {name}")
        )
    verdict.problems.extend(str(e) for e in family.check(record))
    if sample.key is not None or sample.headers is not None:
        _check_key_and_headers(verdict, name, record, family.key(record), header, sample)


def _check_key_and_headers(
    verdict: Verdict, name: str, record: dict[str, Any], key: str, header: dict[str, Any], sample: Sample
) -> None:
    if sample.key != key.encode():
        got = sample.key.decode("utf-8", "replace") if sample.key is not None else None
        verdict.problems.append(f"record key {got!r}, expected {key!r}: it decides the partition the rules see it on")
    headers = dict(sample.headers or [])
    want = {"iprx-schema": name, "iprx-event-type": header.get("event_type"), "iprx-publisher": header.get("publisher")}
    for h in HEADERS:
        if h not in headers:
            verdict.notes.append(f"header {h} is missing (optional; the Python publisher sets it to {want[h]!r})")
        elif headers[h] != str(want[h]).encode():
            verdict.problems.append(f"header {h} is {headers[h]!r} but the record says {want[h]!r}")


def verify(samples: Iterable[Sample], settings: Settings, codec: Serializer | None = None) -> Iterator[Verdict]:
    """Check each sample as the worker would read it; yield one verdict per sample."""
    codec = codec or serializer_for(settings)
    catalog = default_catalog()
    for sample in samples:
        verdict = Verdict(sample.where)
        if sample.value is None:
            verdict.problems.append("null value (a tombstone): publishers never send one")
            yield verdict
            continue
        expect = sample.topic.schemas if sample.topic is not None else None
        try:
            name, record = codec.decode(sample.value, expect=expect)
        except DecodeError as exc:
            verdict.problems.append(_framing_problem(sample.value, codec.wire_format, exc, catalog))
            yield verdict
            continue
        verdict.schema = name
        verdict.notes.append(_describe_writer(sample.value, codec.wire_format, catalog))
        _check_record(verdict, name, record, sample)
        yield verdict


def _describe_writer(value: bytes, wire_format: str, catalog: SchemaCatalog) -> str:
    if wire_format == "confluent":
        return f"confluent framing, registry schema id {int.from_bytes(value[1:5], 'big')}"
    writer = catalog.by_fingerprint(bytes(value[2:10]))
    version = f"published version {writer.version}" if writer and writer.version is not None else "unpublished"
    return f"single-object framing, fingerprint {value[2:10].hex()} ({version})"
