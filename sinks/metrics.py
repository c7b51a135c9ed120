"""Prometheus metrics of the sink."""

from prometheus_client import Counter, Gauge, Histogram

ROWS_INSERTED = Counter("iprx_sink_rows_inserted_total", "Rows inserted into ClickHouse", ["table"])
BATCH_ROWS = Histogram(
    "iprx_sink_batch_records", "Records per landed batch", buckets=(1, 10, 100, 500, 1000, 5000, 10000, 50000)
)
INSERT_SECONDS = Histogram("iprx_sink_batch_seconds", "Time to land one batch in ClickHouse")
RETRIES = Counter("iprx_sink_retries_total", "Batches retried because ClickHouse was unavailable")
SKIPPED = Counter(
    "iprx_sink_records_already_landed_total", "Records skipped after a restart because they had already landed"
)
LAG = Gauge("iprx_sink_consumer_lag", "Records behind the end of each partition", ["topic", "partition"])
STALLED = Gauge("iprx_sink_stalled", "1 once the watchdog has found the consumer stalled (the sink then exits 3)")
REJOINS = Counter(
    "iprx_sink_rejoins_total", "Times the consumer left and rejoined its group after polling too long unstable"
)
STALLS = Counter("iprx_sink_stalls_total", "Times the watchdog found the consumer stalled")
UNHEALTHY_SECONDS = Gauge(
    "iprx_sink_consumer_unhealthy_seconds",
    "Seconds since the consumer last returned from poll as a stable group member (0 when healthy)",
)
