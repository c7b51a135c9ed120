"""A worker that starts (or restarts) with records waiting: its streams begin at the committed offsets.

Faust resumes the stream partitions before it seeks them to the committed offsets; records the agents
receive meanwhile are rewound under them, which left a partition's lag stalled after a restart (see
``stream_processors.rebalance``). The seek is slowed down here (``tests/integration/seek_probe``)
so that the window is wide on any machine, and the worker reports what its streams received in it.
The window opens when there is table state to recover: Faust starts its fetcher for the changelogs
and keeps it running, while a worker with nothing to recover starts fetching only after the seek.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.simulation.synthetic import seizures

from tests.case_events import OVER, opened, publish, records

pytestmark = pytest.mark.integration
PROBE = Path(__file__).parent / "seek_probe"


def probed_worker(pipeline_env, name: str) -> Child:
    path = os.pathsep.join(p for p in (str(PROBE), os.environ.get("PYTHONPATH", "")) if p)
    env = pipeline_env.process_env(PYTHONPATH=path, IPRX_TEST_SEEK_DELAY_S="1")
    return Child(name, ["worker"], pipeline_env.data_dir, env)


def waiting_cases(tmp_path, prefix: str, count: int):
    """Cases over the threshold: referral.overdue keeps each one in its table until it is referred."""
    t0 = datetime.now(UTC) - timedelta(hours=1)
    return records(tmp_path, [opened(f"{prefix}-{n:04d}", t0 + timedelta(seconds=n), OVER) for n in range(count)])


def received_during_seeks(child: Child) -> list[int]:
    return [int(n) for n in re.findall(r"seek probe: (\d+) stream events", child.log_path.read_text(errors="replace"))]


def test_streams_receive_nothing_before_the_seek_to_committed_offsets(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    groups = pipeline_groups(settings)[:1]  # the worker's group
    publish(settings, waiting_cases(tmp_path, "A", 300))
    first = probed_worker(pipeline_env, "worker")
    children = [first]
    try:
        wait_until_caught_up(settings, groups, children, timeout_s=120)
        first.stop()
        # Waiting for the restart: cases past the committed offsets, and the first seizures ever, on
        # partitions with no committed offset at all (which a seek to committed offsets cannot rewind).
        publish(settings, waiting_cases(tmp_path, "B", 300) + [("seizure", r) for r in seizures(7, 100)])
        children = [probed_worker(pipeline_env, "worker-restarted")]
        wait_until_caught_up(settings, groups, children, timeout_s=120)
    finally:
        for child in children:
            child.stop()
    restarted = children[0]
    assert received_during_seeks(restarted), f"no seek reported in {restarted.log_path}"
    for child in (first, restarted):
        seen = received_during_seeks(child)
        assert seen == [0] * len(seen), f"{child.name}: stream events received during seeks: {seen}"
