"""ClickHouse unavailable mid-run (its disk fills up): the sink retries, commits nothing, then drains."""

from __future__ import annotations

import subprocess
import time

import pytest
from iprx.kernel import topics
from iprx.kernel.kafka_admin import group_lag
from iprx.pipeline.supervise import Child, wait_until_caught_up
from iprx.producers import Publisher
from iprx.simulation.synthetic import seizures
from iprx.sinks.clickhouse.store import Store

from tests.clickhouse_events import migrate_without_merges
from tests.local_http import free_port, scrape

pytestmark = pytest.mark.integration


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def retries(port: int) -> float:
    return sum(v for (name, _), v in scrape(port).items() if name == "iprx_sink_retries_total")


def test_full_disk_holds_the_backlog_and_it_drains_when_space_returns(pipeline_env, small_disk):
    dsn = f"chdb://{small_disk / 'clickhouse'}"
    settings = pipeline_env.settings(IPRX_CLICKHOUSE_DSN=dsn)
    migrate_without_merges(settings)
    port = free_port()
    env = pipeline_env.process_env(IPRX_CLICKHOUSE_DSN=dsn, IPRX_SINK_METRICS_PORT=str(port))
    landed = [settings.topic(topics.SEIZURE.name)]
    groups = [(settings.sink.group_id, landed)]
    sink = Child("sink", ["sink"], pipeline_env.data_dir, env)
    filler = small_disk / "filler"
    try:
        with Publisher(settings) as publisher:
            for record in seizures(1, 1000):
                publisher.publish("seizure", record)
        wait_until_caught_up(settings, groups, [sink], timeout_s=90)

        # The outage: ClickHouse's disk is full.
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True, check=False)
        with Publisher(settings) as publisher:
            for record in seizures(2, 1000):
                publisher.publish("seizure", record)
        deadline = time.monotonic() + 30
        while retries(port) < 2 and time.monotonic() < deadline:
            sink.check_alive()
            time.sleep(0.5)
        assert retries(port) >= 2, "the sink should be retrying while the disk is full"
        assert sum(group_lag(settings, settings.sink.group_id, landed).values()) == 1000  # nothing committed
        sink.check_alive()

        filler.unlink()  # space is back
        wait_until_caught_up(settings, groups, [sink], timeout_s=120)
    finally:
        filler.unlink(missing_ok=True)
        sink.stop()
    assert "ClickHouse unavailable" in sink.log_path.read_text()

    with Store(settings, "test") as store:
        rows, unique = store.client.query("SELECT count(), uniqExact(event_id) FROM iprx.seizures").result_rows[0]
    assert (rows, unique) == (2000, 2000)
