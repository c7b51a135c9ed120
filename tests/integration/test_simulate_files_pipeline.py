"""`iprx simulate --out` on the real broker: its files, published with `iprx produce`, are its ground truth.

The simulation is written to files; ``produce.sh 1`` publishes phase 1 file by file with `iprx
produce` (each OCDS package under its own publisher id), the worker catches up, then ``produce.sh
2``. A real worker and sink turn the events into signals: the signals table must hold exactly the
truth file's signals, and the procurement events must have landed with the simulation's own ids,
publishers, jurisdictions and buyers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from iprx.pipeline.supervise import pipeline_groups, wait_until_caught_up
from iprx.simulation import default_anchor, simulate
from iprx.simulation.truth import expected_signal, read_truth
from iprx.sinks.clickhouse.store import Store

from tests.integration.test_rules_pipeline import assert_exactly, landed_signals, settle, sink, workers

pytestmark = pytest.mark.integration
SEED, COUNT = 23, 400
TABLES = {
    "procurement": "procurement_releases",
    "inspection": "inspections",
    "case": "cases",
    "seizure": "seizures",
    "cooperation": "partner_notices_received",
}


def produce(env: dict[str, str], script: Path, phase: int) -> str:
    # produce.sh calls `iprx`, as an operator would: the one installed next to this interpreter
    env = env | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    run = subprocess.run(["sh", str(script), str(phase)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_files_published_with_produce_give_the_ground_truth(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    out = tmp_path / "sim"
    anchor = default_anchor()
    command = [sys.executable, "-m", "iprx", "simulate", "--seed", str(SEED), "--count", str(COUNT)]
    command += ["--anchor", anchor.isoformat(), "--out", str(out)]
    run = subprocess.run(command, env=pipeline_env.process_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    truth = read_truth(out / "truth.jsonl")
    expected = [expected_signal(t) for t in truth]
    children = [*workers(pipeline_env, "worker"), sink(pipeline_env)]
    try:
        first = produce(pipeline_env.process_env(), out / "produce.sh", 1)
        wait_until_caught_up(settings, pipeline_groups(settings), children, timeout_s=120)
        second = produce(pipeline_env.process_env(), out / "produce.sh", 2)
        settle(settings, children)
    finally:
        for child in children:
            child.stop()

    published = sum(int(line.split()[1].replace(",", "")) for line in (first + second).splitlines()
                    if line.startswith("published"))  # fmt: skip
    assert published == COUNT, first + second
    assert len({t["rule_id"] for t in truth}) == 8
    got = landed_signals(settings)
    # missing and extra by value (a sort by repr is not stable: a frozenset's repr depends on how it was built)
    assert_exactly(got, expected)
    assert set(got) == {t["signal_id"] for t in truth}  # the truth file's own ids

    simulation = simulate(SEED, COUNT, anchor)
    with Store(settings, "test") as store:
        landed = {
            family: store.client.query(f"SELECT count() FROM iprx.{table} FINAL").result_rows[0][0]
            for family, table in TABLES.items()
        }
        rows = store.client.query(
            "SELECT toString(event_id), publisher, jurisdiction, buyer_id, buyer_level, buyer_jurisdiction "
            "FROM iprx.procurement_releases FINAL"
        ).result_rows
    assert landed == dict(Counter(p.family for p in simulation.planned))
    planned = [p.record for p in simulation.planned if p.family == "procurement"]
    assert set(rows) == {
        (
            r["header"]["event_id"],
            r["header"]["publisher"],
            r["header"]["jurisdiction"],
            r["buyer"]["id"],
            r["buyer"]["level"],
            r["buyer"]["jurisdiction"],
        )
        for r in planned
    }
