"""Offline verification of evidence bundles (pipeline/evidence.py), on bundles built here without Kafka."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta

import pytest
from iprx.kernel.members import load_members
from iprx.kernel.signatures import Signer
from iprx.pipeline.evidence import FORMAT, verify_bundle
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures
from iprx.stream_processors.signals import SIGNAL_PUBLISHER, SIGNAL_SCHEMA, Evidence, Signal, to_record

from tests.trust import key_id, signed_registry

codec = SingleObjectCodec()
GACC = "CN/GOV/GACC/seizures"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def setup(tmp_path):
    env, keys = signed_registry(tmp_path, {GACC: ["seizure"]})
    registry = load_members(env["IPRX_MEMBERS_FILE"])
    member = Signer.from_file(key_id(keys, GACC), keys[GACC])
    exchange = Signer.from_file(key_id(keys, SIGNAL_PUBLISHER), keys[SIGNAL_PUBLISHER])
    events = []
    for n in range(2):
        record = next(seizures(70 + n, 1))
        record["header"].update(publisher=GACC, occurred_at=NOW - timedelta(hours=n + 1), published_at=NOW)
        value = codec.encode("iprx.seizure.SeizureRecorded", record)
        events.append(
            {
                "topic": "iprx.seizure",
                "partition": n,
                "offset": 10 + n,
                "event_id": str(record["header"]["event_id"]),
                "value": b64(value),
                "headers": [[k, b64(v)] for k, v in member.headers(GACC, value)],
            }
        )
    signal = Signal(
        "seizure.repeat_offender", 1, "test", "ENFORCEMENT", "HIGH", "ENTERPRISE", "914403001922038216", "440300",
        NOW, 1.0, "two seizures",
        tuple(Evidence(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in events),
    )  # fmt: skip
    value = codec.encode(SIGNAL_SCHEMA, to_record(signal, NOW))
    bundle = {
        "format": FORMAT,
        "signal_id": str(signal.signal_id),
        "signal": {
            "topic": "iprx.signals",
            "partition": 0,
            "offset": 3,
            "value": b64(value),
            "headers": [[k, b64(v)] for k, v in exchange.headers(SIGNAL_PUBLISHER, value)],
        },
        "events": events,
    }
    return bundle, registry


def failures(bundle, registry, **options) -> list[str]:
    return [f"{f.subject}: {f.detail}" for f in verify_bundle(bundle, registry, codec, **options) if not f.ok]


def test_a_genuine_bundle_holds(setup):
    bundle, registry = setup
    findings = verify_bundle(bundle, registry, codec)
    assert all(f.ok for f in findings) and len(findings) == 3 + 3 * 2


def test_a_changed_event_a_missing_event_or_a_foreign_signer_fail(setup):
    bundle, registry = setup
    changed = copy.deepcopy(bundle)
    value = bytearray(base64.b64decode(changed["events"][1]["value"]))
    value[-3] ^= 0x01
    changed["events"][1]["value"] = b64(bytes(value))
    assert any("the signature does not match the event" in f for f in failures(changed, registry))

    missing = copy.deepcopy(bundle)
    del missing["events"][0]
    assert any("cites 2 event(s); the bundle holds 1" in f for f in failures(missing, registry))

    swapped = copy.deepcopy(bundle)
    swapped["events"][0]["event_id"] = swapped["events"][1]["event_id"]
    assert failures(swapped, registry)  # the record at that position is not the event cited


def test_unsigned_events_fail_unless_allowed_and_a_registry_without_the_key_fails(setup, tmp_path):
    bundle, registry = setup
    unsigned = copy.deepcopy(bundle)
    for event in unsigned["events"]:
        event["headers"] = []
    assert len(failures(unsigned, registry)) == 2
    assert failures(unsigned, registry, allow_unsigned=True) == []
    (tmp_path / "other").mkdir()
    other_env, _ = signed_registry(tmp_path / "other", {GACC: ["seizure"]})
    other = load_members(other_env["IPRX_MEMBERS_FILE"])  # the same members, other keys: the verifier's own trust
    assert len(failures(bundle, other)) == 3  # two events and the signal
