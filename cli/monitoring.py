"""`iprx monitoring up|down|status|config`: the local Prometheus with the project's scrape jobs and rules."""

from __future__ import annotations

import argparse

from iprx.kernel.config import Settings

ACTIONS = ("up", "down", "status", "config", "dashboards")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=ACTIONS,
        help="up: start Prometheus (127.0.0.1:monitoring.port) unless it runs; down: stop it; "
        "status: exit 0 if it runs, 3 if not; config: print the configuration `up` uses; "
        "dashboards: write the Grafana dashboards (pipeline/dashboards.py) into deploy/monitoring/grafana",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Handle one action; a missing or failing Prometheus raises PrometheusError (one line, exit 2)."""
    from iprx.pipeline import prometheus

    if args.action == "dashboards":
        from iprx.pipeline.dashboards import write

        for path in write():
            print(f"wrote {path}")
        return 0
    if args.action == "config":
        print(prometheus.effective_config(settings), end="")
        return 0
    if args.action == "up":
        print(prometheus.up(settings))
        return 0
    if args.action == "down":
        print(prometheus.down(settings))
        return 0
    running, line = prometheus.status(settings)
    print(line)
    return 0 if running else 3
