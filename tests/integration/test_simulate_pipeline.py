"""`iprx simulate` on the real broker: its ground-truth file is exactly what lands in ClickHouse.

The command publishes every family (planted patterns and noise), waits for the running worker
between its two phases, and writes the truth file; a real worker and sink turn the events into
signals, and the signals table must hold exactly the truth file's signals: rule, subject, evidence
event ids, severity and signal id.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from iprx.simulation.truth import expected_signal, read_truth

from tests.integration.test_rules_pipeline import assert_exactly, landed_signals, settle, sink, workers

pytestmark = pytest.mark.integration
COUNT = 500


def test_the_pipeline_turns_a_simulation_into_its_ground_truth(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    truth_path = tmp_path / "truth.jsonl"
    command = [
        sys.executable,
        "-m",
        "iprx",
        "simulate",
        "--seed",
        "21",
        "--count",
        str(COUNT),
        "--truth",
        str(truth_path),
    ]
    children = [*workers(pipeline_env, "worker"), sink(pipeline_env)]
    try:
        run = subprocess.run(command, env=pipeline_env.process_env(), capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        truth = read_truth(truth_path)
        expected = [expected_signal(t) for t in truth]
        settle(settings, children)
    finally:
        for child in children:
            child.stop()

    assert "waiting for worker group" in run.stdout  # the second phase waited until the first was processed
    assert f"{COUNT:,} events" in run.stdout and f"ground truth: {len(truth)} signals" in run.stdout
    assert len({t["rule_id"] for t in truth}) == 8
    got = landed_signals(settings)
    # missing and extra by value (a sort by repr is not stable: a frozenset's repr depends on how it was built)
    assert_exactly(got, expected)
    assert set(got) == {t["signal_id"] for t in truth}  # the truth file's own ids
