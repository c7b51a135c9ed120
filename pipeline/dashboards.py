"""The Grafana dashboards, as code (grafanalib): stream operations, and the exchange's health.

Every panel reads the Prometheus series the pipeline exports, or the recording rules of
deploy/monitoring/rules. `iprx monitoring dashboards` writes them as JSON into
deploy/monitoring/grafana/dashboards, where Grafana's provisioning (deploy/monitoring/grafana/
provisioning, used by deploy/compose.yaml) loads them; tests/unit/test_dashboards.py keeps those
files equal to this code, and tests/integration/test_monitoring.py runs every panel's query against
the real Prometheus scraping a running pipeline: each one returns data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grafanalib._gen import DashboardEncoder
from grafanalib.core import Dashboard, GridPos, Target, TimeSeries

DATASOURCE = "Prometheus"  # the provisioned data source's name
DASHBOARDS_DIR = Path(__file__).resolve().parent.parent / "deploy" / "monitoring" / "grafana" / "dashboards"


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend) per line
    unit: str = "short"
    description: str = ""


def one(title: str, expr: str, legend: str, unit: str = "short", description: str = "") -> Panel:
    return Panel(title, ((expr, legend),), unit, description)


STREAM_OPERATIONS = (
    one("Events consumed by the worker, per family", "family:iprx_worker_events:rate5m", "{{family}}", "ops"),
    one("Rows landed in ClickHouse, per table", "table:iprx_sink_rows_inserted:rate5m", "{{table}}", "rowsps"),
    one("Consumer lag, per group and topic", "group_topic:iprx_consumer_lag:sum", "{{group}} {{topic}}"),
    one(
        "Worker lag, per topic and partition",
        "clamp_min(iprx_faust_topic_partition_end_offset - iprx_faust_topic_partition_offset_commited, 0)",
        "{{topic}}[{{partition}}]",
        description="End offset the worker has seen minus the offset it has committed.",
    ),
    Panel(
        "Sink batch latency p50 / p99",
        tuple(
            (f"histogram_quantile({q}, sum by (le) (rate(iprx_sink_batch_seconds_bucket[5m])))", f"p{round(q * 100)}")
            for q in (0.5, 0.99)
        ),
        "s",
        "Seconds from taking a batch to its progress being recorded in ClickHouse.",
    ),
    one("Dead letters, per reason", "reason:iprx_worker_dead_letters:rate5m", "{{reason}}", "ops"),
    one("Worker rebalances (total)", "iprx_faust_total_rebalances", "{{instance}}"),
)

EXCHANGE_HEALTH = (
    one(
        "Events per publisher and family",
        "sum by (publisher, family) (rate(iprx_worker_publisher_events_total[5m]))",
        "{{publisher}} {{family}}",
        "ops",
    ),
    one(
        "Freshness per member: seconds since its last event",
        "time() - publisher:iprx_worker_publisher_last_event_timestamp_seconds:max",
        "{{publisher}}",
        "s",
        "Compare with each member's expected cadence (alert IprxPublisherSilent).",
    ),
    one("Signals per rule and severity", "rule_severity:iprx_worker_signals:rate5m", "{{rule}} {{severity}}", "ops"),
    one(
        "Event time per rule: how far behind now",
        "time() - iprx_worker_event_time_seconds",
        "{{rule}}",
        "s",
        "A rule closes windows and deadlines as its event time moves (README, Event time); a flat line "
        "while events arrive is alert IprxEventTimeStalled.",
    ),
)

DASHBOARDS = {
    "stream-operations": ("ipr-exchange: stream operations", STREAM_OPERATIONS),
    "exchange-health": ("ipr-exchange: exchange health", EXCHANGE_HEALTH),
}


def dashboard(uid: str) -> Dashboard:
    """The dashboard ``uid`` of :data:`DASHBOARDS`, two panels a row."""
    title, panels = DASHBOARDS[uid]
    return Dashboard(
        title=title,
        uid=f"iprx-{uid}",
        tags=["ipr-exchange"],
        timezone="utc",
        panels=[
            TimeSeries(
                title=p.title,
                description=p.description,
                dataSource=DATASOURCE,
                targets=[
                    Target(expr=expr, legendFormat=legend, refId=chr(ord("A") + i))
                    for i, (expr, legend) in enumerate(p.targets)
                ],
                unit=p.unit,
                gridPos=GridPos(h=8, w=12, x=12 * (n % 2), y=8 * (n // 2)),
            )
            for n, p in enumerate(panels)
        ],
    ).auto_panel_ids()


def render(uid: str) -> str:
    """The dashboard's JSON, as Grafana's provisioning reads it."""
    return json.dumps(dashboard(uid).to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True) + "\n"


def write(directory: Path = DASHBOARDS_DIR) -> list[Path]:
    """Write every dashboard's JSON into ``directory``; return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for uid in DASHBOARDS:
        path = directory / f"{uid}.json"
        path.write_text(render(uid), encoding="utf-8")
        written.append(path)
    return written


def queries() -> list[str]:
    """Every panel's PromQL, across the dashboards."""
    return [expr for _, panels in DASHBOARDS.values() for p in panels for expr, _ in p.targets]
