"""With the member registry enforced, worker and sink refuse alike what a non-member, or a member outside its
families, publishes; the member's own event goes through, and the worker's per-member metrics show it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store

from tests.local_http import free_low_ports, scrape

pytestmark = pytest.mark.integration
PUBLISHERS = {
    "member": "CN/GOV/GACC/seizures",
    "stranger": "CN/GOV/NCAC/x",  # in no registry
    "other_family": "CN/PROV/440000/copyright",  # a member, for inspections and cases only
}


def test_non_members_and_members_outside_their_families_are_refused_by_worker_and_sink(pipeline_env):
    (port,) = free_low_ports(1)
    env = {"IPRX_MEMBERS_ENFORCE": "true"}
    settings = pipeline_env.settings(**env)
    started = time.time()
    sent: dict[str, tuple[str, str]] = {}  # name -> (event id, seizure id)
    now = datetime.now(UTC).replace(microsecond=0)
    with Publisher(settings) as publisher:
        for seed, (name, publisher_id) in enumerate(PUBLISHERS.items()):
            record = next(seizures(40 + seed, 1))
            record["header"].update(publisher=publisher_id, occurred_at=now - timedelta(hours=1))
            record["seizure_id"] = f"MEMBERS-{name}"
            record["estimated_value_cny"] = Decimal("2500000.00")  # significant, if it were admitted
            publisher.publish("seizure", record)
            sent[name] = (str(record["header"]["event_id"]), record["seizure_id"])

    worker = Child("worker", ["worker"], pipeline_env.data_dir, pipeline_env.process_env(
        **env, IPRX_WORKER_METRICS_PORT=str(port)
    ))  # fmt: skip
    sink = Child("sink", ["sink"], pipeline_env.data_dir, pipeline_env.process_env(**env))
    try:
        wait_until_caught_up(settings, pipeline_groups(settings), [worker, sink], timeout_s=180)
        metrics = scrape(port)
    finally:
        worker.stop()
        sink.stop()

    with Store(settings, "test") as store:
        q = store.client.query
        landed = {r[0] for r in q("SELECT seizure_id FROM iprx.seizures").result_rows}
        signalled = {
            r[0] for r in q("SELECT subject_id FROM iprx.signals WHERE rule_id = 'seizure.significant'").result_rows
        }
        dead = q(
            "SELECT payload_sha256 != '', stage, error_type, field, reason FROM iprx.dead_letters FINAL ORDER BY reason"
        ).result_rows
    assert landed == {"MEMBERS-member"} and signalled == {"MEMBERS-member"}
    # One row per refused record: worker and sink wrote the same dead letter (same id, same verdict).
    assert [(row[2], row[3]) for row in dead] == [
        ("publisher.family_not_allowed", "header.publisher"),
        ("publisher.not_member", "header.publisher"),
    ], dead
    assert "member CN/PROV/440000/copyright may publish inspection, case, not seizure events" in dead[0][4]
    assert "publisher 'CN/GOV/NCAC/x' is not a member of the exchange" in dead[1][4]

    assert (
        metrics[("iprx_worker_publisher_events_total", (("family", "seizure"), ("publisher", PUBLISHERS["member"])))]
        == 1
    )
    assert (
        metrics[("iprx_worker_publisher_last_event_timestamp_seconds", (("publisher", PUBLISHERS["member"]),))]
        >= started
    )
    assert metrics[("iprx_member_expected_cadence_seconds", (("publisher", PUBLISHERS["member"]),))] == 24 * 3600
    assert not any(
        k[0] == "iprx_worker_publisher_events_total" and ("publisher", "unregistered") in k[1] for k in metrics
    )


def test_with_signatures_required_only_correctly_signed_events_and_signals_go_through(pipeline_env, tmp_path):
    from iprx.kernel.signatures import generate_key
    from iprx.schemas import SingleObjectCodec
    from iprx.stream_processors.signals import SIGNAL_PUBLISHER, SIGNAL_SCHEMA, Evidence, Signal, to_record
    from kafka import KafkaProducer

    from tests.trust import key_id, signed_registry

    member = PUBLISHERS["member"]
    env, keys = signed_registry(tmp_path, {member: ["seizure"]})
    impostor = tmp_path / "impostor.pem"
    generate_key(impostor)  # the member's key id, another key: what an impostor would sign with
    settings = pipeline_env.settings(**env)
    now = datetime.now(UTC).replace(microsecond=0)
    signing = {"signed": str(keys[member]), "unsigned": "", "impostor": str(impostor)}
    for seed, (name, key_file) in enumerate(signing.items()):
        kid = key_id(keys, member) if key_file else ""
        keyed = {"IPRX_PUBLISHER_SIGNING_KEY_FILE": key_file, "IPRX_PUBLISHER_SIGNING_KEY_ID": kid}
        with Publisher(pipeline_env.settings(**env, **keyed)) as publisher:
            record = next(seizures(60 + seed, 1))
            record["header"].update(publisher=member, occurred_at=now - timedelta(hours=1))
            record["seizure_id"] = f"SIGNED-{name}"
            record["estimated_value_cny"] = Decimal("2500000.00")  # significant: the worker signs its signal
            publisher.publish("seizure", record)
    # A signal written straight to the signals topic, as the exchange would write it but unsigned: forged.
    forged = Signal(
        "seizure.significant", 1, "forged", "ENFORCEMENT", "CRITICAL", "SEIZURE", "FORGED-1", "440300",
        now, 1.0, "forged", (Evidence("e-1", "x", 0, 0),),
    )  # fmt: skip
    assert to_record(forged, now)["header"]["publisher"] == SIGNAL_PUBLISHER
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all")
    producer.send(settings.topic("signals"), SingleObjectCodec().encode(SIGNAL_SCHEMA, to_record(forged, now)))
    producer.flush()
    producer.close()

    children = [Child(n, [n], pipeline_env.data_dir, pipeline_env.process_env(**env)) for n in ("worker", "sink")]
    try:
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()
    with Store(settings, "test") as store:
        q = store.client.query
        landed = {r[0] for r in q("SELECT seizure_id FROM iprx.seizures").result_rows}
        signalled = {r[0] for r in q("SELECT subject_id FROM iprx.signals").result_rows}
        notices = q("SELECT count() FROM iprx.partner_notices_sent").result_rows[0][0]
        dead = q("SELECT source_topic, error_type, field FROM iprx.dead_letters FINAL ORDER BY error_type").result_rows
    assert landed == {"SIGNED-signed"}
    assert signalled == {"SIGNED-signed"} and notices == 1  # signed by the exchange, checked by the sink
    seizure_topic, signals_topic = settings.topic("seizure"), settings.topic("signals")
    assert dead == [
        (seizure_topic, "signature.invalid", "iprx-signature"),
        (seizure_topic, "signature.missing", "iprx-signature"),
        (signals_topic, "signature.missing", "iprx-signature"),
    ]
    check_evidence_bundle(pipeline_env, env, settings, tmp_path)


def check_evidence_bundle(pipeline_env, env: dict[str, str], settings, tmp_path) -> None:
    """The signal's evidence exported from the store and Kafka verifies offline; a changed byte does not."""
    import base64
    import json
    import subprocess
    import sys

    with Store(settings, "test") as store:
        [(signal_id,)] = store.client.query("SELECT toString(signal_id) FROM iprx.signals").result_rows

    def iprx(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "iprx", *args],
            env=pipeline_env.process_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    bundle_path = tmp_path / "bundle.json"
    exported = iprx("evidence", "export", signal_id, "--out", str(bundle_path))
    assert exported.returncode == 0, exported.stderr
    verified = iprx("evidence", "verify", str(bundle_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "FAIL" not in verified.stdout and "signed by CN/GOV/GACC/seizures" in verified.stdout
    assert "signed by CN/GOV/IPRX/stream-processors" in verified.stdout  # the signal itself

    bundle = json.loads(bundle_path.read_text())
    value = bytearray(base64.b64decode(bundle["events"][0]["value"]))
    value[value.index(b"SIGNED-signed")] ^= 0x01  # one changed letter of the seizure id
    bundle["events"][0]["value"] = base64.b64encode(bytes(value)).decode()
    bundle_path.write_text(json.dumps(bundle))
    tampered = iprx("evidence", "verify", str(bundle_path))
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "FAIL event" in tampered.stdout and "the signature does not match the event" in tampered.stdout
