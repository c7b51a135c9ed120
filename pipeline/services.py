"""Entry points of the long-running processes: the Faust worker and the ClickHouse sink."""

from __future__ import annotations

import logging

from iprx.kernel import log_limit
from iprx.kernel.config import Settings
from prometheus_client import start_http_server

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> None:
    """Run one Faust worker until SIGTERM/SIGINT; several workers share the partitions."""
    import faust
    from iprx.kernel.kafka_admin import ensure_topics, public_topics
    from iprx.stream_processors.app import create_app, internal_topics

    app = create_app(settings)
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
