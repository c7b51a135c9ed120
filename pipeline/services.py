"""Entry points of the long-running processes: the Faust worker and the ClickHouse sink."""

from __future__ import annotations

import fcntl
import itertools
import logging
import re
from pathlib import Path
from typing import IO

from iprx.kernel import log_limit
from iprx.kernel.config import Settings
from prometheus_client import start_http_server

log = logging.getLogger(__name__)


def claim_datadir(settings: Settings) -> tuple[str, IO[str]]:
    """This worker's table directory under ``data_dir`` (``worker-tables/<group>/<slot>``) and its lock.

    With RocksDB tables, two workers must not open one directory, a restarted worker should find the
    tables it left, and a worker of another group must not find them (Faust keeps each partition's
    changelog offset in the partition's database, whatever the topic). So the directory is per group,
    and the lowest slot no running worker of the group holds. The lock goes with the process.
    """
    group = re.sub(r"[^A-Za-z0-9._-]", "_", settings.worker.group_id)
    root = Path(settings.data_dir) / "worker-tables" / group
    root.mkdir(parents=True, exist_ok=True)
    for slot in itertools.count():
        lock = open(root / f"{slot}.lock", "w")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return f"worker-tables/{group}/{slot}", lock
    raise AssertionError("unreachable")


def run_worker(settings: Settings) -> None:
    """Run one Faust worker until SIGTERM/SIGINT; several workers share the partitions."""
    import faust
    from iprx.kernel.kafka_admin import ensure_topics, public_topics
    from iprx.stream_processors.app import create_app, internal_topics

    datadir, _lock = claim_datadir(settings)
    app = create_app(settings, datadir)
    ensure_topics(settings, public_topics(settings) + internal_topics(app, settings))
    if settings.worker.metrics_port:
        from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
        from prometheus_client import REGISTRY

        # Faust's own sensors (messages in/out, send latency, rebalances, table operations) next to ours.
        app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(REGISTRY, "iprx_faust"))
        start_http_server(settings.worker.metrics_port, addr=settings.monitoring.metrics_host)

    class Worker(faust.Worker):
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            # Faust replaces the root handlers at start: limit the client libraries' repeats on its own.
            super().on_setup_root_logger(logger, level)
            log_limit.install()

    Worker(app, loglevel="INFO", quiet=True, redirect_stdouts=False).execute_from_commandline()


def run_sink(settings: Settings) -> int:
    """Apply pending migrations, then land records in ClickHouse until SIGTERM/SIGINT or a stall.

    Returns the exit code: 0, or :data:`~iprx.sinks.watchdog.EXIT_STALLED` if the watchdog stopped it.
    """
    from iprx.kernel.kafka_admin import ensure_topics, public_topics
    from iprx.kernel.members import load_members
    from iprx.kernel.serialization import serializer_for
    from iprx.sinks.clickhouse.migrations import migrate
    from iprx.sinks.clickhouse.sink import ClickHouseSink
    from iprx.sinks.clickhouse.store import Store
    from iprx.sinks.consumer import kafka_consumer
    from iprx.sinks.runner import SinkRunner
    from iprx.sinks.watchdog import EXIT_STALLED, Health, Watchdog, WatchedConsumer

    # A topic created after the consumer joined stays unassigned until kafka-python's next metadata
    # refresh (here 30 s, kafka-python default 5 minutes): create any missing one first, as the worker does.
    ensure_topics(settings, public_topics(settings))
    store = Store(settings, "iprx sink")
    try:
        for migration in migrate(store.client, store.database, cluster=store.cluster):
            log.info("applied migration %04d_%s", migration.version, migration.name)
        if settings.sink.metrics_port:
            start_http_server(settings.sink.metrics_port, addr=settings.monitoring.metrics_host)
        health = Health(settings.sink.stall_timeout_s)
        consumer = WatchedConsumer(lambda: kafka_consumer(settings), health, settings.sink.rejoin_after_s)
        members = load_members(settings.members.file or None) if settings.members.enforce else None
        signed = settings.members.require_signatures
        sink = ClickHouseSink(store, serializer_for(settings), settings.checks.clock_skew, members, signed)
        runner = SinkRunner(settings, sink, consumer)
    except BaseException:
        store.close()
        raise
    watchdog = Watchdog(health, runner.stop, settings.sink.group_id)
    watchdog.start()
    try:
        runner.run()
    finally:
        watchdog.close()
    return EXIT_STALLED if watchdog.tripped else 0
