"""Sink stage: `iprx sink` landing a filled topic in chDB, against one bulk clickhouse-connect insert."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from iprx.bench.environment import Stage, wait_for_lag_zero
from iprx.bench.workload import SCHEMA, Workload
from iprx.kernel.config import load_settings
from iprx.pipeline.supervise import pipeline_groups, say

BASELINE_TABLE = "bench_seizures_baseline"


def in_fresh_process(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in a new interpreter: chDB opens one store per process, and only once."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def landed_topics(stage: Stage) -> list[str]:
    return dict(pipeline_groups(stage.settings))[stage.sink_group]


def run_sink(stage: Stage, rows: int, timeout_s: float, module: str = "iprx") -> dict[str, Any]:
    """Start `iprx sink` on the filled topics and time it until its group has committed ``rows``."""
    args = ["sink"] if module == "iprx" else ["sink", str(stage.data_dir / "profile-sink")]
    sink = stage.start("sink", args, module=module)
    try:
        done, seconds = wait_for_lag_zero(stage, stage.sink_group, landed_topics(stage), rows, [sink], timeout_s)
        rss = sink.peak_rss_mb()
    finally:
        sink.stop(timeout=60 if module == "iprx" else 600)  # a profiled sink writes its profile
    return {"rows_per_s": done / seconds, "window_s": seconds, "peak_rss_mb": rss}


def baseline_rows(seed: int, events: int) -> tuple[list[str], list[list[Any]]]:
    """The rows the sink lands for the workload, already mapped (the bulk insert's input)."""
    from iprx.sinks.clickhouse.rows import MAPPINGS, Position

    workload = Workload(seed, events)
    mapping = MAPPINGS[SCHEMA]
    pool = []
    for value in workload.encoded:
        _, record = workload.codec.decode(value)
        pool.append(mapping.to_row(record) | Position("bench", 0, 0).columns())
    columns = list(pool[0])
    pool_rows = [[row[c] for c in columns] for row in pool]
    id_at, offset_at = columns.index("event_id"), columns.index("_offset")
    data = []
    size = len(pool_rows)
    for n, event_id in enumerate(workload.event_ids()):
        row = pool_rows[n % size].copy()
        row[id_at] = event_id
        row[offset_at] = n
        data.append(row)
    return columns, data


def count_and_bulk_insert(env: dict[str, str], seed: int, events: int) -> dict[str, Any]:
    """In the stage's store: count what the sink landed, then time one bulk insert of the same rows."""
    from iprx.sinks.clickhouse.store import Store

    settings = load_settings(env=dict(os.environ) | env)
    with Store(settings, "iprx bench") as store:
        client, db = store.client, store.database
        landed = int(client.command(f"SELECT count() FROM {db}.seizures"))
        client.command(f"DROP TABLE IF EXISTS {db}.{BASELINE_TABLE}")
        client.command(f"CREATE TABLE {db}.{BASELINE_TABLE} AS {db}.seizures")
        columns, data = baseline_rows(seed, events)
        started = time.perf_counter()
        client.insert(f"{db}.{BASELINE_TABLE}", data, column_names=columns)
        elapsed = time.perf_counter() - started
        inserted = int(client.command(f"SELECT count() FROM {db}.{BASELINE_TABLE}"))
    return {"landed_rows": landed, "baseline_rows": inserted, "baseline_rows_per_s": inserted / elapsed}


def run(stage: Stage, workload: Workload, timeout_s: float) -> dict[str, Any]:
    """Measure the sink on ``stage``'s filled seizure topic, then the bulk-insert baseline."""
    say(f"sink: `iprx sink` over {workload.count:,} events")
    measured = run_sink(stage, workload.count, timeout_s)
    say(f"sink: {measured['rows_per_s']:,.0f} rows/s; now one bulk insert of the same rows")
    counts = in_fresh_process(count_and_bulk_insert, stage.env, workload.seed, workload.count)
    if counts["landed_rows"] != workload.count:
        say(f"sink: warning: {counts['landed_rows']:,} rows landed, expected {workload.count:,}")
    say(f"sink: bulk insert baseline {counts['baseline_rows_per_s']:,.0f} rows/s")
    return {
        "rows": workload.count,
        "landed_rows": counts["landed_rows"],
        "measured_rows_per_s": measured["rows_per_s"],
        "measured_window_s": measured["window_s"],
        "baseline_rows_per_s": counts["baseline_rows_per_s"],
        "ratio": measured["rows_per_s"] / counts["baseline_rows_per_s"],
        "sink_peak_rss_mb": measured["peak_rss_mb"],
    }
