"""Rule tables in RocksDB (``worker.store = "rocksdb://"``): state kept on disk across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from iprx.pipeline.supervise import Child, pipeline_groups, wait_until_caught_up
from iprx.pipeline.watermark import settle

from tests.case_events import OVER, opened, publish, records
from tests.integration.test_deadline_sweep import RULE, as_events, emitted, judged

pytestmark = pytest.mark.integration
ROCKSDB = {"IPRX_WORKER_STORE": "rocksdb://"}


def test_a_restarted_worker_judges_with_the_state_its_rocksdb_tables_kept(pipeline_env, tmp_path):
    settings = pipeline_env.settings(**ROCKSDB)
    groups = pipeline_groups(settings)[:1]  # the worker's group; no sink here
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    # Over the threshold and never referred: each case waits in referral.overdue's table for its deadline.
    before = records(tmp_path, [opened(f"R-{n:03d}", t0 + timedelta(minutes=n), OVER) for n in range(40)])
    after = records(tmp_path, [opened("R-999", t0 + timedelta(days=1), OVER)])
    publish(settings, before)
    first = Child("worker", ["worker"], pipeline_env.data_dir, pipeline_env.process_env(**ROCKSDB))
    try:
        wait_until_caught_up(settings, groups, [first], timeout_s=120)
    finally:
        first.stop()
    slot = pipeline_env.data_dir / "worker-tables" / settings.worker.group_id / "0"
    assert list(slot.rglob(f"{RULE.rule_id}-*.db")), f"no RocksDB table of {RULE.rule_id} under {slot}"
    assert emitted(settings) == []  # nothing is due before the watermark

    publish(settings, after)
    restarted = Child("worker-restarted", ["worker"], pipeline_env.data_dir, pipeline_env.process_env(**ROCKSDB))
    try:
        at = datetime.now(UTC)
        settle(settings, at, [restarted], timeout_s=180, landed=False)
        got = emitted(settings)
    finally:
        restarted.stop()
    want = judged(as_events(settings, before + after), settings.kafka.partitions, watermark=at)
    assert len(want) == 41
    assert sorted(got, key=repr) == sorted(want, key=repr)  # the 40 cases from before the restart too
