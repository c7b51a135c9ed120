"""`iprx status`: the pipeline on one terminal screen (rich), or as one JSON document for scripts.

The data comes from ``iprx.pipeline.status.gather``; this module only renders a :class:`Status`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import KafkaUnavailable
from iprx.pipeline.status import RATE_WINDOW, Bounds, Status, gather
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "": "hours"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``2d``; a bare number is hours."""
    match = _DURATION.match(text)
    if not match or float(match[1]) <= 0:
        raise ValueError(f"{text!r} is not a duration such as 90s, 30m, 24h or 2d")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def to_json(status: Status) -> dict[str, Any]:
    """The status as plain JSON types; times in ISO 8601 (UTC), durations in seconds."""
    b = status.bounds
    dl = status.dead_letters
    return {
        "taken_at": _iso(status.taken_at),
        "broker": {"bootstrap_servers": status.bootstrap, "reachable": True, "answer_ms": round(status.answer_ms, 1)},
        "bounds": {
            "input_tail_per_partition": b.input_tail,
            "signal_tail_per_partition": b.signal_tail,
            "dead_letter_cap": b.dead_letter_cap,
            "silent_after_s": b.silent_after.total_seconds(),
            "read_timeout_s": b.read_timeout_s,
        },
        "topics": [
            {
                "name": t.name,
                "logical": t.logical,
                "exists": t.exists,
                "worker_input": t.worker_input,
                "partitions": t.partitions,
                "end_offsets": list(t.end_offsets),
                "end_offset": t.end_offset,
                "appended_last_minute": t.appended_last_minute,
                "rate_per_s": t.rate_per_s,
                "latest_event_time": _iso(t.latest_event_time),
            }
            for t in status.topics
        ],
        "missing_topics": list(status.missing),
        "groups": [
            {
                "group": g.group,
                "committed": g.committed,
                "lag": g.total,
                "topics": {name: {"lag": sum(parts), "partitions": list(parts)} for name, parts in g.lag.items()},
                "error": g.error,
            }
            for g in status.groups
        ],
        "dead_letters": {
            "since": _iso(dl.since),
            "read": dl.read,
            "capped": dl.capped,
            "undecodable": dl.undecodable,
            "complete": dl.complete,
            "by_reason": dict(dl.by_reason),
        },
        "signals": {
            "read": status.signals_read,
            "last_per_rule": [
                {
                    "rule_id": s.rule_id,
                    "raised_at": _iso(s.raised_at),
                    "occurred_at": _iso(s.occurred_at),
                    "severity": s.severity,
                    "subject_type": s.subject_type,
                    "subject_id": s.subject_id,
                }
                for s in status.signals
            ],
        },
        "publishers": [
            {
                "publisher": p.publisher,
                "last_record_at": _iso(p.last_record_at),
                "topics": list(p.topics),
                "silent": p.silent,
                "silent_after_s": p.silent_after.total_seconds(),
            }
            for p in status.publishers
        ],
        "incomplete": list(status.incomplete),
        "event_time": {rule: _iso(at) for rule, at in sorted(status.event_time.items())},
        "event_time_source": status.event_time_source,
    }


def ago(now: datetime, then: datetime) -> str:
    """How long before ``now``: ``42s``, ``5m``, ``3h 20m``, ``1d``, ``2d 4h`` (rounded down)."""
    seconds = max(int((now - then).total_seconds()), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{secs}s"


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}Z"


def render(status: Status) -> RenderableType:
    """The one screen: broker, topics, lag, dead letters, last signal per rule, publishers."""
    now = status.taken_at
    parts: list[RenderableType] = [
        Text.assemble(
            ("iprx status", "bold"),
            f"  {_when(now)}  broker {status.bootstrap} answered in {status.answer_ms:.0f} ms",
        )
    ]
    if status.missing:
        parts.append(Text(f"missing topics: {', '.join(status.missing)} (run `iprx topics create`)", style="bold red"))
    parts += [_topics(status), _groups(status), _event_time(status), _dead_letters(status), _signals(status)]
    parts.append(_publishers(status))
    if status.incomplete:
        parts.append(
            Text(
                f"not read to the end within {status.bounds.read_timeout_s:.0f} s: {', '.join(status.incomplete)}",
                style="yellow",
            )
        )
    return Group(*parts)


def _table(title: str, *columns: str, caption: str = "", names: Iterable[str] = ()) -> Table:
    """A table whose first column holds ``names``: kept whole, as an operator copies them into the next command."""
    table = Table(
        title=title,
        caption=caption or None,
        title_justify="left",
        title_style="bold",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        min_width=max(len(title), len(caption)),  # a narrow table must not wrap its title and notes
    )
    widest = max((len(name) for name in names), default=0)
    table.add_column(columns[0], no_wrap=True, min_width=max(widest, len(columns[0])))
    for column in columns[1:]:
        numeric = column.startswith(("partitions", "end offset", "rec/s", "lag", "count"))
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    return table


def _topics(status: Status) -> Table:
    caption = f"rec/s: records appended in the last {RATE_WINDOW.total_seconds():.0f} s (worker inputs)"
    names = [t.name for t in status.topics]
    table = _table(
        "Topics", "topic", "partitions", "end offset", "rec/s", "latest event time", caption=caption, names=names
    )
    for t in status.topics:
        if not t.exists:
            table.add_row(Text(t.name, style="red"), Text("missing", style="bold red"), "", "", "")
            continue
        rate = "" if t.rate_per_s is None else f"{t.rate_per_s:.2f}"
        latest = "" if t.latest_event_time is None else _when(t.latest_event_time)
        table.add_row(t.name, str(t.partitions), f"{t.end_offset:,}", rate, latest)
    return table


def _groups(status: Status) -> Table:
    names = [g.group + ("" if g.committed or g.error else " (no commit yet)") for g in status.groups]
    table = _table("Consumer lag", "group", "lag", "behind on", names=names)
    for g in status.groups:
        if g.error:
            table.add_row(g.group, "?", Text(g.error, style="yellow"))
            continue
        behind = ", ".join(f"{name} {sum(parts):,}" for name, parts in g.lag.items() if sum(parts))
        note = "" if g.committed else " (no commit yet)"
        style = "yellow" if g.total else ""
        table.add_row(g.group + note, Text(f"{g.total:,}", style=style), behind or "-")
    return table


def _dead_letters(status: Status) -> Table:
    dl = status.dead_letters
    notes = [f"{dl.read:,} since {_when(dl.since)}"]
    if dl.capped:
        notes.append(f"capped: only the newest {status.bounds.dead_letter_cap:,}")
    if not dl.complete:
        notes.append("incomplete: time ran out")
    names = [*dl.by_reason, "(undecodable)"]
    table = _table("Dead letters, last 24 h", "reason", "count", caption="; ".join(notes), names=names)
    for reason, count in dl.by_reason.items():
        table.add_row(reason, f"{count:,}")
    if dl.undecodable:
        table.add_row(Text("(undecodable)", style="yellow"), f"{dl.undecodable:,}")
    if not dl.read:
        table.add_row("-", "0")
    return table


def _event_time(status: Status) -> Table:
    """Each rule's event-time clock: windows and deadlines before it (less grace) are closed."""
    caption = f"from {status.event_time_source}" if status.event_time else status.event_time_source
    names = sorted(status.event_time)
    table = _table("Event time per rule (watermark)", "rule", "event time", "behind now", caption=caption, names=names)
    for rule in names:
        at = status.event_time[rule]
        table.add_row(rule, _when(at), ago(status.taken_at, at))
    if not names:
        table.add_row("-", "", "")
    return table


def _signals(status: Status) -> Table:
    caption = f"{status.signals_read:,} read (the last {status.bounds.signal_tail:,} per partition at most)"
    names = [s.rule_id for s in status.signals]
    table = _table("Last signal per rule", "rule", "raised", "severity", "subject", caption=caption, names=names)
    for s in status.signals:
        style = "bold red" if s.severity in ("HIGH", "CRITICAL") else ""
        table.add_row(
            s.rule_id,
            f"{_when(s.raised_at)} ({ago(status.taken_at, s.raised_at)} ago)",
            Text(s.severity, style=style),
            f"{s.subject_type} {s.subject_id}",
        )
    if not status.signals:
        table.add_row("-", "", "", "")
    return table


def _publishers(status: Status) -> Table:
    silent_after = ago(status.taken_at, status.taken_at - status.bounds.silent_after)
    caption = (
        f"seen in the last {status.bounds.input_tail:,} records per input partition; silent: nothing for the "
        f"member's expected cadence (member registry), else {silent_after}"
    )
    names = [p.publisher for p in status.publishers]
    table = _table(
        "Publishers", "publisher", "last record", "topics", "silent after", "state", caption=caption, names=names
    )
    for p in status.publishers:
        state = Text("SILENT", style="bold red") if p.silent else Text("ok", style="green")
        table.add_row(p.publisher, f"{_when(p.last_record_at)} ({ago(status.taken_at, p.last_record_at)} ago)",
                      ", ".join(p.topics), ago(status.taken_at, status.taken_at - p.silent_after), state)  # fmt: skip
    if not status.publishers:
        table.add_row("-", "", "", "", "")
    return table


def run(settings: Settings, bounds: Bounds, as_json: bool, watch: float | None, console: Console | None = None) -> int:
    """Print the status once (screen or JSON), or refresh the screen every ``watch`` seconds until Ctrl-C."""
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: no width to fit, so do not squeeze the tables
            console.width = max(console.width, 160)
    # The client library's warnings (slow event-loop tasks, a metadata refresh cancelled on close) would
    # land in the middle of the screen; a broker that does not answer is reported as such.
    kafka_log = logging.getLogger("kafka")
    if kafka_log.getEffectiveLevel() > logging.DEBUG:
        kafka_log.setLevel(logging.CRITICAL)
    if watch is None:
        status = gather(settings, bounds)  # KafkaUnavailable: one line and exit 2, in cli.main
        if as_json:
            print(json.dumps(to_json(status), indent=2))
        else:
            console.print(render(status))
        return 0
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a watch ends
        _watch(settings, bounds, watch, console)
    return 0


def _watch(settings: Settings, bounds: Bounds, every_s: float, console: Console) -> None:
    """Redraw in place on a terminal; elsewhere (a pipe, a log) print one screen after the other.

    Ctrl-C ends the watch between two screens: raised inside the Kafka client, KeyboardInterrupt could
    leave a client's thread running and the process hanging on exit.
    """
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())

    def screen() -> RenderableType:
        try:
            return render(gather(settings, bounds))
        except KafkaUnavailable as exc:  # keep watching: the broker may come back
            return Text(f"error: {exc}", style="bold red")

    try:
        if not console.is_terminal:
            while not stop.is_set():
                console.print(screen())
                console.print()
                stop.wait(every_s)
            return
        from rich.live import Live

        with Live(Text("gathering ..."), console=console, auto_refresh=False, vertical_overflow="visible") as live:
            while not stop.is_set():
                live.update(screen(), refresh=True)
                stop.wait(every_s)
    finally:
        signal.signal(signal.SIGINT, previous)
