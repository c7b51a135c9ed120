"""A publisher the project did not write: the Java example (Apache Avro + kafka-clients), built with Maven.

Its seizures, signed by Java's own Ed25519 under scheme iprx-sig-1 with a key from `iprx members keygen`,
must be accepted by `iprx schemas verify`, pass the worker's and the sink's membership and signature
checks, land in ClickHouse and raise their signals.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.schemas import default_catalog
from iprx.sinks.clickhouse.store import Store

from tests.conftest import REPO

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "java-publisher"
SEIZURE = "iprx.seizure.SeizureRecorded"
COUNT = 12


JAVA_MEMBER = "XX/GOV/JAVA/seizures"


def run_java_publisher(bootstrap: str, topic: str, sample: str, env: dict[str, str]) -> list[str]:
    """Build and run the example through Maven; return the event ids it printed."""
    schema = default_catalog().get(SEIZURE)
    assert schema.version is not None, f"{SEIZURE} has unpublished changes: run `iprx schemas snapshot`"
    avsc = REPO / "schemas" / "history" / SEIZURE / f"v{schema.version}.avsc"
    args = f"{bootstrap} {topic} {avsc} {COUNT} {sample}"
    done = subprocess.run(
        ["mvn", "-q", "-B", "-Dstyle.color=never", "compile", "exec:java", f"-Dexec.args={args}"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
    )
    assert done.returncode == 0, f"mvn exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    ids = [str(uuid.UUID(m)) for m in re.findall(r"^(?:\x1b\[[0-9;]*m)*sent (\S+)$", done.stdout, re.MULTILINE)]
    assert len(ids) == COUNT, f"the example reported {len(ids)} of {COUNT} sends:\n{done.stdout}\n{done.stderr}"
    return ids


@pytest.mark.skipif(shutil.which("mvn") is None, reason="mvn is not installed: the Java example cannot be built")
def test_seizures_from_the_java_example_are_verified_land_and_raise_signals(pipeline_env, tmp_path):
    from tests.trust import key_id, signed_registry

    trust, keys = signed_registry(tmp_path, {JAVA_MEMBER: ["seizure"]})
    java_env = pipeline_env.process_env(
        IPRX_PUBLISHER_ID=JAVA_MEMBER,
        IPRX_SIGNING_KEY_FILE=str(keys[JAVA_MEMBER]),
        IPRX_SIGNING_KEY_ID=key_id(keys, JAVA_MEMBER),
    )
    settings = pipeline_env.settings()
    topic = settings.topic("seizure")
    sample = tmp_path / "java-seizure.bin"
    children = [
        Child(name, [name], pipeline_env.data_dir, pipeline_env.process_env(**trust)) for name in ("worker", "sink")
    ]
    try:
        event_ids = run_java_publisher(settings.kafka.bootstrap_servers, topic, str(sample), java_env)
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=180)
    finally:
        for child in children:
            child.stop()
    assert len(set(event_ids)) == COUNT

    value = sample.read_bytes()
    # Java's fingerprint (the specification's canonical form) is the one this project computes.
    assert value[:2] == b"\xc3\x01" and value[2:10] == default_catalog().get(SEIZURE).fingerprint

    def verify(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "iprx", "schemas", "verify", *args],
            env=pipeline_env.process_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    by_file = verify(str(sample))
    assert by_file.returncode == 0, by_file.stdout + by_file.stderr
    by_topic = verify("--topic", topic)
    assert by_topic.returncode == 0, by_topic.stdout + by_topic.stderr
    assert f"{COUNT} accepted, 0 rejected" in by_topic.stdout
    assert "problem" not in by_topic.stdout and "is missing" not in by_topic.stdout

    with Store(settings, "test") as store:
        q = store.client.query
        landed = dict(q("SELECT toString(event_id), seizure_id FROM iprx.seizures").result_rows)
        assert set(landed) == set(event_ids)
        raised = q("SELECT subject_id FROM iprx.signals WHERE rule_id = 'seizure.significant'").result_rows
        # Every Java seizure is valued above the 1,000,000 CNY threshold (DESIGN.md §4).
        assert sorted(r[0] for r in raised) == sorted(landed.values())
        assert q("SELECT count() FROM iprx.dead_letters").result_rows[0][0] == 0
