"""`iprx bench` with a tiny workload: every figure is reported, with a number (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_bench_reports_every_figure(kafka_bootstrap: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["--events", "2000", "--e2e-seconds", "3", "--ramp-steps", "1", "--ramp-step-seconds", "2"]
    args += ["--restart-keys", "2000"]
    env = dict(os.environ) | {"IPRX_DATA_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-m", "iprx", "bench", *args, "--bootstrap", kafka_bootstrap, "--json", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    stages = result["stages"]

    def positive(value: object) -> bool:
        return isinstance(value, int | float) and value > 0

    for stage, unit in (("producer", "events"), ("processor", "events"), ("sink", "rows")):
        for key in (f"measured_{unit}_per_s", f"baseline_{unit}_per_s", "ratio"):
            assert positive(stages[stage][key]), (stage, key, stages[stage])
    assert stages["sink"]["landed_rows"] == 2000
    # the processor runs on the mixed workload: every input topic has events, 2000 in all
    mix = stages["processor"]["events_per_topic"]
    assert set(mix) == {"seizure", "procurement", "inspection", "cooperation.inbound"} and sum(mix.values()) == 2000
    # what the worker wrote back to Kafka, per input event: re-keyed events, changelogs, signals
    written = stages["processor"]["records_written"]
    assert set(written) == {"rekey", "changelog", "signals"} and all(n > 0 for n in written.values())
    assert stages["processor"]["records_written_per_event"] == round(sum(written.values()) / 2000, 3)
    assert "records written per event" in run.stdout
    # the Faust ceiling ran on the same input, in the same run
    assert positive(stages["processor"]["faust_ceiling_events_per_s"]) and positive(
        stages["processor"]["ratio_to_faust_ceiling"]
    )
    assert "Faust ceiling" in run.stdout
    assert positive(stages["processor"]["two_workers_events_per_s"])  # two processes of one group, same input
    restart = stages["restart"]
    assert restart["keys"] == 2000
    assert all(positive(restart[k]) for k in ("memory_start_s", "rocksdb_first_start_s", "rocksdb_restart_s"))
    e2e = stages["e2e"]
    for kind in ("seizure", "signal"):
        assert e2e[f"{kind}_rows"] > 0
        assert all(positive(e2e[f"{kind}_latency_ms"][p]) for p in ("p50", "p95", "p99")), e2e
    assert positive(e2e["achieved_events_per_s"]) and positive(e2e["max_sustainable_events_per_s"])
    assert e2e["max_sustainable_relation"] in ("=", ">=", "<")
    assert {"sink", "worker", "e2e worker", "e2e sink", "restart worker"} <= set(result["peak_rss_mb"])
    assert all(positive(mb) for mb in result["peak_rss_mb"].values())
    assert result["machine"]["nproc"] >= 1 and result["workload"] == result["workload"] | {"events": 2000, "seed": 42}
    assert all(result["machine"]["versions"][name] for name in ("python", "kafka-python", "aiokafka", "fastavro"))
    assert "verdict" in run.stdout and "producer" in run.stdout
